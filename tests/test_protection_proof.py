"""The enumerated protection test catches a route added without auth.

A generated service with ``auth`` walks ``app.routes`` in ``tests/api/test_protection.py`` and
fails when a route outside its public list does not answer 401 to a caller without
credentials.  Here a copy of a rendered project with auth gets a new route that asks for no
principal; the generated test must fail and name that route, and pass on the unchanged copy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.harness import Rendered, Toolchain, find_python
from tests.matrix import ROOT, format_value
from tests.test_layering import copy_project

# Two segments: one would be taken by the earlier "/{id}" route (a GET there asks for a
# principal), so the walk would meet that route instead of the one added.
ADDED_PATH = "/added-without-auth/report"
ADDED_ROUTE = f'''

@router.get("{ADDED_PATH}", summary="Added later", description="Forgot to ask for a principal.")
async def added_without_auth() -> dict[str, str]:
    return {{"open": "yes"}}
'''
TEST = "tests/api/test_protection.py::test_every_private_route_refuses_anonymous_callers"


def _answers(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _run_test(project: Path, toolchain: Toolchain) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(toolchain.bin / "python"), "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", TEST],
        cwd=project,
        env=toolchain.env(project, {"PYTHONDONTWRITEBYTECODE": "1"}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


# Every auth choice but none: each has its own authentication module and credentials.
AUTH_CHOICES = ("jwt", "api_key", "oidc")


def test_every_auth_choice_is_proven() -> None:
    """A choice added to copier.yml joins the proof below."""
    copier = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    assert set(copier["auth"]["choices"].values()) - {"none"} == set(AUTH_CHOICES)


@pytest.mark.parametrize("auth", AUTH_CHOICES)
def test_a_route_added_without_auth_fails_the_generated_protection_test(
    rendered_projects: dict[str, Rendered],
    shared_toolchain: object,
    tmp_path: Path,
    auth: str,
) -> None:
    # A rendered combination with this auth, preferring one that needs no server.
    candidates = sorted(
        (
            rendered
            for rendered in rendered_projects.values()
            if not rendered.error
            and _answers(rendered.project).get("auth", "none") == auth
            and "rest" in _answers(rendered.project).get("api_styles", ["rest"])  # type: ignore[operator]
        ),
        key=lambda rendered: (
            _answers(rendered.project).get("task_queue", "none") != "none",
            _answers(rendered.project).get("database", "sqlite") != "sqlite",
        ),
    )
    if not candidates:
        pytest.skip(f"no combination with auth={auth} and REST in this run's matrix")
    rendered = candidates[0]
    wanted = str(_answers(rendered.project).get("python_version", ""))
    python = find_python(format_value(wanted)) or sys.executable
    toolchain = shared_toolchain(python, rendered.project)  # type: ignore[operator]
    copy, package, plural = copy_project(rendered.project, tmp_path / "project")

    unchanged = _run_test(copy, toolchain)
    assert unchanged.returncode == 0, f"{rendered.combination}: the unchanged copy fails:\n{unchanged.stdout}"

    router = copy / "src" / package / plural / "router.py"
    router.write_text(router.read_text(encoding="utf-8") + ADDED_ROUTE, encoding="utf-8")
    broken = _run_test(copy, toolchain)

    assert broken.returncode != 0, f"{rendered.combination}: an unprotected route passed:\n{broken.stdout}"
    assert ADDED_PATH in broken.stdout, broken.stdout
