"""Migration notes are read from the template's CHANGELOG.md, in a local repository or over a URL."""

from __future__ import annotations

import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from msf_scaffold.errors import ToolError
from msf_scaffold.update import migration_notes

CHANGELOG = (
    "# Changelog\n\n## 0.3.0\n\n### Migration notes\n- Rename the stream.\n\n"
    "## 0.2.0\n\n### Changed\n- log4j\n\n### Migration notes\n- Rebuild with JDK 17.\n\n"
    "## 0.1.0\n\n### Migration notes\n- old\n"
)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory temporary files go to, so that the test sees what is left there."""
    directory = tmp_path / "scratch"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _template(path: Path) -> Path:
    path.mkdir()
    (path / "CHANGELOG.md").write_text(CHANGELOG)
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", "x"], ["tag", "v0.3.0"]):
        subprocess.run(["git", "-C", str(path), *command], check=True, capture_output=True)
    return path


def test_notes_of_the_releases_after_the_projects_come_from_a_local_repository(tmp_path: Path) -> None:
    repo = _template(tmp_path / "template")
    notes = migration_notes(str(repo), "v0.1.0", "v0.3.0")
    assert notes == {"0.2.0": "- Rebuild with JDK 17.", "0.3.0": "- Rename the stream."}


def test_notes_come_over_a_url_through_a_temporary_repository_that_is_removed(
    tmp_path: Path, scratch: Path
) -> None:
    repo = _template(tmp_path / "template")
    notes = migration_notes(repo.as_uri(), "v0.2.0", "v0.3.0")
    assert notes == {"0.3.0": "- Rename the stream."}
    assert list(scratch.iterdir()) == []


def test_an_unreachable_url_raises_a_tool_error_and_leaves_nothing(scratch: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"git://127.0.0.1:{port}/msf-scaffold.git"
    with pytest.raises(
        ToolError, match=rf"CHANGELOG.md of v0.3.0 from {url}: git failed: .*unable to connect"
    ):
        migration_notes(url, "v0.2.0", "v0.3.0")
    assert list(scratch.iterdir()) == []


def test_nothing_is_fetched_when_there_is_no_newer_release_or_no_version() -> None:
    unreachable = "git://127.0.0.1:1/msf-scaffold.git"
    assert migration_notes(unreachable, "v0.3.0", "v0.3.0") == {}
    assert migration_notes(unreachable, "v0.3.0-2-gabcdef0", "v0.3.0") == {}
