"""The service benchmark: the generated service against a bare and a hand-written FastAPI app.

``python -m tests.bench_service [--duration 8] [--rounds 3] [combination ...]`` (or ``nox -s
bench-service -- ...``) renders each combination (``key=value,...``; none = the default one),
migrates a fresh database, seeds it, starts three servers under uvicorn (the generated service
in production mode as ``python -m <package>`` starts it, ``tests/bench_apps/bare.py`` and
``tests/bench_apps/handwritten.py``) pinned to core 0, and loads every endpoint with wrk on
core 1 in interleaved rounds.  It prints a table of medians and writes
``bench/service-<combination>.json``.  docs/benchmarks.md explains how to read it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from filelock import FileLock

from tests.harness import HARNESS_DIR, ensure_shared_venv, project_requirements, python_for, render, snapshot
from tests.matrix import Combination, Template
from tests.services import provisioned

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
APPS_DIR = Path(__file__).resolve().parent / "bench_apps"
WRK_HINT = "wrk is missing: install it with `sudo apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`"
CONNECTIONS = 32
SERVER_CORE = "0"
LOAD_CORE = "1"
STARTUP_SECONDS = 60.0
SEEDED = "seed-"  # the name prefix of seeded rows (tests/bench_apps/handwritten.py keeps only those)

# -- wrk output ---------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class Run:
    """One wrk run of one endpoint."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def parse_wrk(output: str) -> Run:
    """The figures of ``wrk --latency`` output (ValueError when it holds none)."""
    rps = _RPS.search(output)
    requests = _REQUESTS.search(output)
    if rps is None or requests is None:
        raise ValueError(f"not wrk --latency output:\n{output}")
    latency = {percent: float(value) * _UNITS[unit] for percent, value, unit in _LATENCY.findall(output)}
    if set(latency) != {"50", "99"}:
        raise ValueError(f"wrk output has no 50%/99% latency (was --latency given?):\n{output}")
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET.search(output)
    return Run(
        requests_per_second=float(rps.group(1)),
        p50_ms=latency["50"],
        p99_ms=latency["99"],
        requests=int(requests.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(count) for count in sockets.groups()) if sockets else 0,
    )


# -- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """What wrk loads: ``server`` is ``bare``, ``handwritten`` or ``generated``."""

    name: str
    server: str
    method: str
    path: str
    script: str = ""  # a Lua script kind: "get" (random seeded id) or "post" (unique names)


@dataclass
class Row:
    endpoint: Endpoint
    runs: list[Run] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        return median(run.requests_per_second for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return median(run.p99_ms for run in self.runs)

    @property
    def non_2xx(self) -> int:
        return sum(run.non_2xx for run in self.runs)

    @property
    def socket_errors(self) -> int:
        return sum(run.socket_errors for run in self.runs)


def median(values: Iterator[float] | Sequence[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else 0.0


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


# (label, generated endpoint, what it is compared with)
RATIOS = (
    ("GET by id vs hand-written", "generated get", "handwritten get"),
    ("list of 20 vs hand-written", "generated list", "handwritten list"),
    ("create vs hand-written", "generated create", "handwritten create"),
    ("health/live vs bare", "generated health/live", "bare ping"),
    ("health/ready vs bare", "generated health/ready", "bare ping"),
    # With auth: the signed-in GET against the bare endpoint and the same service without auth.
    ("authenticated GET by id vs bare", "generated get", "bare ping"),
    ("authenticated GET by id vs unauthenticated", "generated get", "open get"),
)


def ratios(rows: Sequence[Row]) -> dict[str, float | None]:
    by_name = {row.endpoint.name: row.requests_per_second for row in rows}
    return {
        label: ratio(by_name[ours], by_name[reference])
        for label, ours, reference in RATIOS
        if ours in by_name and reference in by_name
    }


def table(rows: Sequence[Row], rss_mib: Mapping[str, float], compared: Mapping[str, float | None]) -> str:
    """The Markdown table of medians (also what is printed)."""
    lines = [
        "| endpoint | requests/s | p50 ms | p99 ms | non-2xx | server peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        endpoint = row.endpoint
        errors = row.non_2xx + row.socket_errors
        rss = rss_mib.get(endpoint.server)
        lines.append(
            f"| {endpoint.name} `{endpoint.method} {endpoint.path}` | {row.requests_per_second:,.0f} "
            f"| {row.p50_ms:.2f} | {row.p99_ms:.2f} | {errors} | {'' if rss is None else f'{rss:.0f}'} |"
        )
    lines += ["", "| ratio (requests/s) | value |", "|---|---:|"]
    lines += [f"| {label} | {'n/a' if value is None else f'{value:.2f}x'} |" for label, value in compared.items()]
    return "\n".join(lines)


# -- load generation ----------------------------------------------------------------------------

GET_SCRIPT = """
local ids = {%s}
request = function()
  return wrk.format("GET", "%s" .. ids[math.random(#ids)])
end
"""
POST_SCRIPT = """
local counter = 0
-- wrk.format takes the headers given instead of wrk.headers (-H): copy those in.
local headers = {["Content-Type"] = "application/json"}
for name, value in pairs(wrk.headers) do headers[name] = value end
request = function()
  counter = counter + 1
  local body = '{"name": "%s-' .. counter .. '", "description": "benchmark"}'
  return wrk.format("POST", "%s", headers, body)
end
"""


def lua_script(endpoint: Endpoint, ids: Sequence[str], prefix: str) -> str:
    if endpoint.script == "get":
        return GET_SCRIPT % (", ".join(f'"{value}"' for value in ids), endpoint.path.rsplit("{", 1)[0])
    if endpoint.script == "post":
        return POST_SCRIPT % (prefix, endpoint.path)
    return ""


def pinned(core: str, command: Sequence[str]) -> list[str]:
    """``command`` pinned to ``core`` when taskset exists and the machine has two cores."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", core, *command]
    return list(command)


def run_wrk(
    url: str,
    script: Path | None,
    duration: float,
    connections: int = CONNECTIONS,
    headers: Mapping[str, str] | None = None,
) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "5s"]
    command += ["-s", str(script)] if script else []
    for name, value in (headers or {}).items():  # wrk.format adds them to the scripts' requests too
        command += ["-H", f"{name}: {value}"]
    completed = subprocess.run(
        pinned(LOAD_CORE, [*command, url]), capture_output=True, text=True, check=True, timeout=duration + 60
    )
    return parse_wrk(completed.stdout)


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def request(
    method: str,
    url: str,
    body: Mapping[str, Any] | None = None,
    timeout: float = 10,
    credentials: Mapping[str, str] | None = None,
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    headers.update(credentials or {})
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=timeout) as answer:
        return json.loads(answer.read() or b"null")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def peak_rss_mib(self) -> float | None:
        """The largest resident set of the server process so far (Linux ``VmHWM``)."""
        status = Path(f"/proc/{self.process.pid}/status")
        try:
            text = status.read_text(encoding="utf-8")
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else None


@contextmanager
def serve(
    name: str, command: Sequence[str], cwd: Path, env: Mapping[str, str], port: int, probe: str
) -> Iterator[Server]:
    log = cwd / f"server-{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            pinned(SERVER_CORE, command), cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            try:
                request("GET", server.base_url + probe, timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer {probe} in {STARTUP_SECONDS:.0f}s") from None
                time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- one combination ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    path: Path
    package: str
    plural: str
    env_prefix: str


def describe_project(path: Path) -> Project:
    (package,) = (child.name for child in (path / "src").iterdir() if (child / "__init__.py").exists())
    answers = (path / ".copier-answers.yml").read_text(encoding="utf-8")
    plural = re.search(r"^resource_plural: ['\"]?([^'\"\n]+)", answers, re.MULTILINE)
    settings = (path / "src" / package / "core" / "settings.py").read_text(encoding="utf-8")
    prefix = re.search(r'^ENV_PREFIX = "([^"]*)"', settings, re.MULTILINE)
    if plural is None or prefix is None:
        raise RuntimeError(f"{path}: cannot find resource_plural / ENV_PREFIX")
    return Project(path, package, plural.group(1), prefix.group(1))


def endpoints(plural: str, with_auth: bool = False) -> list[Endpoint]:
    resource = f"/api/v1/{plural}"
    # With auth, "open" is the same combination rendered with auth=none, on the same database.
    open_get = [Endpoint("open get", "open", "GET", resource + "/{id}", "get")] if with_auth else []
    return [
        *open_get,
        Endpoint("bare ping", "bare", "GET", "/ping"),
        Endpoint("handwritten get", "handwritten", "GET", "/rows/{id}", "get"),
        Endpoint("handwritten list", "handwritten", "GET", "/rows?limit=20"),
        Endpoint("handwritten create", "handwritten", "POST", "/rows", "post"),
        Endpoint("generated get", "generated", "GET", resource + "/{id}", "get"),
        Endpoint("generated list", "generated", "GET", resource + "?limit=20"),
        Endpoint("generated create", "generated", "POST", resource, "post"),
        Endpoint("generated health/live", "generated", "GET", "/health/live"),
        Endpoint("generated health/ready", "generated", "GET", "/health/ready"),
    ]


def seed(base_url: str, plural: str, count: int, credentials: Mapping[str, str] | None = None) -> list[str]:
    """Create ``count`` rows through the generated API; their ids."""

    def create(index: int) -> str:
        body = {"name": f"{SEEDED}{index}-{uuid.uuid4().hex[:8]}", "description": "seeded by the benchmark"}
        return str(request("POST", f"{base_url}/api/v1/{plural}", body, credentials=credentials)["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(create, range(count)))


def versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, platform;"
        "print(json.dumps({'python': platform.python_version(), **{n: m.version(n) for n in "
        "('fastapi','starlette','pydantic','sqlalchemy','uvicorn','aiosqlite','asyncpg','uvloop','httptools')"
        " if __import__('importlib.util').util.find_spec(n)}}))"
    )
    completed = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(completed.stdout)
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    found["wrk"] = (wrk.stdout + wrk.stderr).split()[1] if (wrk.stdout + wrk.stderr).split()[1:] else "?"
    return found


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(encoding="utf-8"), re.MULTILINE)
        model = found.group(1).strip() if found else ""
    return {"nproc": os.cpu_count(), "cpu": model or platform.processor(), "system": platform.platform()}


# Run in the project's venv: credentials the served project accepts, from its own tests/credentials.py
# (an OIDC service must be started with the environment that makes it trust the test key).
CREDENTIALS_SNIPPET = """
import asyncio, json, sys
import tests.credentials as credentials
if hasattr(credentials, "served_credentials"):
    environment, headers = credentials.served_credentials()
else:
    from {package}.app import create_app
    app = create_app()
    headers = asyncio.run(credentials.credentials_for(app))
    environment = {{}}
json.dump({{"environment": environment, "headers": headers}}, sys.stdout)
"""


def project_credentials(python: str, project: Project, env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(environment for the served project, headers it accepts); nothing for a service without auth."""
    if not (project.path / "tests" / "credentials.py").exists():
        return {}, {}
    completed = subprocess.run(
        [python, "-c", CREDENTIALS_SNIPPET.format(package=project.package)],
        cwd=project.path,
        env={**env, "PYTHONPATH": os.pathsep.join([str(project.path), str(project.path / "src")])},
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(completed.stdout)
    return dict(found["environment"]), dict(found["headers"])


def without_auth(combination: Combination) -> Combination | None:
    """The same combination with auth=none, or None when it has no auth."""
    answers = dict(combination.answers)
    if answers.get("auth", "none") == "none":
        return None
    answers["auth"] = "none"
    return replace(combination, answers=tuple(sorted(answers.items())))


def benchmark(
    combination: Combination, work: Path, template: Path, duration: float, rounds: int, rows_seeded: int
) -> dict[str, Any]:
    rendered = render(template, work / "project", combination)
    if rendered.error:
        raise RuntimeError(f"{combination.id}: render failed: {rendered.error}")
    project = describe_project(rendered.project)
    twin = without_auth(combination)
    open_project = None
    if twin is not None:
        rendered_open = render(template, work / "open", twin)
        if rendered_open.error:
            raise RuntimeError(f"{twin.id}: render failed: {rendered_open.error}")
        open_project = describe_project(rendered_open.project)
    HARNESS_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(HARNESS_DIR / "venv.lock"):  # the harness's workers may be building the same venv
        toolchain = ensure_shared_venv(project_requirements(project.path), python_for(combination))
    python = str(toolchain.bin / "python")
    with provisioned(combination) as services:
        url = services.get("DATABASE_URL", f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}")
        prefix = project.env_prefix
        env = toolchain.env(
            project.path,
            {
                f"{prefix}DATABASE_URL": url,
                f"{prefix}ENVIRONMENT": "production",
                f"{prefix}SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
                f"{prefix}ALLOWED_HOSTS": "127.0.0.1",
                f"{prefix}HOST": "127.0.0.1",
                # A task queue's broker (the relay publishes each create's event to it).
                **(
                    {
                        f"{prefix}BROKER_URL": services["TEST_BROKER_URL"],
                        f"{prefix}QUEUE_NAME": services.get("TEST_QUEUE_PREFIX", "") + "bench",
                    }
                    if "TEST_BROKER_URL" in services
                    else {}
                ),
            },
        )
        # An identity provider's settings come first (production refuses to start without them);
        # credentials stored in the database (API keys) after the migration.
        served = (
            (project.path / "tests" / "credentials.py").read_text(encoding="utf-8")
            if (project.path / "tests" / "credentials.py").exists()
            else ""
        )
        auth_env: dict[str, str] = {}
        credentials: dict[str, str] = {}
        if "def served_credentials" in served:
            auth_env, credentials = project_credentials(python, project, env)
            env = {**env, **auth_env}
        subprocess.run(
            [python, "-m", "alembic", "upgrade", "head"], cwd=project.path, env=env, check=True, capture_output=True
        )
        if not credentials:
            auth_env, credentials = project_credentials(python, project, env)
        ports = {"bare": free_port(), "handwritten": free_port(), "generated": free_port(), "open": free_port()}
        twin_env = {
            **env,
            "PYTHONPATH": str(APPS_DIR),
            "BENCH_DATABASE_URL": url.replace("+aiosqlite", "").replace("+asyncpg", ""),
            "BENCH_TABLE": project.plural,
        }
        uvicorn = [python, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
        with ExitStack() as stack:
            servers = {
                "generated": stack.enter_context(
                    serve(
                        "generated",
                        [python, "-m", project.package],
                        work,
                        {**env, **auth_env, f"{prefix}PORT": str(ports["generated"])},
                        ports["generated"],
                        "/health/live",
                    )
                ),
                "bare": stack.enter_context(
                    serve(
                        "bare",
                        [*uvicorn, "--port", str(ports["bare"]), "bare:app"],
                        work,
                        twin_env,
                        ports["bare"],
                        "/ping",
                    )
                ),
                "handwritten": stack.enter_context(
                    serve(
                        "handwritten",
                        [*uvicorn, "--port", str(ports["handwritten"]), "handwritten:app"],
                        work,
                        twin_env,
                        ports["handwritten"],
                        "/rows?limit=1",
                    )
                ),
            }
            if open_project is not None:  # the same service without auth, on the same tables
                servers["open"] = stack.enter_context(
                    serve(
                        "open",
                        [python, "-m", open_project.package],
                        work,
                        {
                            **env,
                            "PYTHONPATH": str(open_project.path / "src"),
                            f"{prefix}PORT": str(ports["open"]),
                        },
                        ports["open"],
                        "/health/live",
                    )
                )
            ids = seed(servers["generated"].base_url, project.plural, rows_seeded, credentials)
            rows = [Row(endpoint) for endpoint in endpoints(project.plural, with_auth=bool(credentials))]
            for round_number in range(rounds):
                for row in rows:
                    endpoint = row.endpoint
                    script_text = lua_script(
                        endpoint, ids[:200], f"{endpoint.server}-{round_number}-{uuid.uuid4().hex[:8]}"
                    )
                    script = None
                    if script_text:
                        script = work / f"{endpoint.script}.lua"
                        script.write_text(script_text, encoding="utf-8")
                    target = servers[endpoint.server].base_url + endpoint.path.replace("/{id}", "/" + ids[0])
                    signed_in = credentials if endpoint.server == "generated" else None
                    row.runs.append(run_wrk(target, script, duration, headers=signed_in))
                    if endpoint.script == "post":  # every round reads a table of the seeded size
                        request("DELETE", servers["handwritten"].base_url + "/rows/created", timeout=60)
                    rps = row.runs[-1].requests_per_second
                    print(f"  round {round_number + 1}/{rounds} {endpoint.name}: {rps:,.0f} rps", flush=True)
            rss = {name: server.peak_rss_mib() for name, server in servers.items()}
    rss_mib = {name: round(value, 1) for name, value in rss.items() if value is not None}
    compared = ratios(rows)
    return {
        "combination": combination.id,
        "settings": {
            "duration_seconds": duration,
            "rounds": rounds,
            "connections": CONNECTIONS,
            "rows_seeded": rows_seeded,
        },
        "machine": machine(),
        "versions": versions(Path(python)),
        "rows": [
            {
                "name": row.endpoint.name,
                "server": row.endpoint.server,
                "method": row.endpoint.method,
                "path": row.endpoint.path,
                "requests_per_second": round(row.requests_per_second, 1),
                "p50_ms": round(row.p50_ms, 3),
                "p99_ms": round(row.p99_ms, 3),
                "non_2xx": row.non_2xx,
                "socket_errors": row.socket_errors,
                "runs": [asdict(run) for run in row.runs],
            }
            for row in rows
        ],
        "peak_rss_mib": rss_mib,
        "ratios": compared,
        "table": table(rows, rss_mib, compared),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_service", description=__doc__.splitlines()[0])
    parser.add_argument("combinations", nargs="*", help="key=value,... (default: the default combination)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--rows", type=int, default=1000, help="rows seeded before the runs (default 1000)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR, help="where service-<combination>.json goes")
    parser.add_argument("--template-dir", type=Path, default=ROOT)
    options = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print(WRK_HINT, file=sys.stderr)
        return 2
    template = Template(options.template_dir)
    combinations = [template.parse_combo(text) for text in options.combinations] or [template.default()]
    options.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-service-") as scratch:
        source = snapshot(options.template_dir, Path(scratch) / "template")
        for combination in combinations:
            work = Path(scratch) / "run"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            print(f"bench-service: {combination.id}", flush=True)
            result = benchmark(combination, work, source, options.duration, options.rounds, options.rows)
            path = options.output / f"service-{combination.id}.json"
            path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            print(f"\n{result['table']}\n\nwritten to {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
