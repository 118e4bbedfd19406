"""The template repository's CI wiring: .github/workflows/ci.yml (actionlint + its jobs) and .ci/run.

And the GitHub side of the generated service: every workflow a combination that changes them
renders (SQLite, PostgreSQL) passes actionlint and zizmor, with least privilege, pinned actions,
a uv install, the image build and the template-update check; its dependabot.yml covers uv,
GitHub Actions, Docker and Compose.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.actionlint import actionlint
from tests.harness import run_copier
from tests.matrix import COMBO_SEPARATOR, ROOT, Combination, Template, format_value, matrix_json, services_of
from tests.services import SERVICES
from tests.zizmor import project_problems as zizmor_problems
from tests.zizmor import zizmor

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
GITHUB_MAX_JOBS_PER_MATRIX = 256
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _workflow_combinations() -> list[Combination]:
    """One combination per ``database`` and per ``task_queue`` answer (what changes the rendered
    workflow: its service containers), default names."""
    chosen: dict[Any, Combination] = {}
    for combination in Template().full():
        data = combination.data()
        chosen.setdefault(("database", data.get("database")), combination)
        chosen.setdefault(("task_queue", data.get("task_queue")), combination)
    return list({combination.id: combination for combination in chosen.values()}.values())


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
    assert set(SERVICES) <= {"postgresql", "mysql", "redis", "rabbitmq"}, (
        "a new service in tests/services.py needs its container in the combination job"
    )


def test_every_job_uses_existing_sessions_and_groups(workflow: dict[str, Any]) -> None:
    sessions, groups = _nox_sessions(), _dependency_groups()
    for name, job in workflow["jobs"].items():
        runs = _runs(job)
        assert set(re.findall(r"nox -s (\w+)", runs)) <= sessions, name
        assert set(re.findall(r"--group (\w+)", runs)) <= groups, name


def test_full_matrix_fits_in_one_github_matrix() -> None:
    full = Template().full()
    jobs = matrix_json(full)["include"]

    assert 0 < len(jobs) <= GITHUB_MAX_JOBS_PER_MATRIX
    listed = [combo for job in jobs for combo in job["combo"].split(COMBO_SEPARATOR)]
    assert sorted(listed) == sorted(combination.combo for combination in full)  # each once


def test_a_job_of_several_combinations_shares_their_python_and_services() -> None:
    template = Template()
    by_combo = {combination.combo: combination for combination in template.full()}
    for job in matrix_json(template.full(), max_jobs=40)["include"]:
        members = [by_combo[combo] for combo in job["combo"].split(COMBO_SEPARATOR)]
        assert {services_of(member, ROOT) == job["services"] for member in members} == {True}
        assert {format_value(member.get("python_version") or "3.11") for member in members} == {job["python"]}


def _ci_run_sessions(script: str) -> set[str]:
    """The nox sessions .ci/run runs: its ``run SESSION`` lines."""
    return set(re.findall(r"^run (\w+)$", script, flags=re.MULTILINE))


def test_ci_run_script() -> None:
    script = ROOT / ".ci" / "run"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert '"${NOX[@]}" -s "$session"' in text
    for session in ("lint", "tests", "isolated", "fuzz"):
        assert session in _ci_run_sessions(text)
        assert session in _nox_sessions()
    assert "tests.ci_summary" in text, "the time report ends the log"
    assert "--group ci" in text
    assert "ci" in _dependency_groups()
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_github_runs_every_session_ci_runs(workflow: dict[str, Any]) -> None:
    """What .ci/run checks on one machine, the GitHub workflow checks too (there in parallel jobs)."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    local = _ci_run_sessions(script)
    github = {session for job in workflow["jobs"].values() for session in re.findall(r"nox -s (\w+)", _runs(job))}
    assert local - github == set(), f"sessions .ci/run runs and the GitHub workflow does not: {local - github}"


# -- the generated service's GitHub files -------------------------------------------------------------


@pytest.fixture(scope="module", params=_workflow_combinations(), ids=lambda combination: combination.id)
def rendered(request: pytest.FixtureRequest, template_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered project (copier's tasks skipped: no lock file is needed for its .github files)."""
    combination: Combination = request.param
    destination = tmp_path_factory.mktemp("workflows") / "project"
    run_copier(template_snapshot, destination, combination.data(), skip_tasks=True)
    return destination


def _workflows(project: Path) -> dict[str, dict[Any, Any]]:
    directory = project / ".github" / "workflows"
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.y*ml"))}


def _uses_lines(project: Path) -> list[str]:
    return [
        line.strip().removeprefix("- ").removeprefix("uses:").strip()
        for path in (project / ".github" / "workflows").glob("*.y*ml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().removeprefix("- ").startswith("uses:")
    ]


@pytest.mark.render
def test_rendered_workflows_pass_actionlint_and_zizmor(rendered: Path) -> None:
    workflows = sorted((rendered / ".github" / "workflows").glob("*.y*ml"))
    assert {path.name for path in workflows} >= {"ci.yml", "template-update.yml"}
    assert actionlint(workflows) == []
    assert zizmor_problems(rendered) == []


def test_zizmor_catches_an_unsafe_workflow(tmp_path: Path) -> None:
    unsafe = tmp_path / ".github" / "workflows" / "unsafe.yml"
    unsafe.parent.mkdir(parents=True)
    unsafe.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - uses: actions/checkout@v6\n      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    audits = " ".join(zizmor([tmp_path / ".github"]))
    for audit in ("template-injection", "artipacked", "excessive-permissions", "unpinned-uses"):
        assert f"[{audit}]" in audits, audits


@pytest.mark.render
def test_rendered_workflows_are_least_privilege_and_pinned(rendered: Path) -> None:
    for name, workflow in _workflows(rendered).items():
        assert workflow["permissions"] == {}, f"{name}: the workflow grants nothing, its jobs ask"
        for job_name, job in workflow["jobs"].items():
            assert job.get("permissions") == {"contents": "read"}, f"{name}: {job_name}"
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False, f"{name}: {job_name}"
                assert "${{" not in str(step.get("run", "")), f"{name}: {job_name}: an expression in run:"
    uses = _uses_lines(rendered)
    assert uses, "no action is used"
    unpinned = [line for line in uses if not PINNED_USES.match(line)]
    assert unpinned == [], "actions are pinned to a commit with the release in a comment"


@pytest.mark.render
def test_rendered_ci_installs_with_uv_and_runs_every_check(rendered: Path) -> None:
    ci = _workflows(rendered)["ci.yml"]
    checks = ci["jobs"]["checks"]
    package = yaml.safe_load((rendered / ".copier-answers.yml").read_text(encoding="utf-8"))["package_name"]
    runs = [line.strip() for step in checks["steps"] for line in str(step.get("run", "")).splitlines()]
    setup = next(step for step in checks["steps"] if str(step.get("uses", "")).startswith("astral-sh/setup-uv@"))
    assert setup["with"]["enable-cache"] is True
    assert setup["with"]["python-version"] == str(ci_python(rendered))
    assert runs[0] == "uv sync --locked"
    for command in (
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy",
        "uv run lint-imports",
        "uv run deptry .",
        "uv run pytest --cov",  # the coverage gate
        f"uv run python -m {package}.openapi > openapi.json",
    ):
        assert command in runs, command
    # Migrations run where there is a database to migrate (orm=none has none, nor alembic).
    migrates = (rendered / "alembic.ini").exists()
    assert ("uv run alembic upgrade head" in runs) == migrates
    postgres = (checks.get("services") or {}).get("postgres")
    if postgres is not None:
        assert postgres["image"] == "postgres:18"
    image = ci["jobs"]["image"]
    build = next(step for step in image["steps"] if str(step.get("uses", "")).startswith("docker/build-push-action@"))
    assert build["with"]["push"] is False


def ci_python(project: Path) -> str:
    return str(yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))["python_version"])


@pytest.mark.render
def test_rendered_template_update_check(rendered: Path) -> None:
    workflow = _workflows(rendered)["template-update.yml"]
    triggers: dict[str, Any] = workflow["on"] if "on" in workflow else workflow[True]  # PyYAML: `on` is True
    assert {"schedule", "workflow_dispatch"} <= set(triggers)
    assert triggers["schedule"][0]["cron"]
    runs = "\n".join(str(step.get("run", "")) for job in workflow["jobs"].values() for step in job["steps"])
    assert "copier check-update" in runs
    assert "copier-template-extensions" in runs, "the template loads its extensions with it"


@pytest.mark.render
def test_rendered_dependabot_covers_every_ecosystem(rendered: Path) -> None:
    config = yaml.safe_load((rendered / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"uv", "github-actions", "docker", "docker-compose"}
    for ecosystem, update in updates.items():
        assert update["schedule"]["interval"] == "weekly", ecosystem
        assert update["groups"], f"{ecosystem}: one grouped pull request"
        assert update["cooldown"]["default-days"] >= 1, ecosystem
