"""The harness goes red: each check, run on a deliberately broken copy of the default project, fails.

Each mutation breaks one thing in a private copy of the rendered default
project and runs the one check that must catch it; the assertion also looks
for the mutation in the check's output, so the test does not pass merely
because the template happens to be broken elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.harness import Toolchain, verify
from tests.test_layering import copy_project


@dataclass(frozen=True)
class Mutation:
    check: str
    change: Callable[[Path, str, str], None]  # (project, package, resource_plural)
    expected: str  # a fragment of the failing check's output
    env: Mapping[str, str] = field(default_factory=dict)  # for the check's run


def _append(relative: str, text: str) -> Callable[[Path, str, str], None]:
    """Append ``text`` to a file (created if missing); ``{package}``/``{plural}`` name the rendered packages."""

    def change(project: Path, package: str, plural: str) -> None:
        def fill(value: str) -> str:
            return value.replace("{package}", package).replace("{plural}", plural)

        path = project / fill(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(existing + fill(text), encoding="utf-8")

    return change


def _replace(relative: str, old: str, new: str) -> Callable[[Path, str, str], None]:
    """Replace ``old`` by ``new`` in a file, failing loudly when ``old`` is not there."""

    def change(project: Path, package: str, plural: str) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{relative} no longer contains {old!r}: update the mutation"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return change


def _drop_from_workflows(command: str) -> Callable[[Path, str, str], None]:
    """Replace every workflow line that runs exactly ``command`` (or ``uv run [options] command``) by ``true``."""
    uv_run = r"(?:uv run(?: --?[\w-]+)*\s+)?"
    line = re.compile(rf"^(\s*(?:-\s*)?(?:run:\s*)?){uv_run}{re.escape(command)}\s*$", re.MULTILINE)

    def change(project: Path, package: str, plural: str) -> None:
        for path in (project / ".github" / "workflows").glob("*.y*ml"):
            path.write_text(line.sub(r"\1true", path.read_text(encoding="utf-8")), encoding="utf-8")

    return change


MUTATIONS = {
    "leftover-jinja": Mutation("leftovers", _append("README.md", "\nHello {{ project_name }}\n"), "README.md:"),
    "jinja-comment": Mutation("leftovers", _append("src/{package}/notes.txt", "{# todo #}\n"), "notes.txt:1"),
    "broken-toml": Mutation("parse", _append("pyproject.toml", "\n[broken\n"), "pyproject.toml"),
    "broken-yaml": Mutation("parse", _append("compose.broken.yaml", "a: [1, 2\n"), "compose.broken.yaml"),
    "broken-python": Mutation("parse", _append("src/{package}/broken.py", "def broken(:\n"), "broken.py"),
    "lint": Mutation("ruff check .", _append("src/{package}/__init__.py", "\nimport os\n"), "F401"),
    "format": Mutation(
        "ruff format --check .", _append("src/{package}/badly_formatted.py", "X = [1,2 ,3]\n"), "badly_formatted"
    ),
    "types": Mutation(
        "mypy",
        _append("src/{package}/typo.py", '"""Typed wrong."""\n\n\ndef answer() -> int:\n    return "42"\n'),
        "typo.py",
    ),
    "contract": Mutation(
        "lint-imports",
        _append("src/{package}/{plural}/router.py", "\nimport {package}.{plural}.repository  # noqa\n"),
        "BROKEN",
    ),
    "undeclared-dependency": Mutation("deptry .", _append("src/{package}/undeclared.py", "import yaml\n"), "yaml"),
    "bad-workflow": Mutation(
        "actionlint",
        _append(
            ".github/workflows/broken.yml",
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n",
        ),
        "broken.yml:6",
    ),
    "ci-skips-types": Mutation("ci-workflow", _drop_from_workflows("mypy"), "no step runs `mypy`"),
    "root-image": Mutation("dockerfile", _append("Dockerfile", "\nUSER root\n"), "non-root USER"),
    "missing-copy-source": Mutation("dockerfile", _append("Dockerfile", "\nCOPY nowhere.txt /app/\n"), "nowhere.txt"),
    "dependencies-after-source": Mutation(
        "dockerfile",
        _replace("Dockerfile", "uv sync --locked --no-install-project --no-dev", "true"),
        "`COPY src` comes before the dependency install",
    ),
    "migrations-on-start": Mutation(
        "dockerfile", _append("Dockerfile", '\nCMD ["sh", "-c", "alembic upgrade head && exec true"]\n'), "migrations"
    ),
    "compose-typo": Mutation(
        "compose", _replace("compose.yaml", "restart: unless-stopped", "restart: sometimes"), "sometimes"
    ),
    "undocumented-operation": Mutation(
        "openapi-lint",
        _append(
            "src/{package}/{plural}/router.py",
            '\n\n@router.get("/undocumented")\nasync def undocumented() -> None:\n    return None\n',
        ),
        "operation-description",
    ),
    "failing-test": Mutation(
        "pytest",
        _append("tests/test_harness_breakage.py", "def test_harness_breakage() -> None:\n    assert 1 == 2\n"),
        "FAILED tests/test_harness_breakage.py::test_harness_breakage",
        # The failing test alone, with no coverage threshold: only the failure can fail the
        # step (the whole suite would take a minute to say the same).
        env={"PYTEST_ADDOPTS": "--cov-fail-under=0 tests/test_harness_breakage.py"},
    ),
}


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_check_fails_on_broken_project(default_project: tuple[Path, Toolchain], tmp_path: Path, name: str) -> None:
    mutation = MUTATIONS[name]
    project, toolchain = default_project
    copy, package, plural = copy_project(project, tmp_path / "project")
    mutation.change(copy, package, plural)
    (step,) = verify(copy, toolchain, mutation.env, only=[mutation.check], cache_key="breakage")
    assert not step.ok, f"{mutation.check} did not catch {name}:\n{step.output}"
    assert mutation.expected in step.output, step.output


def test_every_check_has_a_mutation() -> None:
    from tests.harness import REQUIRED_COMMANDS, STATIC_CHECKS, TOOLCHAIN_CHECKS

    checks = {name for name, _ in STATIC_CHECKS + TOOLCHAIN_CHECKS} | set(REQUIRED_COMMANDS)
    assert checks == {mutation.check for mutation in MUTATIONS.values()}
