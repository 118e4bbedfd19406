"""Every selected answer combination, rendered and verified as the rendered project's own CI would.

Selected by ``--matrix`` (default: pairwise) or ``--combo``; ids read like
``database=postgresql-python_version=3.12``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.harness import (
    Renderings,
    Timing,
    Toolchain,
    interpreter_version,
    isolated_toolchain,
    python_for,
    report,
    verify,
)
from tests.matrix import Combination
from tests.services import provisioned


@pytest.mark.combination
def test_combination(
    combination: Combination,
    rendered_projects: Renderings,
    shared_toolchain: Callable[..., Toolchain],
    record_timing: Callable[[str], None],
    pytestconfig: pytest.Config,
) -> None:
    rendered = rendered_projects.get(combination)
    timing = Timing(combination.id, {"render": rendered.seconds})
    try:
        if rendered.error:
            timing.failed.append("render")
            pytest.fail(f"copier could not render {combination.id}:\n{rendered.error}", pytrace=False)
        project = rendered.project
        python = python_for(combination)
        timing.python = interpreter_version(python)
        if pytestconfig.getoption("--isolated"):
            toolchain, timing.steps["install"] = isolated_toolchain(project, python)
        else:
            started = time.perf_counter()
            toolchain = shared_toolchain(python, project)
            timing.steps["venv"] = time.perf_counter() - started
        started = time.perf_counter()
        with provisioned(combination) as services_env:
            timing.steps["services"] = time.perf_counter() - started
            cache_key = f"py{timing.python}-{combination.id}"
            steps = verify(project, toolchain, services_env, cache_key=cache_key)
        for step in steps:
            timing.steps[step.name] = step.seconds
        timing.failed += [step.name for step in steps if not step.ok]
        if timing.failed:
            pytest.fail(report(project, steps), pytrace=False)
    finally:
        record_timing(timing.to_json())
