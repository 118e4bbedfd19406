"""The enumerated protection test catches a route added without auth.

A generated service with ``auth`` walks ``app.routes`` in ``tests/api/test_protection.py`` and
fails when a route outside its public list does not answer 401 to a caller without
credentials.  Here a copy of a rendered project with auth gets a new route that asks for no
principal; the generated test must fail and name that route, and pass on the unchanged copy.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.harness import Renderings, Toolchain, python_for
from tests.matrix import ROOT, Template
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


def _run_test(project: Path, toolchain: Toolchain) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(toolchain.bin / "python"), "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", TEST],
        cwd=project,
        env=toolchain.env(project),
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
    rendered_projects: Renderings,
    shared_toolchain: Callable[..., Toolchain],
    template_root: Path,
    tmp_path: Path,
    auth: str,
) -> None:
    # The default combination with this auth: REST, SQLite, no queue (no server needed).
    combination = Template(template_root).parse_combo(f"auth={auth}")
    rendered = rendered_projects.get(combination)
    assert not rendered.error, rendered.error
    toolchain = shared_toolchain(python_for(combination), rendered.project)
    copy, package, plural = copy_project(rendered.project, tmp_path / "project")

    unchanged = _run_test(copy, toolchain)
    assert unchanged.returncode == 0, f"{rendered.combination}: the unchanged copy fails:\n{unchanged.stdout}"

    router = copy / "src" / package / plural / "router.py"
    router.write_text(router.read_text(encoding="utf-8") + ADDED_ROUTE, encoding="utf-8")
    broken = _run_test(copy, toolchain)

    assert broken.returncode != 0, f"{rendered.combination}: an unprotected route passed:\n{broken.stdout}"
    assert ADDED_PATH in broken.stdout, broken.stdout
