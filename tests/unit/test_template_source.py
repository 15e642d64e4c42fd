"""Which template location and git ref the CLI renders, so that projects stay updatable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from msf_scaffold import template_source
from msf_scaffold._version import __version__
from msf_scaffold.template_source import (
    TEMPLATE_ENV,
    TEMPLATE_URL,
    TEMPLATE_URL_ENV,
    canonical_url,
    package_checkout,
    resolve_template,
)


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
    assert resolve_template().release == f"v{__version__}"
    (repo / "template" / "new.txt").write_text("next release\n")
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    for command in (["add", "-A"], [*identity, "commit", "-qm", "after the release"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, capture_output=True)
    assert (resolve_template().ref, resolve_template().release, resolve_template().own) == (
        "HEAD",
        None,
        True,
    )
    assert resolve_template(ref=f"v{__version__}").release == f"v{__version__}"


def test_an_explicit_template_is_recorded_as_given(tmp_path: Path) -> None:
    source = resolve_template(str(_repo(tmp_path / "t", tag=f"v{__version__}")))
    assert (source.own, source.release) == (False, None)


def test_the_canonical_url_comes_from_the_environment_then_the_organisation_then_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TEMPLATE_URL_ENV, raising=False)
    organisation = "https://git.example.com/mirrors/msf-scaffold.git"
    assert canonical_url() == TEMPLATE_URL
    assert canonical_url(organisation) == organisation
    monkeypatch.setenv(TEMPLATE_URL_ENV, "git://127.0.0.1:9418/msf-scaffold")
    assert canonical_url(organisation) == "git://127.0.0.1:9418/msf-scaffold"
