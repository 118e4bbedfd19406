"""Answer migrations: a renamed question keeps the value a service recorded (extensions/migrate_answers.py).

A synthetic template: 0.1.0 asks ``resource``; 0.2.0 renames it ``entity`` and carries the recorded
answer over with a ``before`` migration written as copier.yml's comment shows.  ``copier update``
from 0.1.0 to 0.2.0 must record and render the service's value under the new name.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import copier
import pytest
import yaml

from tests.harness import git
from tests.matrix import ROOT

SCRIPT = ROOT / "extensions" / "migrate_answers.py"


def _load_script() -> ModuleType:
    """extensions/migrate_answers.py imported by path, as copier's Python runs it."""
    spec = importlib.util.spec_from_file_location("_harness_migrate_answers", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_script = _load_script()
rename: Callable[[str, str, str], str] = _script.rename
remove: Callable[[str, str], str] = _script.remove
main: Callable[[list[str]], int] = _script.main
# The command of copier.yml's commented example, as the synthetic 0.2.0 uses it.
COMMAND = (
    '["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrate_answers.py", '
    '"rename", "resource", "entity", "{{ _copier_conf.answers_file }}"]'
)

ANSWERS = """\
# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY
_commit: v0.1.0
_src_path: /somewhere/template
description: 'A long description that to_nice_yaml folds onto
  a second line'
resource: book
resource_plural: books
"""


# -- the script ---------------------------------------------------------------------------------


def test_rename_moves_the_value_and_touches_nothing_else() -> None:
    renamed = rename(ANSWERS, "resource", "entity")
    assert renamed == ANSWERS.replace("\nresource: book", "\nentity: book")
    assert yaml.safe_load(renamed)["entity"] == "book"
    assert rename(renamed, "resource", "entity") == renamed  # idempotent


def test_rename_keeps_an_answer_already_recorded_under_the_new_name() -> None:
    both = ANSWERS + "entity: order\n"
    assert yaml.safe_load(rename(both, "resource", "entity")) == {
        **yaml.safe_load(ANSWERS.replace("resource: book\n", "")),
        "entity": "order",
    }


def test_remove_drops_a_multi_line_value() -> None:
    removed = remove(ANSWERS, "description")
    assert "description" not in yaml.safe_load(removed)
    assert "a second line" not in removed
    assert removed.endswith("resource: book\nresource_plural: books\n")
    assert remove(removed, "description") == removed


def test_only_whole_top_level_keys_are_matched() -> None:
    assert rename(ANSWERS, "resource_plura", "x") == ANSWERS
    assert rename(ANSWERS, "book", "x") == ANSWERS
    with pytest.raises(ValueError, match="is not an answer name"):
        rename(ANSWERS, "resource", "not a key")


def test_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".copier-answers.yml").write_text(ANSWERS, encoding="utf-8")
    assert main(["rename", "resource", "entity"]) == 0
    assert yaml.safe_load((tmp_path / ".copier-answers.yml").read_text(encoding="utf-8"))["entity"] == "book"
    assert main(["remove", "description", ".copier-answers.yml"]) == 0
    assert main(["rename", "resource"]) == 2
    assert main(["remove", "x", "missing.yml"]) == 1
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "remove", "entity"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "entity" not in yaml.safe_load((tmp_path / ".copier-answers.yml").read_text(encoding="utf-8"))


def test_copier_yml_ships_the_mechanism() -> None:
    text = (ROOT / "copier.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert isinstance(config["_migrations"], list)
    for migration in config["_migrations"]:
        assert {"version", "when", "command"} <= set(migration), migration
    assert f"command: {COMMAND}" in text, "copier.yml's example differs from the one tested here"
    assert "_message_after_update" in config


# -- copier update across a rename --------------------------------------------------------------

V1 = """\
_answers_file: .copier-answers.yml
_templates_suffix: .jinja
resource:
  type: str
  default: item
"""

V2 = f"""\
_answers_file: .copier-answers.yml
_templates_suffix: .jinja
_migrations:
  - version: "0.2.0"
    when: "{{{{ _stage == 'before' }}}}"
    command: {COMMAND}
entity:
  type: str
  default: item
"""


def commit_all(repo: Path, message: str, tag: str | None = None) -> None:
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "--no-verify", "-m", message, cwd=repo)
    if tag:
        git("tag", "-a", tag, "-m", message, cwd=repo)


@pytest.mark.render
def test_update_carries_a_renamed_answer(tmp_path: Path) -> None:
    template = tmp_path / "template"
    (template / "extensions").mkdir(parents=True)
    shutil.copy(SCRIPT, template / "extensions" / "migrate_answers.py")
    (template / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers|to_nice_yaml -}}\n", encoding="utf-8"
    )
    (template / "copier.yml").write_text(V1, encoding="utf-8")
    (template / "resource.txt.jinja").write_text("{{ resource }}\n", encoding="utf-8")
    git("init", "--quiet", cwd=template)
    commit_all(template, "0.1.0", tag="v0.1.0")

    service = tmp_path / "service"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(str(template), str(service), data={"resource": "book"}, defaults=True, unsafe=True, quiet=True)
    git("init", "--quiet", cwd=service)
    commit_all(service, "generated from 0.1.0")

    (template / "copier.yml").write_text(V2, encoding="utf-8")
    (template / "resource.txt.jinja").unlink()
    (template / "entity.txt.jinja").write_text("{{ entity }}\n", encoding="utf-8")
    commit_all(template, "0.2.0: resource is entity", tag="v0.2.0")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(str(service), defaults=True, overwrite=True, unsafe=True, quiet=True, vcs_ref="v0.2.0")

    answers = yaml.safe_load((service / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == "v0.2.0"
    assert answers["entity"] == "book", "the recorded answer did not follow the renamed question"
    assert "resource" not in answers
    assert (service / "entity.txt").read_text(encoding="utf-8") == "book\n"
    assert not (service / "resource.txt").exists()
