"""The tooling a generated project and this repository ship: interpreters, pre-commit, deptry, nox.

Each test guards a defect a user met: combinations checked on the wrong Python, a pre-commit
config that claimed to run CI's checks without deptry or pytest, deptry's deprecation warning on
every run, and a ``nox`` lower bound too old for the noxfile.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.harness import (
    REQUIRED_COMMANDS,
    Toolchain,
    create_venv,
    find_python,
    git,
    interpreter_version,
    pip_install,
    python_for,
)
from tests.matrix import ROOT, Combination, Template

SUPPORTED_PYTHONS = Template(ROOT).question("python_version").choices()


@pytest.mark.parametrize("choice", SUPPORTED_PYTHONS, ids=lambda choice: str(choice.value))
def test_each_python_version_runs_on_its_own_interpreter(choice: object) -> None:
    version = str(getattr(choice, "value", choice))
    if find_python(version) is None:
        pytest.skip(f"Python {version} is not installed here (GitHub CI installs every version)")
    assert interpreter_version(python_for(Combination.of({"python_version": version}))) == version


def test_pre_commit_runs_every_check_ci_runs(default_project: tuple[Path, Toolchain]) -> None:
    project, _ = default_project
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [hook.get("entry", hook["id"]) for repo in config["repos"] for hook in repo["hooks"]]
    tools = {entry.split()[0] for entry in entries}
    missing = [command for command in REQUIRED_COMMANDS if command.split()[0] not in tools]
    assert missing == [], f"pre-commit does not run {missing}"
    assert set(config.get("default_install_hook_types", [])) >= {"pre-commit", "pre-push"}


def test_deptry_runs_without_warnings(default_project: tuple[Path, Toolchain]) -> None:
    project, toolchain = default_project
    completed = subprocess.run(
        [str(toolchain.bin / "deptry"), "."],
        cwd=project,
        env=toolchain.env(project),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "warning" not in (completed.stdout + completed.stderr).lower()


def _lowest(requirement: str) -> str:
    match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    assert match, f"{requirement!r} has no lower bound"
    return match.group(1)


@pytest.mark.render
def test_the_lowest_allowed_nox_runs_the_noxfile(tmp_path: Path) -> None:
    """CI installs the ``ci`` group: its lowest nox must be able to load noxfile.py."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    (requirement,) = [item for item in groups["ci"] if isinstance(item, str) and item.startswith("nox")]
    venv = tmp_path / "venv"
    create_venv(sys.executable, venv)
    pip_install(venv, f"nox=={_lowest(requirement)}")
    completed = subprocess.run(
        [str(venv / "bin" / "nox"), "--list", "-f", str(ROOT / "noxfile.py")],
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "tests" in completed.stdout


def test_sqlite_files_stay_out_of_git_and_the_image(default_project: tuple[Path, Toolchain], tmp_path: Path) -> None:
    """The database file and the files SQLite keeps beside it in WAL mode."""
    project = tmp_path / "project"
    shutil.copytree(default_project[0], project, ignore=shutil.ignore_patterns(".venv"))
    git("init", "--quiet", cwd=project)
    names = [f"service.sqlite3{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]
    ignored = git("check-ignore", *names, cwd=project).split()
    assert sorted(ignored) == sorted(names)
    dockerignore = (project / ".dockerignore").read_text(encoding="utf-8").split()
    assert all(f"*{name.removeprefix('service')}" in dockerignore for name in names)
