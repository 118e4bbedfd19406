"""The release procedure (tests/release.py) on a throw-away git repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.release import (
    Release,
    ReleaseError,
    main,
    parse_version,
    previous_release,
    release,
    release_commits,
    releases,
)

SHA_1 = "36cb205700fba36c1f94f06c35b4f9364e2097d1"
SHA_0 = "0" * 39 + "1"

CHANGELOG = f"""# Changelog

Intro.

## Unreleased

### Releases and updates

- A release procedure.

## 0.1.0 — 2026-11-23 — commit {SHA_1}

The first release.

## 0.0.9 — 2026-10-01 — commit {SHA_0}

## 0.0.1 — 2026-09-01
"""


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fixed identity, no signing and none of the user's git configuration."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = release test\n\temail = release@localhost\n"
        "[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "template"
    path.mkdir()
    git(path, "init", "--quiet")
    (path / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    (path / "copier.yml").write_text("_subdirectory: template\n", encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "--quiet", "-m", "start")
    return path


# -- reading CHANGELOG.md -----------------------------------------------------------------------


def test_release_commits_maps_versions_to_the_commits_their_headings_name() -> None:
    assert release_commits(CHANGELOG) == {"0.1.0": SHA_1, "0.0.9": SHA_0}


def test_previous_release_is_the_first_release_after_unreleased() -> None:
    assert previous_release(CHANGELOG) == Release("0.1.0", "2026-11-23", SHA_1)
    assert previous_release("# Changelog\n\n## Unreleased\n\n- first notes\n") is None


def test_the_real_changelog_names_the_commit_of_0_1_0() -> None:
    text = (Path(__file__).resolve().parents[1] / "CHANGELOG.md").read_text(encoding="utf-8")
    assert release_commits(text)["0.1.0"] == SHA_1, "the newest release heading must end with ' — commit <full sha>'"
    newest = previous_release(text)
    assert newest is not None
    assert newest.commit is not None, "the newest release heading must end with ' — commit <full sha>'"


@pytest.mark.parametrize("text", ["0.2", "v0.2.0", "0.2.0-rc1", "01.2.3", "0.2.0.1", ""])
def test_malformed_versions_are_refused(text: str) -> None:
    with pytest.raises(ReleaseError, match=r"is not a MAJOR\.MINOR\.PATCH version"):
        parse_version(text)


# -- releasing ----------------------------------------------------------------------------------


def test_release_commits_tags_and_records_the_commit(repo: Path) -> None:
    start = git(repo, "rev-parse", "HEAD").strip()

    release(repo, "0.2.0", date="2026-12-01")

    subjects = git(repo, "log", "--format=%s", f"{start}..HEAD").splitlines()
    tagged = git(repo, "rev-parse", "v0.2.0^{commit}").strip()
    assert subjects == [f"CHANGELOG: 0.2.0 is commit {tagged[:7]}", "Release 0.2.0"]
    assert git(repo, "cat-file", "-t", "v0.2.0").strip() == "tag"  # annotated
    assert git(repo, "rev-parse", "HEAD~1").strip() == tagged
    # The tagged commit's CHANGELOG has the release heading and no Unreleased section.
    at_tag = git(repo, "show", "v0.2.0:CHANGELOG.md")
    assert "## 0.2.0 — 2026-12-01\n\n### Releases and updates" in at_tag
    assert "## Unreleased" not in at_tag
    # HEAD's names the commit, under a new empty Unreleased section, in the 0.1.0 heading's format.
    text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"Intro.\n\n## Unreleased\n\n## 0.2.0 — 2026-12-01 — commit {tagged}\n\n### Releases" in text
    assert release_commits(text)["0.2.0"] == tagged
    assert previous_release(text) == Release("0.2.0", "2026-12-01", tagged)
    assert releases(text)[1:] == releases(CHANGELOG)
    assert git(repo, "status", "--porcelain") == ""


def test_dry_run_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = git(repo, "rev-parse", "HEAD")

    assert main(["0.2.0", "--dry-run", "--date", "2026-12-01", "--repo", str(repo)]) == 0

    printed = capsys.readouterr().out
    assert "would do: CHANGELOG.md: '## Unreleased' -> '## 0.2.0 — 2026-12-01'" in printed
    assert "would do: git tag -a v0.2.0" in printed
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "tag", "--list") == ""
    assert (repo / "CHANGELOG.md").read_text(encoding="utf-8") == CHANGELOG


def refusal(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    head = git(repo, "rev-parse", "HEAD")
    assert main([*args, "--repo", str(repo)]) == 1
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "tag", "--list") == ""
    error = capsys.readouterr().err
    assert error.count("\n") == 1, f"not one line: {error!r}"
    return error


def test_a_dirty_tree_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "copier.yml").write_text("_subdirectory: other\n", encoding="utf-8")
    assert "the working tree is not clean: M copier.yml" in refusal(repo, capsys, "0.2.0")


def test_an_untracked_file_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "forgotten.py").write_text("", encoding="utf-8")
    assert "the working tree is not clean: ?? forgotten.py" in refusal(repo, capsys, "0.2.0")


@pytest.mark.parametrize("version", ["0.1.0", "0.0.10", "0.0.9"])
def test_a_version_not_above_the_newest_release_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    expected = f"release refused: {version} is not greater than the newest release in CHANGELOG.md, 0.1.0"
    assert refusal(repo, capsys, version).strip() == expected


def test_a_malformed_version_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "'v0.2.0' is not a MAJOR.MINOR.PATCH version" in refusal(repo, capsys, "v0.2.0")


def test_an_empty_unreleased_section_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = CHANGELOG.replace("### Releases and updates\n\n- A release procedure.\n\n", "")
    (repo / "CHANGELOG.md").write_text(text, encoding="utf-8")
    git(repo, "commit", "--quiet", "-am", "notes moved")
    assert "'## Unreleased' in CHANGELOG.md is empty" in refusal(repo, capsys, "0.2.0")


def test_a_changelog_without_unreleased_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "CHANGELOG.md").write_text(CHANGELOG.replace("## Unreleased", "## Next"), encoding="utf-8")
    git(repo, "commit", "--quiet", "-am", "renamed")
    assert "CHANGELOG.md has no '## Unreleased' heading" in refusal(repo, capsys, "0.2.0")


def test_an_existing_tag_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "tag", "v0.2.0")
    head = git(repo, "rev-parse", "HEAD")
    assert main(["0.2.0", "--repo", str(repo)]) == 1
    assert "tag v0.2.0 already exists" in capsys.readouterr().err
    assert git(repo, "rev-parse", "HEAD") == head


def test_the_nox_session_runs_the_module() -> None:
    noxfile = (Path(__file__).resolve().parents[1] / "noxfile.py").read_text(encoding="utf-8")
    assert '"-m", "tests.release"' in noxfile
