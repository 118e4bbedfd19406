"""The template through copier's command line, as a user runs it: no prompt with --defaults; copier update works."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.harness import git, tool
from tests.matrix import Template


def copier_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the copier CLI with no standard input (a prompt would fail or hang, not wait)."""
    copier = tool("copier")
    env = {**os.environ, "CI": "true", "TERM": "dumb"}
    return subprocess.run(
        [copier, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.render
def test_copy_with_defaults_needs_no_prompt(template_snapshot: Path, tmp_path: Path) -> None:
    destination = tmp_path / "service"
    completed = copier_cli("copy", "--trust", "--defaults", "--vcs-ref=HEAD", str(template_snapshot), str(destination))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    default = Template(template_snapshot).default()
    for name, value in default.data().items():
        assert answers[name] == value, f"{name}: the answers file records the default"
    assert answers["_src_path"], "the answers file records where the template came from (for copier update)"
    assert (destination / "pyproject.toml").exists()


@pytest.mark.render
def test_copy_with_data_overrides_a_choice(template_snapshot: Path, tmp_path: Path) -> None:
    template = Template(template_snapshot)
    default = template.default()
    other = next(combination for combination in template.full() if combination != default)
    arguments = [f"--data={name}={value}" for name, value in other.data().items() if not isinstance(value, list)]
    destination = tmp_path / "service"
    completed = copier_cli(
        "copy", "--trust", "--defaults", "--vcs-ref=HEAD", *arguments, str(template_snapshot), str(destination)
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    for argument in arguments:
        name, value = argument.removeprefix("--data=").split("=", 1)
        assert str(answers[name]) == value


@pytest.mark.render
def test_copier_update_is_a_no_op_on_an_unchanged_template(template_snapshot: Path, tmp_path: Path) -> None:
    destination = tmp_path / "service"
    completed = copier_cli("copy", "--trust", "--defaults", "--vcs-ref=HEAD", str(template_snapshot), str(destination))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    git("init", "--quiet", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "--quiet", "-m", "generated", cwd=destination)
    completed = copier_cli("update", "--trust", "--defaults", "--vcs-ref=HEAD", cwd=destination)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert git("status", "--porcelain", cwd=destination) == "", "updating to the same template changes nothing"
