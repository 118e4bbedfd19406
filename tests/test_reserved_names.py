"""package_name refuses what every supported Python and every option's dependencies reserve.

Two lists in ``extensions/`` are data, and these tests keep them true:

- ``python_names.json``: the keywords, soft keywords and standard-library module names of each
  ``python_version`` choice (``python -m tests.python_names --write``), so a name reserved by a
  version other than the one running copier (``type`` from 3.12) is refused too;
- ``dependency_import_names.json`` (``DEPENDENCY_IMPORT_NAMES``): the top-level import names of every distribution
  installed with a generated project, for **every requirement set** of the selected combinations
  (the pairwise set pairs every choice of every option, so Celery's ``six`` and Taskiq's ``yarl``
  are listed, not only the default project's).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.harness import HARNESS_DIR, Renderings, Toolchain, find_python, project_requirements, python_for
from tests.matrix import ROOT, Combination, _import_path
from tests.python_names import KINDS, reserved_by, supported_versions

# Top-level import names of the installed distributions, from their top_level.txt or RECORD.
LIST_IMPORT_NAMES = """
import importlib.metadata, json
print(json.dumps(sorted(importlib.metadata.packages_distributions())))
"""
DEPENDENCY_NAMES = ROOT / "extensions" / "dependency_import_names.json"
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@pytest.fixture(scope="module")
def naming() -> ModuleType:
    return _import_path(ROOT / "extensions" / "naming.py", "_harness_test_reserved_names")


def _installed_import_names(toolchain: Toolchain, project: Path) -> list[str]:
    env = toolchain.env(project)
    env.pop("PYTHONPATH", None)  # the project's own package is not a dependency
    listed = subprocess.run(
        [str(toolchain.bin / "python"), "-c", LIST_IMPORT_NAMES],
        cwd=project.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names: list[str] = json.loads(listed.stdout)
    return names


@pytest.mark.parametrize("version", supported_versions())
def test_python_names_lists_what_each_supported_python_reserves(version: str) -> None:
    python = find_python(version)
    if python is None:
        pytest.skip(f"python{version} is not installed here (CI installs every python_version choice)")
    listed = json.loads((ROOT / "extensions" / "python_names.json").read_text(encoding="utf-8"))
    for kind, names in reserved_by(python).items():
        missing = sorted(set(names) - set(listed[kind]))
        assert missing == [], f"python{version} reserves {kind} {missing}: run python -m tests.python_names --write"
    assert set(listed) == {"versions", *KINDS}
    assert listed["versions"] == supported_versions(), "a python_version choice changed: rewrite the file"


@pytest.mark.parametrize("name", ["type", "match", "case", "tomllib", "graphlib", "_colorize"])
def test_a_name_reserved_by_some_supported_python_is_refused_whatever_runs_copier(
    naming: ModuleType, name: str
) -> None:
    """``type`` is a soft keyword from 3.12, ``_colorize`` a module from 3.13: refused under 3.11 too."""
    assert naming.package_name_error(name), name
    if name.isidentifier() and not name.startswith("_"):
        assert "keyword" in naming.resource_error(name) or "standard-library" in naming.package_name_error(name)


def test_every_keyword_of_every_supported_python_is_refused(naming: ModuleType) -> None:
    for word in naming.PYTHON_KEYWORDS | naming.PYTHON_SOFT_KEYWORDS:
        if _SNAKE.fullmatch(word):
            assert naming.package_name_error(word), word
            assert naming.resource_error(word), word


def test_every_installed_import_name_of_every_requirement_set_is_refused(
    naming: ModuleType,
    run_combinations: list[Combination],
    rendered_projects: Renderings,
    shared_toolchain: Callable[..., Toolchain],
) -> None:
    """Each distinct requirement set of the selected combinations (its venv is shared with them)."""
    listed: dict[tuple[str, frozenset[str]], list[str]] = {}
    for combination in run_combinations:
        rendered = rendered_projects.get(combination)
        if rendered.error:
            continue  # test_combinations reports it
        python = python_for(combination)
        key = (python, frozenset(project_requirements(rendered.project)))
        if key not in listed:
            listed[key] = _installed_import_names(shared_toolchain(python, rendered.project), rendered.project)
    assert listed, "no combination rendered"
    names = sorted({name for found in listed.values() for name in found})
    for expected in ("fastapi", "sqlalchemy", "pydantic_settings", "dotenv", "h11", "click", "mypy", "pytest"):
        assert expected in names, f"the toolchains list {expected!r}: the listing works"
    reserved = naming.DEPENDENCY_IMPORT_NAMES | naming.STDLIB_MODULE_NAMES
    missing = sorted(name for name in names if _SNAKE.fullmatch(name) and name not in reserved)
    if missing:
        complete = HARNESS_DIR / DEPENDENCY_NAMES.name
        complete.parent.mkdir(parents=True, exist_ok=True)
        names_now = sorted(naming.DEPENDENCY_IMPORT_NAMES | set(missing))
        complete.write_text(json.dumps({"names": names_now}, indent=1) + "\n", encoding="utf-8")
        pytest.fail(
            f"{len(listed)} requirement sets install import names a package_name may still take: {missing}."
            f" The complete list is in {complete}: copy it to {DEPENDENCY_NAMES.relative_to(ROOT)}",
            pytrace=False,
        )
    for name in names:
        assert naming.package_name_error(name), f"package_name {name!r} is accepted but shadows a dependency"
