"""The template through pytest-copie's ``copie`` fixture, the way template authors test a copier template.

pytest-copie renders with copier's API as a user's ``copier copy --defaults`` would (the
template's tasks run: ``uv lock``) and updates with ``copie.update``. The harness keeps its own
runner where pytest-copie lacks what it needs (docs/harness.md, "pytest-copie"): the matrix and
the fuzzer render hundreds of projects with tasks skipped and the harness's uv first on PATH,
from one snapshot of the working tree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import find_uv, git
from tests.matrix import Template


@pytest.mark.render
def test_copie_renders_the_defaults(copie: Any, template_snapshot: Path, uv_on_path: None) -> None:
    result = copie.copy(template_dir=template_snapshot)

    assert result.exception is None, result.exception
    assert result.exit_code == 0
    default = Template(template_snapshot).default()
    for name, value in default.data().items():
        assert result.answers[name] == value, f"{name}: pytest-copie records the default"
    project = Path(result.project_dir)
    assert (project / "uv.lock").is_file(), "the template's task (uv lock) ran"
    assert (project / "src" / "my_service" / "items" / "service.py").is_file()


@pytest.mark.render
def test_copie_refuses_a_bad_answer(copie: Any, template_snapshot: Path) -> None:
    result = copie.copy(extra_answers={"resource": "Not A Name"}, template_dir=template_snapshot)

    assert result.exit_code != 0
    assert "resource" in str(result.exception)


@pytest.fixture
def uv_on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The harness's uv first on PATH, for the template's ``uv lock`` task (copier's tasks run
    through plumbum, which keeps its own copy of the environment)."""
    from plumbum import local

    uv = find_uv()
    assert uv is not None, "the test dependency group installs uv"
    path = os.pathsep.join([str(Path(uv).parent), os.environ.get("PATH", "")])
    monkeypatch.setenv("PATH", path)
    with local.env(PATH=path):
        yield


@pytest.mark.render
def test_copie_update_brings_a_template_change_and_keeps_a_team_edit(
    copie: Any, template_snapshot: Path, tmp_path: Path
) -> None:
    template = tmp_path / "template"
    git("clone", "--quiet", str(template_snapshot), str(template), cwd=tmp_path)
    result = copie.copy(template_dir=template)
    assert result.exception is None, result.exception
    project = Path(result.project_dir)
    git("init", "--quiet", cwd=project)
    (project / "NOTES.md").write_text("The team's own notes.\n", encoding="utf-8")
    git("add", "-A", cwd=project)
    git("commit", "--quiet", "-m", "generated, and the team's notes", cwd=project)
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA line the template added later.\n", encoding="utf-8")
    git("commit", "--quiet", "-am", "template: a README line", cwd=template)

    updated = copie.update(result, vcs_ref="HEAD")

    assert updated.exception is None, updated.exception
    assert "A line the template added later." in (project / "README.md").read_text(encoding="utf-8")
    assert (project / "NOTES.md").read_text(encoding="utf-8") == "The team's own notes.\n"
