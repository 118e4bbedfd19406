"""zizmor, the static security audit for GitHub Actions, on a project's workflows and Dependabot file.

The ``zizmor`` wheel of the test dependency group is a self-contained binary; ``--offline`` keeps
it to the audits that need no GitHub API (template injection, credential persistence, excessive
permissions, unpinned actions, Dependabot cooldowns, ...). The default ("regular") persona is the
bar: a finding there is a defect of the template.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.harness import tool

# --format github: one `::level file=PATH,line=N,title=AUDIT::NAME:N: message` line per finding.
_FINDING = re.compile(
    r"^::(?:error|warning|notice) file=(?P<file>[^,]*),line=(?P<line>\d+),title=(?P<audit>[^:]+)::(?P<text>.*)$"
)
# 0: no findings; 11-14: findings of the highest severity low..high (zizmor's exit codes).
_FINDINGS_EXIT = {0, 10, 11, 12, 13, 14}


def zizmor(paths: Sequence[Path], persona: str = "regular") -> list[str]:
    """One ``file:line: [audit] message`` per finding in ``paths`` (files or directories); empty when clean."""
    if not paths:
        return []
    completed = subprocess.run(
        [
            tool("zizmor", "it comes with the test dependency group"),
            "--offline",
            "--no-progress",
            "--format",
            "github",
            "--persona",
            persona,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if completed.returncode not in _FINDINGS_EXIT:
        raise RuntimeError(
            f"zizmor could not run (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}"
        )
    findings = []
    for line in completed.stdout.splitlines():
        match = _FINDING.match(line)
        if match:
            message = match["text"].split(": ", 1)[-1]
            findings.append(f"{match['file']}:{match['line']}: [{match['audit']}] {message}")
    if completed.returncode and not findings:
        findings.append(f"zizmor exited {completed.returncode}:\n{completed.stdout}")
    return findings


def project_problems(project: Path) -> list[str]:
    """zizmor on a rendered project's ``.github`` (workflows and dependabot.yml), paths relative to it."""
    github = project / ".github"
    if not github.is_dir():
        return []
    return [finding.replace(str(project) + "/", "") for finding in zizmor([github])]
