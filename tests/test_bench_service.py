"""The service benchmark (tests/bench_service.py): its pure parts, and one tiny run end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.bench_service import (
    Endpoint,
    Row,
    Run,
    endpoints,
    lua_script,
    main,
    median,
    parse_wrk,
    ratios,
    table,
)

WRK_OUTPUT = """\
Running 8s test @ http://127.0.0.1:8000/ping
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.95ms  612.00us  21.04ms   91.17%
    Req/Sec    10.91k   423.11    11.43k    87.50%
  Latency Distribution
     50%  850.00us
     75%    3.01ms
     90%    3.28ms
     99%    1.20s
  86802 requests in 8.00s, 12.25MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  10849.87
Transfer/sec:      1.53MB
"""


def run(rps: float, p50: float = 1.0, p99: float = 2.0, non_2xx: int = 0) -> Run:
    return Run(rps, p50, p99, requests=int(rps), non_2xx=non_2xx, socket_errors=0)


def test_parse_wrk_reads_throughput_latency_in_milliseconds_and_errors() -> None:
    parsed = parse_wrk(WRK_OUTPUT)
    assert parsed == Run(
        requests_per_second=10849.87, p50_ms=0.85, p99_ms=1200.0, requests=86802, non_2xx=7, socket_errors=5
    )


def test_parse_wrk_without_errors_counts_zero() -> None:
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    parsed = parse_wrk(clean)
    assert (parsed.non_2xx, parsed.socket_errors) == (0, 0)


@pytest.mark.parametrize(
    "output",
    [
        "",
        "unable to connect to 127.0.0.1:8000 Connection refused",
        WRK_OUTPUT.replace("Latency Distribution", "")
        .replace("     50%  850.00us\n", "")
        .replace("     99%    1.20s\n", ""),
    ],
)
def test_parse_wrk_refuses_output_without_the_figures(output: str) -> None:
    with pytest.raises(ValueError, match="wrk"):
        parse_wrk(output)


def test_row_takes_medians_of_its_runs_and_sums_errors() -> None:
    row = Row(Endpoint("bare ping", "bare", "GET", "/ping"), [run(300, 5, 50, 1), run(100, 1, 10), run(200, 3, 30, 2)])
    assert (row.requests_per_second, row.p50_ms, row.p99_ms, row.non_2xx) == (200, 3, 30, 3)
    assert median([]) == 0.0


def test_ratios_compare_generated_with_hand_written_and_bare() -> None:
    rows = [
        Row(endpoint, [run(rps)])
        for endpoint, rps in zip(endpoints("books"), [1000, 800, 400, 500, 200, 100, 50, 600, 300], strict=True)
    ]
    found = ratios(rows)
    assert found["GET by id vs hand-written"] == 0.25
    assert found["list of 20 vs hand-written"] == 0.25
    assert found["create vs hand-written"] == 0.1
    assert found["health/live vs bare"] == 0.6
    assert found["health/ready vs bare"] == 0.3


def test_ratios_skip_missing_rows_and_zero_references() -> None:
    only = [
        Row(Endpoint("bare ping", "bare", "GET", "/ping"), [run(0)]),
        Row(Endpoint("generated health/live", "generated", "GET", "/health/live"), [run(10)]),
    ]
    assert ratios(only) == {"health/live vs bare": None}


def test_table_has_one_line_per_row_with_errors_and_rss() -> None:
    rows = [
        Row(Endpoint("bare ping", "bare", "GET", "/ping"), [run(10_000.4, 2.5, 5.25)]),
        Row(Endpoint("generated get", "generated", "GET", "/api/v1/books/{id}"), [run(400, 40, 150, non_2xx=4)]),
    ]
    text = table(rows, {"bare": 50.2, "generated": 88.0}, {"health/live vs bare": 0.333, "x": None})
    assert "| bare ping `GET /ping` | 10,000 | 2.50 | 5.25 | 0 | 50 |" in text
    assert "| generated get `GET /api/v1/books/{id}` | 400 | 40.00 | 150.00 | 4 | 88 |" in text
    assert "| health/live vs bare | 0.33x |" in text
    assert "| x | n/a |" in text


def test_endpoints_use_the_resource_path() -> None:
    paths = {endpoint.name: endpoint.path for endpoint in endpoints("order_lines")}
    assert paths["generated get"] == "/api/v1/order_lines/{id}"
    assert paths["generated list"] == "/api/v1/order_lines?limit=20"
    assert paths["generated create"] == "/api/v1/order_lines"


def test_lua_scripts_pick_seeded_ids_and_unique_names() -> None:
    get, post = (endpoint for endpoint in endpoints("books") if endpoint.name in {"generated get", "generated create"})
    get_script = lua_script(get, ["a1", "b2"], "p")
    assert 'local ids = {"a1", "b2"}' in get_script
    assert '"/api/v1/books/" .. ids[math.random(#ids)]' in get_script
    post_script = lua_script(post, [], "generated-0-abc")
    assert "generated-0-abc-' .. counter" in post_script
    assert '"POST", "/api/v1/books"' in post_script
    assert lua_script(Endpoint("bare ping", "bare", "GET", "/ping"), ["a"], "p") == ""


# Not in `nox -s tests`: run once beside the parallel suite, its health/ready row nearly stalled
# and it failed (cause not found yet).  `nox -s bench-service -- --smoke` runs it alone.
@pytest.mark.bench_service
@pytest.mark.render
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")
def test_a_tiny_run_measures_every_endpoint_without_errors(tmp_path: Path) -> None:
    """The whole benchmark, 1 s per endpoint and 1 round, on the default (SQLite) combination."""
    assert main(["--duration", "1", "--rounds", "1", "--rows", "20", "--output", str(tmp_path)]) == 0
    (written,) = tmp_path.glob("service-*.json")
    result = json.loads(written.read_text(encoding="utf-8"))
    assert [row["name"] for row in result["rows"]] == [endpoint.name for endpoint in endpoints("items")]
    for row in result["rows"]:
        assert row["requests_per_second"] > 0, row
        assert (row["non_2xx"], row["socket_errors"]) == (0, 0), row
    assert set(result["peak_rss_mib"]) == {"bare", "handwritten", "generated"}
    assert all(value is not None and value > 0 for value in result["ratios"].values())


def test_without_wrk_it_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["--duration", "1"]) == 2
    assert "apt-get install -y wrk" in capsys.readouterr().err
