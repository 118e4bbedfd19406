"""The template repository's CI wiring: .github/workflows/ci.yml (actionlint + its jobs) and .ci/run."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.actionlint import actionlint
from tests.matrix import ROOT, Template, matrix_json
from tests.services import SERVICES

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
GITHUB_MAX_JOBS_PER_MATRIX = 256


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return document


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def _nox_sessions() -> set[str]:
    return set(re.findall(r"@nox\.session[^\n]*\ndef (\w+)", (ROOT / "noxfile.py").read_text(encoding="utf-8")))


def _dependency_groups() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"])


def test_actionlint() -> None:
    assert actionlint([WORKFLOW]) == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("needs.matrix.outputs.matrix", "needs.matrx.outputs.matrix"),
        encoding="utf-8",
    )
    assert any("matrx" in problem for problem in actionlint([broken]))


def test_matrix_job_prints_the_full_matrix_from_copier_yml(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["matrix"]
    assert "python -m tests.matrix --matrix full --json" in _runs(job)
    step_ids = {step.get("id") for step in job["steps"]}
    output = job["outputs"]["matrix"]
    assert re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.matrix \}\}", output)
    assert output.split(".")[1] in step_ids
    assert "--group matrix" in _runs(job)
    assert "matrix" in _dependency_groups()


def test_combination_job_fans_out_over_the_matrix(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["combination"]
    assert job["needs"] == "matrix"
    assert job["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.matrix) }}"
    assert job["strategy"]["fail-fast"] is False
    text = yaml.safe_dump(job)
    used = set(re.findall(r"(?<![.\w])matrix\.(\w+)", text))
    provided = set(matrix_json(Template().full())["include"][0])
    assert used <= provided, f"the job reads matrix keys {sorted(used - provided)} the matrix does not provide"
    assert 'nox -s combo -- "$COMBO"' in _runs(job)
    assert any(step.get("env", {}).get("COMBO") == "${{ matrix.combo }}" for step in job["steps"])
    setup = next(step for step in job["steps"] if str(step.get("uses", "")).startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"


def test_combination_job_has_every_service_container(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["combination"]
    assert {"postgres", "mariadb", "redis", "rabbitmq"} <= set(job["services"])
    for service in job["services"].values():
        assert service["ports"], "services are published on localhost"
        assert "--health-cmd" in service["options"], "jobs wait until the service is healthy"
    env = job["env"]
    assert env["HARNESS_POSTGRES_URL"].startswith("postgresql://postgres@127.0.0.1:5432/")
    services_source = (ROOT / "tests" / "services.py").read_text(encoding="utf-8")
    for variable in re.findall(r"HARNESS_\w+_URL", services_source):
        assert variable in env, f"{variable} (tests/services.py) is not set for the combination job"
    assert {service.name for service in SERVICES} <= {"postgresql", "mariadb", "redis", "rabbitmq"}, (
        "a new service in tests/services.py needs its container in the combination job"
    )


def test_every_job_uses_existing_sessions_and_groups(workflow: dict[str, Any]) -> None:
    sessions, groups = _nox_sessions(), _dependency_groups()
    for name, job in workflow["jobs"].items():
        runs = _runs(job)
        assert set(re.findall(r"nox -s (\w+)", runs)) <= sessions, name
        assert set(re.findall(r"--group (\w+)", runs)) <= groups, name


def test_full_matrix_fits_in_one_github_matrix() -> None:
    assert 0 < len(Template().full()) <= GITHUB_MAX_JOBS_PER_MATRIX


def test_ci_run_script() -> None:
    script = ROOT / ".ci" / "run"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    for session in ("lint", "tests", "isolated"):
        assert f'"${{NOX[@]}}" -s {session}' in text
        assert session in _nox_sessions()
    assert "--group ci" in text
    assert "ci" in _dependency_groups()
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_github_runs_every_session_ci_runs(workflow: dict[str, Any]) -> None:
    """What .ci/run checks on one machine, the GitHub workflow checks too (there in parallel jobs)."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    local = set(re.findall(r'"\$\{NOX\[@\]\}" -s (\w+)', script))
    github = {session for job in workflow["jobs"].values() for session in re.findall(r"nox -s (\w+)", _runs(job))}
    assert local - github == set(), f"sessions .ci/run runs and the GitHub workflow does not: {local - github}"
