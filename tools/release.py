"""Releases of msf-scaffold: tags from the version history, and preparing the next release.

A release is the commit that sets a new version in ``src/msf_scaffold/_version.py``; its tag is
``v<version>``, annotated. Releases made before this tool bumped the version first and released
later: CHANGELOG.md names their release commit (``## 0.7.0 (commit c68540f)``), and that commit,
which must hold the same version, is the release. ``tags`` creates the tag of every release that
has none (an existing tag is never moved); ``prepare VERSION`` bumps the version and turns
CHANGELOG.md's ``## Unreleased`` section into ``## VERSION``. See docs/releasing.md.

    python tools/release.py tags [--repo DIR]
    python tools/release.py prepare 0.9.0 [--repo DIR]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = "src/msf_scaffold/_version.py"
CHANGELOG = "CHANGELOG.md"
_VERSION_LINE = re.compile(r'^__version__ = "(?P<version>[^"]+)"$', re.MULTILINE)
_UNRELEASED = re.compile(r"^## Unreleased[ \t]*$", re.MULTILINE)
_NAMED_COMMIT = re.compile(r"^## (?P<version>\S+) \(commit (?P<commit>[0-9a-f]{7,40})\)[ \t]*$", re.MULTILINE)


class ReleaseError(Exception):
    """A release step refused; the message says why and what to do."""


@dataclass(frozen=True)
class Release:
    """A version and the commit that set it."""

    version: str
    commit: str

    @property
    def tag(self) -> str:
        """The release's git tag."""
        return f"v{self.version}"


def _git(repo: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed in {repo}: {result.stderr.strip()}")
    return result.stdout


def _version_in(text: str, where: str) -> str:
    match = _VERSION_LINE.search(text)
    if match is None:
        raise ReleaseError(f'{where} has no line `__version__ = "x.y.z"`')
    return match.group("version")


def _version_at(repo: Path, commit: str) -> str | None:
    shown = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{VERSION_FILE}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return _version_in(shown.stdout, f"{VERSION_FILE} at {commit[:7]}") if shown.returncode == 0 else None


def named_commits(repo: Path = ROOT) -> dict[str, str]:
    """The release commits CHANGELOG.md names (``## x.y.z (commit <sha>)``), by version."""
    path = repo / CHANGELOG
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return {match["version"]: match["commit"] for match in _NAMED_COMMIT.finditer(text)}


def releases(repo: Path = ROOT) -> list[Release]:
    """Every release in the history of ``repo``, oldest first.

    The commit that first holds each version, unless CHANGELOG.md names the release commit.
    """
    commits = _git(repo, "log", "--reverse", "--topo-order", "--format=%H", "--", VERSION_FILE).split()
    found: dict[str, Release] = {}
    for commit in commits:
        version = _version_at(repo, commit)
        if version is not None:  # None: the commit deleted the file
            found.setdefault(version, Release(version, commit))
    for version, named in named_commits(repo).items():
        if version not in found:
            continue
        commit = _git(repo, "rev-parse", "--verify", "-q", f"{named}^{{commit}}", check=False).strip()
        if not commit or _version_at(repo, commit) != version:
            raise ReleaseError(
                f"{CHANGELOG} names commit {named} for {version}, but that commit "
                f"{'does not exist' if not commit else 'does not hold that version'}; correct the heading"
            )
        found[version] = Release(version, commit)
    return list(found.values())


def tag_commit(repo: Path, tag: str) -> str | None:
    """The commit ``tag`` points to, or None when there is no such tag."""
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "-q", f"refs/tags/{tag}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def create_tags(repo: Path = ROOT) -> list[str]:
    """Creates the annotated tag of every release that has none; returns what was done, one line each.

    An existing tag is left where it is, even when it names another commit (the line says so).
    """
    report = []
    for release in releases(repo):
        existing = tag_commit(repo, release.tag)
        if existing is None:
            _git(repo, "tag", "-a", release.tag, "-m", f"msf-scaffold {release.version}", release.commit)
            report.append(f"created {release.tag} at {release.commit[:7]}")
        elif existing == release.commit:
            report.append(f"kept {release.tag} at {release.commit[:7]}")
        else:
            report.append(
                f"kept {release.tag} at {existing[:7]}, not moved to {release.commit[:7]} (the commit "
                f"that set {release.version}); delete the tag first to move it"
            )
    return report


def _release_version(version: str, current: str) -> str:
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise ReleaseError(f"VERSION={version!r} is not a version; give one like VERSION=1.2.3") from None
    if str(parsed) != version or len(parsed.release) != 3 or parsed.is_prerelease or parsed.is_postrelease:
        raise ReleaseError(f"VERSION={version} must be a release version x.y.z, like 1.2.3")
    if parsed <= Version(current):
        raise ReleaseError(f"VERSION={version} must be greater than the current version {current}")
    return version


def prepare_release(version: str, repo: Path = ROOT) -> list[str]:
    """Bumps the version to ``version`` and moves CHANGELOG's Unreleased section under it.

    Nothing is written unless every check passes: a clean work tree, a release version greater than
    the current one, a non-empty ``## Unreleased`` section. Nothing is committed.
    """
    dirty = _git(repo, "status", "--porcelain").splitlines()
    if dirty:
        listed = ", ".join(line[3:] for line in dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise ReleaseError(
            f"the work tree has uncommitted changes ({listed}); commit or stash them, then prepare the "
            "release from a clean tree"
        )
    version_path, changelog_path = repo / VERSION_FILE, repo / CHANGELOG
    version_text = version_path.read_text(encoding="utf-8")
    current = _version_in(version_text, VERSION_FILE)
    _release_version(version, current)
    changelog = changelog_path.read_text(encoding="utf-8")
    heading = _UNRELEASED.search(changelog)
    if heading is None:
        raise ReleaseError(
            f"{CHANGELOG} has no `## Unreleased` section; write the release notes under "
            "`## Unreleased` above the newest release first"
        )
    body = re.split(r"^## ", changelog[heading.end() :], maxsplit=1, flags=re.MULTILINE)[0]
    if not body.strip():
        raise ReleaseError(
            f"the `## Unreleased` section of {CHANGELOG} is empty; write the release notes first"
        )
    new_version_text = _VERSION_LINE.sub(f'__version__ = "{version}"', version_text, count=1)
    new_changelog = changelog[: heading.start()] + f"## {version}" + changelog[heading.end() :]
    version_path.write_text(new_version_text, encoding="utf-8")
    changelog_path.write_text(new_changelog, encoding="utf-8")
    return [
        f"{VERSION_FILE}: {current} -> {version}",
        f"{CHANGELOG}: `## Unreleased` is now `## {version}`",
        f'next: review, commit ("Release {version}") and push to main; the release workflow tags '
        f"v{version} and publishes to PyPI",
    ]


def main(argv: list[str] | None = None) -> int:
    """Runs the command of ``argv``; returns the exit code (2 when a step refused)."""
    parser = argparse.ArgumentParser(prog="release.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    tags = commands.add_parser("tags", help="create the missing v<version> tags from the version history")
    tags.add_argument("--repo", type=Path, default=ROOT)
    prepare = commands.add_parser("prepare", help="bump the version and name the Unreleased section")
    prepare.add_argument("version", nargs="?", default="")
    prepare.add_argument("--repo", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    try:
        if args.command == "tags":
            lines = create_tags(args.repo)
            created = sum(line.startswith("created ") for line in lines)
            lines.append(f"{created} tag(s) created, {len(lines) - created} already there")
        else:
            if not args.version:
                raise ReleaseError("give the new version: make release VERSION=x.y.z")
            lines = prepare_release(args.version, args.repo)
    except ReleaseError as error:
        unchanged = " Nothing was changed." if args.command == "prepare" else ""
        print(f"release: error: {error}.{unchanged}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
