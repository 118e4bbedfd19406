"""The layering of a rendered service is enforced: a router that imports its repository fails lint-imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.harness import Toolchain, verify

IGNORED = shutil.ignore_patterns(".venv", ".import_linter_cache", ".mypy_cache", ".ruff_cache", "__pycache__")


def copy_project(project: Path, destination: Path) -> tuple[Path, str, str]:
    """A private copy of a rendered project, with its package and resource package names."""
    shutil.copytree(project, destination, ignore=IGNORED)
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text(encoding="utf-8"))
    return destination, answers["package_name"], answers["resource_plural"]


def test_router_importing_the_repository_breaks_the_contracts(
    default_project: tuple[Path, Toolchain], tmp_path: Path
) -> None:
    project, toolchain = default_project
    copy, package, plural = copy_project(project, tmp_path / "project")

    (before,) = verify(copy, toolchain, only=["lint-imports"])
    assert before.ok, f"the rendered project keeps its own contracts:\n{before.output}"

    router = copy / "src" / package / plural / "router.py"
    router.write_text(
        router.read_text(encoding="utf-8") + f"\nimport {package}.{plural}.repository  # noqa: E402, F401\n",
        encoding="utf-8",
    )
    (after,) = verify(copy, toolchain, only=["lint-imports"])
    assert not after.ok, f"lint-imports accepted a router importing its repository:\n{after.output}"
    assert f"{package}.{plural}.router" in after.output
    assert f"{package}.{plural}.repository" in after.output
    assert "BROKEN" in after.output
