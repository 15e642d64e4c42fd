"""Which template location and git ref the CLI renders, so that projects stay updatable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from msf_scaffold import template_source
from msf_scaffold._version import __version__
from msf_scaffold.template_source import TEMPLATE_ENV, package_checkout, resolve_template


def _repo(path: Path, *, tag: str | None = None) -> Path:
    path.mkdir()
    (path / "copier.yml").write_text("_subdirectory: template\n")
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["init", "-q"], ["add", "-A"], [*identity, "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(path), *command], check=True, capture_output=True)
    if tag:
        subprocess.run(["git", "-C", str(path), "tag", tag], check=True)
    return path


def test_a_git_template_with_this_versions_tag_renders_the_tag(tmp_path: Path) -> None:
    source = resolve_template(str(_repo(tmp_path / "t", tag=f"v{__version__}")))
    assert (source.ref, source.updatable) == (f"v{__version__}", True)


def test_a_git_template_without_the_tag_renders_head(tmp_path: Path) -> None:
    source = resolve_template(str(_repo(tmp_path / "t", tag="v0.0.1")))
    assert (source.ref, source.updatable) == ("HEAD", True)


def test_an_explicit_ref_wins(tmp_path: Path) -> None:
    assert resolve_template(str(_repo(tmp_path / "t")), "v9").ref == "v9"


def test_a_plain_directory_is_not_updatable(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text("")
    source = resolve_template(str(tmp_path))
    assert (source.ref, source.updatable) == (None, False)


def test_a_url_is_left_to_copier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEMPLATE_ENV, "https://example.invalid/msf-scaffold.git")
    source = resolve_template()
    assert (source.location, source.ref, source.updatable) == (
        "https://example.invalid/msf-scaffold.git",
        None,
        True,
    )


def test_the_development_checkout_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TEMPLATE_ENV, raising=False)
    checkout = package_checkout()
    assert checkout is not None
    assert resolve_template().location == str(checkout)


def test_the_development_checkout_renders_head_once_it_moves_past_the_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path / "t", tag=f"v{__version__}")
    (repo / "template").mkdir()
    monkeypatch.delenv(TEMPLATE_ENV, raising=False)
    monkeypatch.setattr(template_source, "package_checkout", lambda: repo)
    assert resolve_template().ref == f"v{__version__}"
    (repo / "template" / "new.txt").write_text("next release\n")
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["add", "-A"], [*identity, "commit", "-qm", "after the release"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, capture_output=True)
    assert resolve_template().ref == "HEAD"
