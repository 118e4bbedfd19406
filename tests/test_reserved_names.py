"""package_name refuses the import name of every distribution installed with a generated project.

The list in ``extensions/naming.py`` (``DEPENDENCY_IMPORT_NAMES``) is data; this test keeps it true:
it asks the default project's toolchain (every runtime and dev dependency of the rendered project
and what they pull in) for the top-level import names of its installed distributions and fails
naming each one a package_name would still shadow.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.harness import Toolchain
from tests.matrix import ROOT, _import_path

# Top-level import names of the installed distributions, from their top_level.txt or RECORD.
LIST_IMPORT_NAMES = """
import importlib.metadata, json
print(json.dumps(sorted(importlib.metadata.packages_distributions())))
"""
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


def test_every_installed_import_name_is_refused(naming: ModuleType, default_project: tuple[Path, Toolchain]) -> None:
    project, toolchain = default_project
    names = _installed_import_names(toolchain, project)
    for expected in ("fastapi", "sqlalchemy", "pydantic_settings", "dotenv", "h11", "click", "mypy", "pytest"):
        assert expected in names, f"the toolchain lists {expected!r}: the listing works"
    reserved = naming.DEPENDENCY_IMPORT_NAMES | sys.stdlib_module_names
    missing = sorted(name for name in names if _SNAKE.fullmatch(name) and name not in reserved)
    assert missing == [], f"add these import names to DEPENDENCY_IMPORT_NAMES in extensions/naming.py: {missing}"
    for name in names:
        assert naming.package_name_error(name), f"package_name {name!r} is accepted but shadows a dependency"
