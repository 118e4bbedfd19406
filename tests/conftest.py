"""pytest wiring of the harness: options, the combination matrix, shared fixtures, the timing summary.

Options (see docs/harness.md):

``--matrix=default|pairwise|full``  which combinations ``test_combination`` runs (default: pairwise)
``--combo key=value,...``           exactly this combination (repeatable; unnamed axes keep their default)
``--isolated``                      install each project in its own venv as its README says (uv sync)
``--template-dir PATH``              another checkout of the template (default: this repository)
``--harness-report PATH``           write per-combination timings and outcomes as JSON
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from tests.harness import HARNESS_DIR, Renderings, Toolchain, ensure_shared_venv, project_requirements, python_for
from tests.harness import snapshot as take_snapshot
from tests.matrix import ROOT, SELECTIONS, Combination, Template

TIMING_PROPERTY = "harness-timing"
SLOWEST_TESTS_KEPT = 30


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "template harness")
    group.addoption(
        "--matrix",
        choices=SELECTIONS,
        default="pairwise",
        help="which answer combinations to render and verify (default: pairwise)",
    )
    group.addoption(
        "--combo",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="verify exactly this combination (repeatable); unnamed choice questions keep their default",
    )
    group.addoption(
        "--isolated",
        action="store_true",
        help="install each rendered project into its own .venv as its README says (uv sync), not the shared venv",
    )
    group.addoption(
        "--template-dir", type=Path, default=ROOT, help="template checkout to test (default: this repository)"
    )
    group.addoption("--harness-report", type=Path, default=None, help="write combination timings/outcomes as JSON")


# -- the matrix ---------------------------------------------------------------------------------


def selected_combinations(config: pytest.Config) -> list[Combination]:
    template = Template(Path(config.getoption("--template-dir")))
    combos: list[str] = config.getoption("--combo")
    if combos:
        try:
            return [template.parse_combo(text) for text in combos]
        except ValueError as error:
            raise pytest.UsageError(str(error)) from error
    return template.select(config.getoption("--matrix"))


def template_root_of(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.getoption("--template-dir")).resolve()


# Markers whose tests run only when ``-m`` names them.
OPT_IN_MARKERS = ("fuzz_deep", "bench_service")


def _expected_minutes(item: pytest.Item) -> int:
    """A rough cost of a test, for ordering: combinations by their services, the fuzzer's fast
    tier (one test of a few minutes) with the longest, tests that render and check a project
    with the shortest, the rest after them."""
    callspec = getattr(item, "callspec", None)
    combination = callspec.params.get("combination") if callspec is not None else None
    if not isinstance(combination, Combination):
        if item.get_closest_marker("fuzz"):
            return 3
        return 1 if item.get_closest_marker("render") else 0
    queue = combination.get("task_queue") not in (None, "none")
    server = combination.get("database") in ("postgresql", "mysql")
    return 1 + 2 * queue + server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The deep fuzz tier (``nox -s fuzz``) and the benchmark's smoke run run only when ``-m`` names them.

    The rest runs longest first: the combinations (one to three minutes each, those with a task
    queue the longest), then the template-level tests. With the long ones last, one xdist worker
    finished the run alone on the last combination while the other had nothing left to steal.
    """
    markexpr = config.getoption("markexpr") or ""
    skipped = [name for name in OPT_IN_MARKERS if name not in markexpr]
    deselected = [item for item in items if any(item.get_closest_marker(name) for name in skipped)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
    items.sort(key=_expected_minutes, reverse=True)  # stable: the rest keep their order


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "combination" in metafunc.fixturenames:
        combinations = selected_combinations(metafunc.config)
        metafunc.parametrize("combination", combinations, ids=[combination.id for combination in combinations])


# -- run-wide fixtures (computed once even with xdist: a file lock in the run's shared temp dir) --


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by every xdist worker of this run (pytest keeps the last three runs)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def template_root(pytestconfig: pytest.Config) -> Path:
    return Path(pytestconfig.getoption("--template-dir")).resolve()


@pytest.fixture(scope="session")
def template_snapshot(run_dir: Path, template_root: Path) -> Path:
    """The template as it is on disk at the start of the run, as a git repository (see harness.snapshot)."""
    destination = run_dir / "template"
    ready = run_dir / "template.ready"
    with FileLock(run_dir / "template.lock"):
        if not ready.exists():
            take_snapshot(template_root, destination)
            ready.touch()
    return destination


@pytest.fixture(scope="session")
def default_combination(template_root: Path) -> Combination:
    return Template(template_root).default()


@pytest.fixture(scope="session")
def run_combinations(pytestconfig: pytest.Config) -> list[Combination]:
    """The combinations this run selected (``--matrix`` or ``--combo``)."""
    return selected_combinations(pytestconfig)


@pytest.fixture(scope="session")
def rendered_projects(request: pytest.FixtureRequest, run_dir: Path, template_snapshot: Path) -> Renderings:
    """Renders combinations for this run (``rendered_projects.get(combination)``)."""
    return Renderings(run_dir, template_snapshot, tasks=bool(request.config.getoption("--isolated")))


@pytest.fixture(scope="session")
def shared_toolchain() -> Callable[..., Toolchain]:
    """``shared_toolchain(python, project)``: the shared venv of the project's requirements for an interpreter.

    Projects whose requirements are the same share one (most of a run's projects: the options pin
    libraries apart, arq wants redis<6 and Celery redis>=6.4, so no venv holds them all); each is
    built once, under a lock, and kept for later runs (``ensure_shared_venv``).
    """
    built: dict[tuple[str, frozenset[str]], Toolchain] = {}

    def toolchain(python: str, project: Path | str) -> Toolchain:
        wanted = frozenset(project_requirements(Path(project)))
        if (python, wanted) not in built:
            HARNESS_DIR.mkdir(parents=True, exist_ok=True)
            with FileLock(HARNESS_DIR / "venv.lock"):
                built[python, wanted] = ensure_shared_venv(wanted, python)
        return built[python, wanted]

    return toolchain


@pytest.fixture(scope="session")
def default_project(
    rendered_projects: Renderings,
    default_combination: Combination,
    shared_toolchain: Callable[..., Toolchain],
) -> tuple[Path, Toolchain]:
    """The default combination, rendered, with the shared toolchain (for template-level tests)."""
    rendered = rendered_projects.get(default_combination)
    if rendered.error:
        pytest.fail(f"the default combination does not render: {rendered.error}", pytrace=False)
    return rendered.project, shared_toolchain(python_for(default_combination), rendered.project)


# -- the slowest-combinations table -------------------------------------------------------------


def _label(step: str) -> str:
    """A short column label for a step: ``ruff format --check .`` -> ``ruff format``."""
    words = [word for word in step.split() if not word.startswith("-") and word != "."]
    return " ".join(words[:2]) if len(words) > 1 and len(step) > 12 else step


class TimingReporter:
    """Collects the timings ``test_combination`` records (also from xdist workers) and reports them."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = time.perf_counter()
        self.results: list[dict[str, Any]] = []
        self.durations: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        for name, value in report.user_properties:
            if name == TIMING_PROPERTY:
                result = json.loads(str(value))
                result["outcome"] = report.outcome
                self.results.append(result)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.results:
            return
        wall = time.perf_counter() - self.started
        rows = sorted(self.results, key=lambda result: -sum(result["steps"].values()))
        for result in rows:
            result["steps"] = {_label(name): seconds for name, seconds in result["steps"].items()}
        columns = list(dict.fromkeys(step for result in rows for step in result["steps"]))
        terminalreporter.write_sep("=", f"slowest combinations ({len(rows)} verified in {wall:.0f}s wall time)")
        width = max(len(result["combination"]) for result in rows)
        header = f"{'combination':<{width}}  {'total':>6}  " + "  ".join(f"{c:>{max(len(c), 6)}}" for c in columns)
        terminalreporter.write_line(header + "  python  result")
        for result in rows[:20]:
            cells = "  ".join(
                f"{result['steps'][c]:>{max(len(c), 6)}.1f}" if c in result["steps"] else f"{'-':>{max(len(c), 6)}}"
                for c in columns
            )
            total = sum(result["steps"].values())
            outcome = result["outcome"] + (f" ({', '.join(result['failed'])})" if result["failed"] else "")
            python = result.get("python") or "-"
            terminalreporter.write_line(
                f"{result['combination']:<{width}}  {total:>6.1f}  {cells}  {python:>6}  {outcome}"
            )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self.config.getoption("--harness-report")
        if path is None:
            return
        document = {
            "wall_seconds": time.perf_counter() - self.started,
            "exitstatus": int(exitstatus),
            "matrix": self.config.getoption("--matrix"),
            "combos": self.config.getoption("--combo"),
            "isolated": self.config.getoption("--isolated"),
            "combinations": self.results,
            # setup + call + teardown of every test, slowest first (the summary at the end of .ci/run)
            "slowest_tests": [
                {"test": nodeid, "seconds": round(seconds, 1)}
                for nodeid, seconds in sorted(self.durations.items(), key=lambda item: -item[1])[:SLOWEST_TESTS_KEPT]
            ],
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--combo"):
        selected_combinations(config)  # a bad --combo is a usage error, reported before collection
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        config.pluginmanager.register(TimingReporter(config), "harness-timing-reporter")


@pytest.fixture
def record_timing(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Hand a ``Timing.to_json()`` to the summary (works across xdist workers)."""

    def record(payload: str) -> None:
        request.node.user_properties.append((TIMING_PROPERTY, payload))

    return record
