"""`msf-scaffold new --template <repository>` renders its own release and names a newer one.

Plain `copier copy` renders the repository's newest release tag; the CLI renders the release of
its own version, whose questions and checks it knows, and says which newer release exists.
"""

from __future__ import annotations

from pathlib import Path

import copier
import pytest
from packaging.version import Version

from msf_scaffold._version import __version__
from msf_scaffold.cli import main
from msf_scaffold.template_source import TEMPLATE_ENV
from tests.helpers import answers_file, git, snapshot_template


@pytest.fixture
def two_releases(tmp_path: Path) -> tuple[Path, str, str]:
    """A template repository with this version's release and the next patch release."""
    repo = snapshot_template(tmp_path / "msf-scaffold")
    own = f"v{__version__}"
    git(repo, "tag", "-a", own, "-m", own)
    current = Version(__version__)
    newer = f"v{current.major}.{current.minor}.{current.micro + 1}"
    gitignore = repo / "template" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# added by the next release\n")
    git(repo, "commit", "-qam", "next release")
    git(repo, "tag", "-a", newer, "-m", newer)
    return repo, own, newer


def test_the_cli_renders_its_own_release_says_which_is_newer_and_copier_takes_the_newest(
    tmp_path: Path,
    two_releases: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, own, newer = two_releases
    monkeypatch.delenv(TEMPLATE_ENV, raising=False)
    monkeypatch.delenv("MSF_SCAFFOLD_ORG_DEFAULTS", raising=False)

    code = main(
        [
            "new",
            str(tmp_path / "cli"),
            "--defaults",
            "--no-git",
            "--preset",
            "local-demo",
            "--template",
            str(repo),
        ]
    )

    assert code == 0
    out = capsys.readouterr().out
    assert answers_file(tmp_path / "cli")["_commit"] == own
    [note] = [line for line in out.splitlines() if "newest release" in line]
    assert f"rendered {own} (the release of msf-scaffold {__version__}" in note
    assert f"the template's newest release is {newer}, which plain `copier copy` renders" in note
    assert f"--vcs-ref {newer}" in note

    copier.run_copy(
        str(repo),
        tmp_path / "plain",
        defaults=True,
        quiet=True,
        unsafe=False,
        data={"source": "datagen", "sinks": ["print"]},
    )
    assert answers_file(tmp_path / "plain")["_commit"] == newer
