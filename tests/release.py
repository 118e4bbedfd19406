"""Release the template: ``nox -s release -- 0.2.0 [--dry-run] [--date YYYY-MM-DD]``.

A release is two commits and a tag on the current branch:

1. ``Release <version>``: CHANGELOG.md's ``## Unreleased`` becomes ``## <version> — <date>``;
   the annotated tag ``v<version>`` points at this commit.
2. ``CHANGELOG: <version> is commit <short sha>``: the heading gains `` — commit <full sha>`` (so
   ``copier update --vcs-ref <sha>`` works in a clone without tags, and the update tests find the
   previous release) and a new, empty ``## Unreleased`` goes above it.

Refused, with a one-line reason: a version that is not ``MAJOR.MINOR.PATCH`` or not greater than
the newest release in CHANGELOG.md, a dirty working tree (untracked files included), an existing
tag, a CHANGELOG.md without ``## Unreleased`` or with nothing under it.  Nothing is pushed.

Standard library and git only: the nox session installs nothing.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CHANGELOG = "CHANGELOG.md"
UNRELEASED = "## Unreleased"
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
RELEASE_HEADING = re.compile(
    r"^## (?P<version>[0-9]+\.[0-9]+\.[0-9]+) — (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?: — commit (?P<commit>[0-9a-f]{40}))?[ \t]*$",
    re.MULTILINE,
)
UNRELEASED_HEADING = re.compile(r"^## Unreleased[ \t]*$", re.MULTILINE)
NEXT_HEADING = re.compile(r"^## ", re.MULTILINE)


class ReleaseError(Exception):
    """Why a release is refused (one line)."""


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    commit: str | None  # None until the second release commit names it


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; anything else is refused."""
    match = SEMVER.fullmatch(text)
    if match is None:
        raise ReleaseError(f"{text!r} is not a MAJOR.MINOR.PATCH version (e.g. 0.2.0; no 'v', no suffix)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def releases(changelog: str) -> list[Release]:
    """Every release heading of CHANGELOG.md, in the file's order (newest first)."""
    return [Release(match["version"], match["date"], match["commit"]) for match in RELEASE_HEADING.finditer(changelog)]


def release_commits(changelog: str) -> dict[str, str]:
    """Version -> full commit sha, for every release whose heading names its commit."""
    return {release.version: release.commit for release in releases(changelog) if release.commit}


def previous_release(changelog: str) -> Release | None:
    """The newest release (the first release heading after ``## Unreleased``), or None before the first."""
    unreleased = UNRELEASED_HEADING.search(changelog)
    found = releases(changelog[unreleased.end() :] if unreleased else changelog)
    return found[0] if found else None


def unreleased_notes(changelog: str) -> str:
    """What stands between ``## Unreleased`` and the next ``## `` heading (stripped)."""
    unreleased = UNRELEASED_HEADING.search(changelog)
    if unreleased is None:
        raise ReleaseError(f"{CHANGELOG} has no '{UNRELEASED}' heading")
    following = NEXT_HEADING.search(changelog, unreleased.end())
    return changelog[unreleased.end() : following.start() if following else len(changelog)].strip()


def check_version(version: str, changelog: str) -> None:
    """Refuse a malformed version or one not above every release in CHANGELOG.md."""
    wanted = parse_version(version)
    known = releases(changelog)
    if known:
        newest = max(known, key=lambda release: parse_version(release.version))
        if wanted <= parse_version(newest.version):
            raise ReleaseError(f"{version} is not greater than the newest release in {CHANGELOG}, {newest.version}")


def released_text(changelog: str, version: str, date: str) -> str:
    """CHANGELOG.md of the release commit: ``## Unreleased`` renamed to ``## <version> — <date>``."""
    if not unreleased_notes(changelog):
        raise ReleaseError(f"'{UNRELEASED}' in {CHANGELOG} is empty: write the release notes first")
    return UNRELEASED_HEADING.sub(f"## {version} — {date}", changelog, count=1)


def recorded_text(changelog: str, version: str, date: str, commit: str) -> str:
    """CHANGELOG.md of the second commit: the heading names ``commit``, a new empty Unreleased above it."""
    heading = re.compile(rf"^## {re.escape(version)} — {re.escape(date)}[ \t]*$", re.MULTILINE)
    if heading.search(changelog) is None:
        raise ReleaseError(f"{CHANGELOG} has no '## {version} — {date}' heading to record the commit in")
    return heading.sub(f"{UNRELEASED}\n\n## {version} — {date} — commit {commit}", changelog, count=1)


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if completed.returncode:
        message = (completed.stderr or completed.stdout).strip().splitlines()
        raise ReleaseError(f"git {' '.join(args)} failed: {message[-1] if message else completed.returncode}")
    return completed.stdout


def preflight(repo: Path, version: str) -> str:
    """Every refusal, before anything changes; returns CHANGELOG.md's text."""
    path = repo / CHANGELOG
    if not path.is_file():
        raise ReleaseError(f"no {CHANGELOG} in {repo}")
    changelog = path.read_text(encoding="utf-8")
    check_version(version, changelog)
    if not unreleased_notes(changelog):
        raise ReleaseError(f"'{UNRELEASED}' in {CHANGELOG} is empty: write the release notes first")
    dirty = git(repo, "status", "--porcelain").splitlines()
    if dirty:
        more = f" (and {len(dirty) - 1} more)" if len(dirty) > 1 else ""
        raise ReleaseError(f"the working tree is not clean: {dirty[0].strip()}{more}; commit or remove it first")
    if git(repo, "tag", "--list", f"v{version}").strip():
        raise ReleaseError(f"tag v{version} already exists")
    return changelog


def release(repo: Path, version: str, date: str | None = None, dry_run: bool = False) -> list[str]:
    """Make the release (or, with ``dry_run``, only say what it would do); returns the steps."""
    repo = repo.resolve()
    changelog = preflight(repo, version)
    date = date or datetime.datetime.now(datetime.UTC).date().isoformat()
    first = released_text(changelog, version, date)
    steps = [
        f"{CHANGELOG}: '{UNRELEASED}' -> '## {version} — {date}'",
        f"git commit -m 'Release {version}' -- {CHANGELOG}",
        f"git tag -a v{version} -m 'Release {version}'",
        f"{CHANGELOG}: '## {version} — {date} — commit <sha of v{version}>' under a new empty '{UNRELEASED}'",
        f"git commit -m 'CHANGELOG: {version} is commit <short sha>' -- {CHANGELOG}",
    ]
    if dry_run:
        return steps
    path = repo / CHANGELOG
    path.write_text(first, encoding="utf-8")
    git(repo, "commit", "--quiet", "-m", f"Release {version}", "--", CHANGELOG)
    git(repo, "tag", "-a", f"v{version}", "-m", f"Release {version}")
    commit = git(repo, "rev-parse", f"v{version}^{{commit}}").strip()
    path.write_text(recorded_text(first, version, date, commit), encoding="utf-8")
    git(repo, "commit", "--quiet", "-m", f"CHANGELOG: {version} is commit {commit[:7]}", "--", CHANGELOG)
    return [step.replace("<sha of v" + version + ">", commit).replace("<short sha>", commit[:7]) for step in steps]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nox -s release --", description=__doc__.split("\n\n")[0])
    parser.add_argument("version", help="MAJOR.MINOR.PATCH, greater than the newest release in CHANGELOG.md")
    parser.add_argument("--dry-run", action="store_true", help="check and print what would be done, change nothing")
    parser.add_argument("--date", default=None, help="the release date (default: today, UTC)")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the template repository (default: .)")
    options = parser.parse_args(argv)
    try:
        steps = release(options.repo, options.version, options.date, options.dry_run)
    except ReleaseError as error:
        print(f"release refused: {error}", file=sys.stderr)
        return 1
    prefix = "would do" if options.dry_run else "done"
    for step in steps:
        print(f"{prefix}: {step}")
    if not options.dry_run:
        print(f"push it with: git push --follow-tags (the tag is v{options.version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
