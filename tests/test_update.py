"""`copier update` carries template changes into a service that its team has already edited.

The template is snapshotted into a throw-away git repository and tagged v1; a service is
generated from v1 and edited the way a team would; the template then changes (v2) and the
service is updated.  Template changes must arrive, the team's edits must survive, and nothing
may be left half-merged.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import copier
import pytest
import yaml

from tests.harness import git, snapshot

pytestmark = pytest.mark.render


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    if tag:
        git("tag", tag, cwd=repo)


def conflict_leftovers(project: Path) -> list[str]:
    found = []
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        if path.suffix == ".rej":
            found.append(str(path))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if "<<<<<<< " in text or ">>>>>>> " in text:
            found.append(str(path))
    return found


@pytest.fixture
def template_v1(template_root: Path, tmp_path: Path) -> Path:
    repo = snapshot(template_root, tmp_path / "template")
    git("tag", "v1", cwd=repo)
    return repo


@pytest.fixture
def service(template_v1: Path, tmp_path: Path) -> Path:
    project = tmp_path / "service"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(template_v1),
            str(project),
            data={"resource": "book"},
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref="v1",
        )
    git("init", "--quiet", cwd=project)
    commit_all(project, "generated from v1")
    return project


def update(project: Path, **data: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(
            str(project),
            data=data,
            defaults=True,
            overwrite=True,
            unsafe=True,
            quiet=True,
            vcs_ref="v2",
            conflict="rej",
        )


def test_update_brings_template_changes_and_keeps_team_edits(template_v1: Path, service: Path) -> None:
    # The team edits its service.
    service_py = service / "src" / "my_service" / "books" / "service.py"
    service_py.write_text(service_py.read_text(encoding="utf-8") + "\n\nTEAM_CONSTANT = 42\n", encoding="utf-8")
    (service / "src" / "my_service" / "books" / "extra.py").write_text('"""Team code."""\n', encoding="utf-8")
    commit_all(service, "team edits")

    # The template improves: a README section, a new shipped file.
    readme = template_v1 / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n## Added in v2\n", encoding="utf-8")
    (template_v1 / "template" / "CHANGELOG.md").write_text("# Changelog\n\n- v2\n", encoding="utf-8")
    commit_all(template_v1, "template v2", tag="v2")

    update(service)

    assert "## Added in v2" in (service / "README.md").read_text(encoding="utf-8")
    assert (service / "CHANGELOG.md").exists()
    assert "TEAM_CONSTANT = 42" in service_py.read_text(encoding="utf-8")
    assert (service / "src" / "my_service" / "books" / "extra.py").exists()
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == "v2"
    assert answers["resource"] == "book"
    assert conflict_leftovers(service) == []


def test_update_can_change_an_answer(template_v1: Path, service: Path) -> None:
    git("tag", "v2", cwd=template_v1)

    update(service, database="postgresql")

    pyproject = (service / "pyproject.toml").read_text(encoding="utf-8")
    assert '"asyncpg' in pyproject
    assert "postgresql+asyncpg://" in (service / "src" / "my_service" / "core" / "settings.py").read_text(
        encoding="utf-8"
    )
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["database"] == "postgresql"
    assert conflict_leftovers(service) == []
