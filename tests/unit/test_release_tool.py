"""tools/release.py on a clone of this repository: tags from the version history, the next release."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version
from tools.release import CHANGELOG, VERSION_FILE, main, named_commits, releases

from msf_scaffold._version import __version__
from tests.helpers import ROOT


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of this repository's history, with a committer identity and no tags."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(ROOT), str(repo)], check=True, capture_output=True)
    for tag in _git(repo, "tag").split():
        _git(repo, "tag", "-d", tag)
    _git(repo, "config", "user.name", "release test")
    _git(repo, "config", "user.email", "release@localhost")
    return repo


def _tags(repo: Path) -> dict[str, str]:
    """Tag -> commit, for the annotated tags only (a lightweight tag is not a release tag)."""
    lines = _git(repo, "for-each-ref", "--format=%(refname:short) %(objecttype) %(*objectname)", "refs/tags")
    return {
        tag: commit for tag, kind, commit in (line.split() for line in lines.splitlines()) if kind == "tag"
    }


def _holds(repo: Path, commit: str, version: str) -> bool:
    """Whether _version.py at ``commit`` sets ``version``."""
    text = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{VERSION_FILE}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return f'__version__ = "{version}"' in text


def test_tags_are_created_at_the_release_commits_then_nothing_more(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changelog = (clone / CHANGELOG).read_text()
    listed = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, re.MULTILINE)
    named = dict(re.findall(r"^## (\S+) \(commit ([0-9a-f]+)\)$", changelog, re.MULTILINE))
    assert __version__ in listed and len(listed) >= 2

    assert main(["tags", "--repo", str(clone)]) == 0

    tags = _tags(clone)
    # Every release CHANGELOG lists is tagged, and nothing else.
    assert set(tags) == {f"v{version}" for version in listed}
    for version in listed:
        commit = tags[f"v{version}"]
        assert _holds(clone, commit, version)
        if version in named:
            # A release made before the tool: the commit CHANGELOG names.
            assert commit == _git(clone, "rev-parse", named[version])
        else:
            # Otherwise the commit that set the version: its parent holds another one.
            assert not _holds(clone, f"{commit}^", version)
    # A release the history fixes: 0.5.0 is the commit that set it, which CHANGELOG also names.
    assert tags["v0.5.0"].startswith("5ee1c45")
    expected = listed
    first = capsys.readouterr().out
    assert f"{len(expected)} tag(s) created, 0 already there" in first

    objects = {tag: _git(clone, "rev-parse", f"refs/tags/{tag}") for tag in _tags(clone)}
    assert main(["tags", "--repo", str(clone)]) == 0
    second = capsys.readouterr().out
    assert f"0 tag(s) created, {len(expected)} already there" in second
    assert not re.search(r"^created ", second, re.MULTILINE)
    assert {tag: _git(clone, "rev-parse", f"refs/tags/{tag}") for tag in _tags(clone)} == objects


def test_an_existing_tag_is_never_moved(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    oldest = releases(clone)[0]
    elsewhere = _git(clone, "rev-parse", "HEAD")
    _git(clone, "tag", "-a", oldest.tag, "-m", "placed by hand", elsewhere)

    assert main(["tags", "--repo", str(clone)]) == 0

    assert _tags(clone)[oldest.tag] == elsewhere
    out = capsys.readouterr().out
    assert f"kept {oldest.tag} at {elsewhere[:7]}, not moved to {oldest.commit[:7]}" in out
    assert f"created {oldest.tag}" not in out


def test_the_changelog_names_the_commits_of_releases_made_before_the_tool() -> None:
    named = named_commits(ROOT)
    assert named, "CHANGELOG.md names release commits"
    by_version = {release.version: release.commit for release in releases(ROOT)}
    for version, commit in named.items():
        assert by_version[version].startswith(commit)


def _prepare(clone: Path, unreleased: str | None) -> None:
    """Replaces the Unreleased section with ``unreleased`` (None: no section) and commits it."""
    changelog = clone / CHANGELOG
    text = re.sub(r"^## Unreleased\n.*?(?=^## )", "", changelog.read_text(), flags=re.MULTILINE | re.DOTALL)
    if unreleased is not None:
        first = text.index("\n## ") + 1
        text = f"{text[:first]}## Unreleased\n\n{unreleased}{text[first:]}"
    changelog.write_text(text)
    _git(clone, "commit", "-qam", "notes", "--allow-empty")


def test_release_bumps_the_version_and_names_the_section(clone: Path) -> None:
    _prepare(clone, "### Added\n- Something new.\n\n")
    before = (clone / CHANGELOG).read_text()
    current = Version(__version__)
    following = f"{current.major}.{current.minor + 1}.0"

    assert main(["prepare", following, "--repo", str(clone)]) == 0

    assert f'__version__ = "{following}"' in (clone / VERSION_FILE).read_text()
    after = (clone / CHANGELOG).read_text()
    assert "## Unreleased" not in after
    assert after == before.replace("## Unreleased\n", f"## {following}\n", 1)
    headings = re.findall(r"^## (\S+)", after, re.MULTILINE)
    assert headings[:2] == [following, __version__]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("", "give the new version: make release VERSION=x.y.z"),
        ("next", "VERSION='next' is not a version"),
        ("1.0", "must be a release version x.y.z"),
        ("9.0.0rc1", "must be a release version x.y.z"),
        (__version__, f"must be greater than the current version {__version__}"),
        ("0.0.1", f"must be greater than the current version {__version__}"),
    ],
)
def test_release_refuses_a_bad_version(
    clone: Path, capsys: pytest.CaptureFixture[str], version: str, message: str
) -> None:
    _prepare(clone, "### Added\n- Something new.\n\n")
    before = {path: (clone / path).read_text() for path in (VERSION_FILE, CHANGELOG)}

    assert main(["prepare", version, "--repo", str(clone)]) == 2

    assert message in capsys.readouterr().err
    assert {path: (clone / path).read_text() for path in before} == before


@pytest.mark.parametrize(
    ("unreleased", "dirty", "message"),
    [
        (None, False, "CHANGELOG.md has no `## Unreleased` section"),
        ("", False, "the `## Unreleased` section of CHANGELOG.md is empty"),
        ("### Added\n- Something new.\n\n", True, "the work tree has uncommitted changes (notes.txt)"),
    ],
)
def test_release_refuses_without_notes_or_on_a_dirty_tree(
    clone: Path, capsys: pytest.CaptureFixture[str], unreleased: str | None, dirty: bool, message: str
) -> None:
    _prepare(clone, unreleased)
    if dirty:
        (clone / "notes.txt").write_text("not committed\n")
    before = {path: (clone / path).read_text() for path in (VERSION_FILE, CHANGELOG)}

    assert main(["prepare", "99.0.0", "--repo", str(clone)]) == 2

    err = capsys.readouterr().err
    assert message in err and "Nothing was changed." in err
    assert {path: (clone / path).read_text() for path in before} == before
