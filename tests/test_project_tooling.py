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
    ci_commands,
    ci_workflow_problems,
    create_venv,
    dependency_group,
    find_python,
    git,
    interpreter_version,
    pip_install,
    project_commands,
    project_requirements,
    python_for,
    readme_install_command,
    run_copier,
    strip_uv_run,
)
from tests.matrix import ROOT, Combination, Template

SUPPORTED_PYTHONS = Template(ROOT).question("python_version").choices()


@pytest.mark.parametrize("choice", SUPPORTED_PYTHONS, ids=lambda choice: str(choice.value))
def test_each_python_version_runs_on_its_own_interpreter(choice: object) -> None:
    version = str(getattr(choice, "value", choice))
    if find_python(version) is None:
        pytest.skip(f"Python {version} is not installed here (GitHub CI installs every version)")
    assert interpreter_version(python_for(Combination.of({"python_version": version}))) == version


# Hooks of astral-sh/ruff-pre-commit run ruff itself: no `entry` in the project's config.
RUFF_HOOKS = {"ruff-check": "ruff check", "ruff": "ruff check", "ruff-format": "ruff format"}


def _tool(command: str) -> list[str]:
    """``uv run --frozen ruff format --check .`` -> ``["ruff", "format"]``: the program and its subcommand."""
    words = [word for word in strip_uv_run(" ".join(command.split())).split() if not word.startswith("-")]
    return [word for word in words if word != "."][:2]


def test_pre_commit_runs_every_check_ci_runs(default_project: tuple[Path, Toolchain]) -> None:
    project, _ = default_project
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    commands = [hook.get("entry") or RUFF_HOOKS.get(hook["id"], hook["id"]) for hook in hooks]
    tools = [_tool(command) for command in commands]
    missing = [
        required
        for required in REQUIRED_COMMANDS
        if not any(tool[: len(_tool(required))] == _tool(required) for tool in tools)
    ]
    assert missing == [], f"pre-commit does not run {missing}"
    assert set(config.get("default_install_hook_types", [])) >= {"pre-commit", "pre-push"}


def test_pre_commit_needs_no_activated_venv(default_project: tuple[Path, Toolchain]) -> None:
    """A system hook finds its tool only on PATH: each must go through ``uv run`` (the project's .venv)."""
    project, _ = default_project
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    system = [hook for repo in config["repos"] for hook in repo["hooks"] if hook.get("language") == "system"]
    assert system
    assert [hook["id"] for hook in system if not hook["entry"].startswith("uv run ")] == []


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


# -- the uv-first project: how the harness reads it ------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("uv run pytest", "pytest"),
        ("uv run --locked ruff format --check .", "ruff format --check ."),
        ("uv run --frozen --no-sync mypy", "mypy"),
        ("uv run --group dev --python 3.12 deptry .", "deptry ."),
        ("uv run --group=dev -- lint-imports", "lint-imports"),
        ("uv run python -m pkg.openapi > openapi.json", "python -m pkg.openapi > openapi.json"),
        ("pytest -q", "pytest -q"),
        ("uvx ruff check .", "uvx ruff check ."),
    ],
)
def test_strip_uv_run(command: str, expected: str) -> None:
    assert strip_uv_run(command) == expected


UV_WORKFLOW = """\
name: CI
on: push
jobs:
  checks:
    runs-on: ubuntu-latest
    steps:
      - uses: astral-sh/setup-uv@v7
      - run: uv sync --locked
      - run: uv lock --check
      - run: |
          uv run --locked ruff check .
          uv run ruff format --check .
      - run: uv run mypy
      - run: uv run lint-imports
      - run: uv run deptry .
      - run: uv run alembic upgrade head
      - run: uv run pytest --cov
      - run: |
          uv run python -m pkg.openapi > openapi.json
          npx --yes @redocly/cli@2 lint openapi.json
"""


def test_uv_workflow_commands_run_bare_in_the_harness_toolchain(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(UV_WORKFLOW, encoding="utf-8")

    assert ci_commands(tmp_path) == [
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "lint-imports",
        "deptry .",
        "alembic upgrade head",
        "pytest --cov",
        "python -m pkg.openapi > openapi.json",
    ]
    assert ci_workflow_problems(tmp_path) == []
    assert project_commands(tmp_path) == ci_commands(tmp_path), "`pytest --cov` runs pytest: no second run"


SCHEDULED_WORKFLOW = """\
name: Template update
on:
  schedule:
    - cron: "23 5 * * 1"
  workflow_dispatch:
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: uvx --from copier copier check-update --quiet
      - run: echo scheduled only
"""


def test_only_push_and_pull_request_workflows_are_ci(tmp_path: Path) -> None:
    """A scheduled job (the template-update check) needs the network: the harness does not run it."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(UV_WORKFLOW.replace("on: push", "on: [push, pull_request]"), encoding="utf-8")
    (workflows / "template-update.yml").write_text(SCHEDULED_WORKFLOW, encoding="utf-8")
    (workflows / "nightly.yml").write_text(
        SCHEDULED_WORKFLOW.replace("workflow_dispatch:", "push:\n    branches: [main]"), encoding="utf-8"
    )

    commands = ci_commands(tmp_path)

    assert "echo scheduled only" in commands, "a workflow that push also triggers is CI"
    assert not any(command.startswith(("uvx", "copier")) for command in commands), "uvx fetches tools: skipped"
    assert commands.count("echo scheduled only") == 1
    assert commands[0] == "ruff check ."


def test_a_workflow_without_a_required_check_is_reported(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(UV_WORKFLOW.replace("      - run: uv run mypy\n", ""), encoding="utf-8")

    assert ci_workflow_problems(tmp_path) == [".github/workflows: no step runs `mypy` (the harness ran it anyway)"]
    assert project_commands(tmp_path)[-1] == "mypy"


def test_project_requirements_read_pep_735_groups(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        """\
[project]
name = "My_Service"
dependencies = ["fastapi>=0.1"]

[dependency-groups]
lint = ["ruff>=0.1"]
Dev = [{ include-group = "lint" }, "pytest>=8", "my-service[extra]"]
""",
        encoding="utf-8",
    )
    assert project_requirements(tmp_path) == ["fastapi>=0.1", "ruff>=0.1", "pytest>=8"]


def test_cyclic_dependency_groups_are_refused() -> None:
    pyproject = {"dependency-groups": {"a": [{"include-group": "b"}], "b": [{"include-group": "a"}]}}
    with pytest.raises(ValueError, match="includes itself"):
        dependency_group(pyproject, "a")


@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        ("```bash\nuv sync   # the venv\npip install -e . --group dev\n```\n", ["uv", "sync"]),
        ("```bash\n. activate && pip install -e . --group dev\n```\n", ["pip", "install", "-e", ".", "--group", "dev"]),
        ("```bash\n$ pip install -e \".[dev]\"\n```\n", ["pip", "install", "-e", ".[dev]"]),
        ("```bash\npython3.12 -m pip install -e .\n```\n", ["python3.12", "-m", "pip", "install", "-e", "."]),
    ],
)  # fmt: skip
def test_readme_install_command(tmp_path: Path, readme: str, expected: list[str]) -> None:
    (tmp_path / "README.md").write_text(readme, encoding="utf-8")
    assert readme_install_command(tmp_path) == expected


def test_the_generated_project_is_uv_first(default_project: tuple[Path, Toolchain]) -> None:
    """Its README installs with ``uv sync``; dev tools are a PEP 735 group; ``fastapi dev`` finds the app."""
    project, _ = default_project
    assert readme_install_command(project)[:2] == ["uv", "sync"]
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert "optional-dependencies" not in pyproject["project"]
    dev = " ".join(dependency_group(pyproject, "dev"))
    assert "fastapi-cli" in dev
    assert "pytest-cov" in dev
    assert "fastapi[standard]" not in dev
    module, _, attribute = pyproject["tool"]["fastapi"]["entrypoint"].partition(":")
    source = project / "src" / Path(*module.split(".")).with_suffix(".py")
    assert f"{attribute} = create_app()" in source.read_text(encoding="utf-8")
    assert pyproject["tool"]["coverage"]["report"]["fail_under"] >= 90
    assert pyproject["tool"]["coverage"]["run"]["branch"] is True


@pytest.mark.render
def test_copy_without_uv_says_how_to_lock(template_snapshot: Path, tmp_path: Path) -> None:
    """The ``uv lock`` task: without uv on PATH the copy succeeds and prints what to run."""
    path = os.pathsep.join(
        directory for directory in os.environ["PATH"].split(os.pathsep) if not (Path(directory) / "uv").exists()
    )
    if shutil.which("git", path=path) is None:  # copier clones the template with git
        pytest.skip("uv is installed beside git here")
    destination = tmp_path / "service"
    code = "import sys, copier; copier.run_copy(*sys.argv[1:3], defaults=True, unsafe=True, vcs_ref='HEAD')"
    completed = subprocess.run(
        [sys.executable, "-c", code, str(template_snapshot), str(destination)],
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "run 'uv lock'" in completed.stdout + completed.stderr
    assert (destination / "pyproject.toml").exists()
    assert not (destination / "uv.lock").exists()


@pytest.mark.render
def test_copy_with_uv_writes_the_lock(template_snapshot: Path, tmp_path: Path) -> None:
    destination = tmp_path / "service"
    run_copier(template_snapshot, destination, {}, tasks=True)
    lock = tomllib.loads((destination / "uv.lock").read_text(encoding="utf-8"))
    assert {"fastapi", "fastapi-cli", "pytest-cov"} <= {package["name"] for package in lock["package"]}
