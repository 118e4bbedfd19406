"""The time report printed at the end of ``.ci/run``: where CI's minutes went.

``python -m tests.ci_summary DIR`` reads what ``.ci/run`` left in ``DIR`` (``HARNESS_REPORT_DIR``):

- ``sessions.tsv``: one ``name<TAB>seconds<TAB>exit status[<TAB>started<TAB>ended]`` line per nox
  session, written by .ci/run (epoch seconds: sessions that ran side by side count once in the total);
- ``<session>.json``: the ``--harness-report`` of each session's pytest run (tests/conftest.py):
  every combination's steps and the slowest tests.

It prints each session's time against the budget (docs/harness.md, "Time budget"), the slowest
combinations with their three slowest checks, and the slowest other tests, so a change that slows
CI shows in its own log.  Standard library only: it runs with whatever Python .ci/run has.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# What .ci/run may take on the reference machine (2 cores), and the hard limit (docs/harness.md).
BUDGET_SECONDS = 25 * 60
LIMIT_SECONDS = 45 * 60
SHOWN = 10


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def sessions(directory: Path) -> list[tuple[str, float, int, tuple[float, float] | None]]:
    """``(name, seconds, exit status, (started, ended) or None)`` of each session."""
    path = directory / "sessions.tsv"
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name, seconds, status, *span = line.split("\t")
        rows.append((name, float(seconds), int(status), (float(span[0]), float(span[1])) if len(span) == 2 else None))
    return rows


def wall_seconds(rows: Sequence[tuple[str, float, int, tuple[float, float] | None]]) -> float:
    """The time the sessions took together: the union of their spans (side by side counts once)."""
    spans = sorted(span for *_, span in rows if span is not None)
    total = sum(seconds for _, seconds, _, span in rows if span is None)
    end = float("-inf")
    for started, ended in spans:
        total += max(0.0, ended - max(started, end))
        end = max(end, ended)
    return total


def reports(directory: Path) -> dict[str, dict[str, Any]]:
    loaded = {}
    for path in sorted(directory.glob("*.json")):
        try:
            loaded[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return loaded


def summary(directory: Path) -> list[str]:
    lines = ["", "== time report (.ci/run; docs/harness.md, 'Time budget')"]
    rows = sessions(directory)
    total = wall_seconds(rows)
    for name, seconds, status, _ in rows:
        lines.append(f"   {name:<10} {_minutes(seconds):>6}  {'ok' if status == 0 else f'exit {status}'}")
    if rows:
        verdict = "within" if total <= BUDGET_SECONDS else "OVER" if total > LIMIT_SECONDS else "over"
        lines.append(
            f"   {'total':<10} {_minutes(total):>6}  {verdict} the budget of {_minutes(BUDGET_SECONDS)} "
            f"(limit {_minutes(LIMIT_SECONDS)})"
        )
    loaded = reports(directory)
    combinations = [
        (session, result) for session, report in loaded.items() for result in report.get("combinations", [])
    ]
    combinations.sort(key=lambda item: -sum(item[1]["steps"].values()))
    if combinations:
        lines.append(f"   slowest combinations ({len(combinations)} verified; seconds, three slowest checks):")
        for session, result in combinations[:SHOWN]:
            steps = sorted(result["steps"].items(), key=lambda step: -step[1])[:3]
            checks = ", ".join(f"{name} {seconds:.0f}" for name, seconds in steps)
            outcome = "" if result.get("outcome", "passed") == "passed" else f"  [{result.get('outcome')}]"
            lines.append(
                f"   {sum(result['steps'].values()):>6.0f}  {session}: {result['combination']}  ({checks}){outcome}"
            )
    tests = [
        (test["seconds"], session, test["test"])
        for session, report in loaded.items()
        for test in report.get("slowest_tests", [])
        if "test_combinations.py::" not in test["test"]
    ]
    tests.sort(reverse=True)
    if tests:
        lines.append("   slowest other tests (setup + call + teardown, seconds):")
        lines += [f"   {seconds:>6.0f}  {session}: {test}" for seconds, session, test in tests[:SHOWN]]
    return lines


def main(argv: Sequence[str] | None = None, out: Callable[[str], object] = print) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        out("usage: python -m tests.ci_summary REPORT_DIR")
        return 2
    for line in summary(Path(args[0])):
        out(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
