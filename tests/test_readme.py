"""The newcomer commands at the top of README.md stay true.

The first ``bash`` block generates and runs a service; its ``copier copy`` must
work from a clone of this repository, and the service it makes must be one that
``copier update`` can later update (the recorded template path must still point
at the template when run from inside the service).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.harness import git, tool

README = Path(__file__).resolve().parent.parent / "README.md"


def bash_blocks() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def copier_copy_command() -> list[str]:
    """The ``copier copy`` part of the README's first command, as words."""
    (line,) = bash_blocks()[0]
    for part in line.split("&&"):
        words = shlex.split(part)
        # ``uvx --with copier-template-extensions copier copy ...``: the copier command after the runner
        for index in range(len(words) - 1):
            if words[index].endswith("copier") and words[index + 1] == "copy":
                assert words[:1] != ["uvx"] or "copier-template-extensions" in words[:index], (
                    "`uvx copier` needs `--with copier-template-extensions`"
                )
                return words[index:]
    raise AssertionError("the first command of README.md runs no `copier copy`")


def run(words: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    copier = tool("copier")
    return subprocess.run(
        [copier, *words[1:]],
        cwd=cwd,
        env={**os.environ, "CI": "true"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_readme_opens_with_a_generate_and_a_test_command() -> None:
    first, second = bash_blocks()[:2]
    assert "copier copy" in first[0]
    assert "fastapi dev" in first[0] or "python -m my_service" in first[0], "the first command serves the service"
    assert "alembic upgrade head" in first[0], "the service needs its tables before it serves"
    assert "nox -s tests" in second[0], "the second command runs this repository's tests"
    assert "nox -s tests" in (README.parent / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.render
def test_readme_service_can_be_updated_later(template_snapshot: Path, tmp_path: Path) -> None:
    words = [word.replace("$PWD", str(template_snapshot)) for word in copier_copy_command()]
    destination = tmp_path / "my-service"
    words[-1] = str(destination)

    copied = run(words, cwd=template_snapshot)
    assert copied.returncode == 0, copied.stdout + copied.stderr

    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert Path(answers["_src_path"]).is_absolute(), "a relative template path breaks `copier update`"
    git("init", "--quiet", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "--quiet", "-m", "generated", cwd=destination)
    # Generated from a commit after the newest release tag: it updates from HEAD (README.md says so).
    updated = run(["copier", "update", "--trust", "--defaults", "--vcs-ref", "HEAD"], cwd=destination)
    assert updated.returncode == 0, updated.stdout + updated.stderr


def non_interactive_command() -> list[str]:
    """The README's "Non-interactive use" example, as words."""
    for block in bash_blocks():
        for line in block:
            words = shlex.split(line)
            if words[:2] == ["copier", "copy"] and any(word.startswith("resource=") for word in words):
                return words
    raise AssertionError("README.md shows no non-interactive `copier copy -d ...` example")


@pytest.mark.render
def test_readme_non_interactive_example_names_the_service(template_snapshot: Path, tmp_path: Path) -> None:
    """Every answer not given keeps its default: the example must name the service it generates."""
    words = [word.replace("$PWD", str(template_snapshot)) for word in non_interactive_command()]
    destination = tmp_path / Path(words[-1]).name
    words[-1] = str(destination)

    copied = run(words, cwd=template_snapshot)
    assert copied.returncode == 0, copied.stdout + copied.stderr

    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["project_name"] != "My Service"
    assert destination.name.split("-")[0] in answers["package_name"], "the folder and the package agree"


def test_readme_update_instructions_work_without_a_terminal() -> None:
    """``copier update`` needs a committed git repository, and ``--defaults`` where there is no terminal."""
    for text in (README.read_text(encoding="utf-8"), (README.parent / "docs" / "updating.md").read_text("utf-8")):
        commands = [line for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL) for line in block.splitlines()]
        updates = [line for line in commands if "copier update" in line]
        assert updates
        assert all("--defaults" in line for line in updates), updates
        assert any("git init" in line and "git commit" in line for line in commands)
