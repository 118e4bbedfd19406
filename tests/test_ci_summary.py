"""The time report at the end of .ci/run (tests/ci_summary.py) on reports written here."""

from __future__ import annotations

import json
from pathlib import Path

from tests import ci_summary


def _write(directory: Path) -> None:
    (directory / "sessions.tsv").write_text("lint\t14\t0\ntests\t1200\t1\nfuzz\t300\t0\n", encoding="utf-8")
    report = {
        "combinations": [
            {"combination": "fast", "steps": {"mypy": 3.0, "pytest --cov": 10.0}, "outcome": "passed"},
            {"combination": "slow", "steps": {"render": 2.0, "mypy": 20.0, "pytest --cov": 150.0}, "outcome": "failed"},
        ],
        "slowest_tests": [
            {"test": "tests/test_combinations.py::test_combination[slow]", "seconds": 172.0},
            {"test": "tests/test_update.py::test_update_from_previous_release", "seconds": 88.0},
        ],
    }
    (directory / "tests.json").write_text(json.dumps(report), encoding="utf-8")


def test_sessions_total_and_the_budget(tmp_path: Path) -> None:
    _write(tmp_path)
    lines = ci_summary.summary(tmp_path)
    assert any("tests" in line and "20:00" in line and "exit 1" in line for line in lines)
    total = next(line for line in lines if "total" in line)
    assert "25:14" in total
    assert "over the budget of 25:00" in total


def test_slowest_combination_first_with_its_slowest_checks(tmp_path: Path) -> None:
    _write(tmp_path)
    lines = ci_summary.summary(tmp_path)
    combos = [line for line in lines if "tests: slow" in line or "tests: fast" in line]
    assert [("slow" in line) for line in combos] == [True, False]
    assert "pytest --cov 150, mypy 20, render 2" in combos[0]
    assert "[failed]" in combos[0]


def test_other_tests_leave_out_the_combinations(tmp_path: Path) -> None:
    _write(tmp_path)
    lines = ci_summary.summary(tmp_path)
    start = lines.index(next(line for line in lines if "slowest other tests" in line))
    assert len(lines[start + 1 :]) == 1
    assert "test_update_from_previous_release" in lines[start + 1]


def test_an_empty_directory_prints_only_the_heading(tmp_path: Path) -> None:
    assert ci_summary.main([str(tmp_path)], out=lambda line: None) == 0
    assert len(ci_summary.summary(tmp_path)) == 2


def test_sessions_side_by_side_count_once_in_the_total(tmp_path: Path) -> None:
    rows = "lint\t10\t0\t1000\t1010\ntests\t1200\t0\t1010\t2210\n"
    rows += "isolated\t60\t0\t2210\t2270\nfuzz\t150\t0\t2210\t2360\n"
    (tmp_path / "sessions.tsv").write_text(rows, encoding="utf-8")
    total = next(line for line in ci_summary.summary(tmp_path) if "total" in line)
    assert "22:40" in total, "1360 s from the first start to the last end, not 1420"
    assert "within the budget" in total
