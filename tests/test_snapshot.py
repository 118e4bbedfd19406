"""What the harness renders: the template's working tree, uncommitted and untracked changes included.

Also pins down the copier behaviour that makes the snapshot necessary: with
``vcs_ref=None`` copier renders the latest tag of a git template, not its
working tree.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.harness import run_copier, snapshot

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def tagged_template(tmp_path: Path) -> Path:
    """A tiny git template: committed and tagged v1, then edited without committing."""
    repo = tmp_path / "template"
    (repo / "template").mkdir(parents=True)
    (repo / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: x\n", encoding="utf-8")
    (repo / "template" / "version.txt").write_text("v1\n", encoding="utf-8")
    (repo / "template" / "gone.txt").write_text("deleted after v1\n", encoding="utf-8")
    (repo / ".gitignore").write_text("ignored.txt\n", encoding="utf-8")
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "v1")
    git(repo, "tag", "v1")
    (repo / "template" / "version.txt").write_text("working tree\n", encoding="utf-8")
    (repo / "template" / "new.txt.jinja").write_text("{{ name }}\n", encoding="utf-8")
    (repo / "template" / "gone.txt").unlink()
    (repo / "ignored.txt").write_text("never copied\n", encoding="utf-8")
    return repo


def test_snapshot_renders_the_working_tree(tagged_template: Path, tmp_path: Path) -> None:
    copy = snapshot(tagged_template, tmp_path / "snapshot")
    run_copier(copy, tmp_path / "out", {"name": "hello"})
    assert (tmp_path / "out" / "version.txt").read_text(encoding="utf-8") == "working tree\n"
    assert (tmp_path / "out" / "new.txt").read_text(encoding="utf-8") == "hello\n", "untracked files are included"
    assert not (tmp_path / "out" / "gone.txt").exists(), "deleted files are gone"
    assert not (copy / "ignored.txt").exists(), "ignored files are not"


def test_snapshot_is_fixed_for_the_run(tagged_template: Path, tmp_path: Path) -> None:
    copy = snapshot(tagged_template, tmp_path / "snapshot")
    (tagged_template / "template" / "version.txt").write_text("edited during the run\n", encoding="utf-8")
    run_copier(copy, tmp_path / "out", {})
    assert (tmp_path / "out" / "version.txt").read_text(encoding="utf-8") == "working tree\n"


def test_copier_alone_renders_the_latest_tag(tagged_template: Path, tmp_path: Path) -> None:
    run_copier(tagged_template, tmp_path / "tag", {}, vcs_ref=None)
    assert (tmp_path / "tag" / "version.txt").read_text(encoding="utf-8") == "v1\n"
    assert (tmp_path / "tag" / "gone.txt").exists()
    run_copier(tagged_template, tmp_path / "head", {}, vcs_ref="HEAD")
    assert (tmp_path / "head" / "version.txt").read_text(encoding="utf-8") == "working tree\n"
