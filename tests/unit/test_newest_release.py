"""A local template's newest release, named when the CLI renders another one than plain copier."""

from __future__ import annotations

import subprocess
from pathlib import Path

from msf_scaffold._version import __version__
from msf_scaffold.template_source import newest_release, resolve_template

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@localhost"]


def _repo(path: Path, *tags: str) -> Path:
    path.mkdir()
    (path / "copier.yml").write_text("_subdirectory: template\n")
    for command in (["init", "-q"], ["add", "-A"], [*IDENTITY, "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(path), *command], check=True, capture_output=True)
    for tag in tags:
        subprocess.run(["git", "-C", str(path), "tag", tag], check=True)
    return path


def test_the_newest_release_is_the_greatest_version_tag_without_pre_releases(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "t", "v0.9.0", "v0.10.0", "v0.11.0rc1", "nightly", "v0.2.0")
    assert newest_release(repo) == "v0.10.0"


def test_a_repository_without_release_tags_has_no_newest_release(tmp_path: Path) -> None:
    assert newest_release(_repo(tmp_path / "t", "nightly")) is None


def test_the_cli_renders_its_own_release_and_names_a_newer_one(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "t", f"v{__version__}", "v99.0.0")
    source = resolve_template(str(repo))
    assert (source.ref, source.newest) == (f"v{__version__}", "v99.0.0")


def test_without_its_own_release_the_cli_renders_head_and_names_the_newest(tmp_path: Path) -> None:
    source = resolve_template(str(_repo(tmp_path / "t", "v0.0.1")))
    assert (source.ref, source.newest) == ("HEAD", "v0.0.1")


def test_nothing_is_named_when_the_choices_agree_or_the_ref_was_given(tmp_path: Path) -> None:
    own = _repo(tmp_path / "own", "v0.0.1", f"v{__version__}")
    assert resolve_template(str(own)).newest is None
    newer = _repo(tmp_path / "newer", f"v{__version__}", "v99.0.0")
    assert resolve_template(str(newer), f"v{__version__}").newest is None
    assert resolve_template(str(_repo(tmp_path / "untagged"))).newest is None
