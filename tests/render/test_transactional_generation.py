"""Where generation may write, and what it leaves when another run or a killed run got there first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from msf_scaffold import scratch
from msf_scaffold.cli import main
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from msf_scaffold.template_source import package_checkout
from tests.helpers import snapshot_template

HOST = scratch.owner_tag().split("-", 1)[1]  # a staging folder's name: <prefix><pid>-<host>-<random>


@pytest.fixture(autouse=True)
def _private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR of these runs: a folder of the test, so that leftovers there are seen."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def test_a_destination_inside_a_local_template_checkout_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = snapshot_template(tmp_path / "checkout")
    before = sorted(str(p) for p in checkout.rglob("*") if ".git" not in p.parts)
    for destination in (checkout / "app", checkout / "template" / "app", checkout / "other" / "app"):
        with pytest.raises(UserError) as error:
            generate(destination, template=str(checkout), defaults=True, git=False)
        assert str(error.value) == (
            f"destination {destination} is inside the template checkout {checkout}: the project would "
            "become part of the template, and later generations would fail or copy it into every new "
            f"project. Choose a directory outside {checkout}, e.g. {checkout.parent / 'app'}, or one git "
            "ignores there. Nothing was written."
        )
    assert sorted(str(p) for p in checkout.rglob("*") if ".git" not in p.parts) == before

    assert main(["new", str(checkout / "app"), "--template", str(checkout), "--defaults", "--no-git"]) == 2
    assert f"is inside the template checkout {checkout}: " in capsys.readouterr().err
    assert not (checkout / "app").exists()

    # A folder git ignores (build/ in .gitignore) stays out of the template's clone: allowed.
    result = generate(checkout / "build" / "app", template=str(checkout), defaults=True, git=False)
    assert (result.destination / "pom.xml").is_file()
    assert (
        subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout
        == ""
    )


def test_a_destination_inside_msf_scaffolds_own_checkout_is_refused(tmp_path: Path) -> None:
    checkout = package_checkout()
    assert checkout is not None, "the tests run from a checkout"
    destination = checkout / "refused-project-of-a-test"
    try:
        with pytest.raises(UserError, match=f"is inside the template checkout {checkout}: "):
            generate(destination, defaults=True, git=False)
        assert not destination.exists()
    finally:
        shutil.rmtree(destination, ignore_errors=True)


def test_an_existing_empty_directory_is_filled_in_place(tmp_path: Path) -> None:
    """A mount point cannot be replaced; the directory keeps its identity and permissions."""
    destination = tmp_path / "app"
    destination.mkdir(mode=0o750)
    before = destination.stat()
    result = generate(destination, defaults=True)
    after = destination.stat()
    assert (after.st_ino, after.st_dev, after.st_mode) == (before.st_ino, before.st_dev, before.st_mode)
    assert (result.destination / "pom.xml").is_file()
    assert result.git_commit is not None
    assert not any(p.name.startswith(scratch.STAGING_PREFIX) for p in destination.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "tmp"]


TAKEN = (
    "destination {} was created or filled by another run while this one was generating; this run "
    "wrote nothing. Choose another directory, or use the project the other run made."
)


def test_the_run_that_finishes_second_says_another_run_created_the_destination(tmp_path: Path) -> None:
    """The other run is a real one, started and finished while this one waits at its confirmation."""
    destination = tmp_path / "app"

    def other_run_finishes_first(answers: dict[str, object]) -> bool:
        generate(destination, data={"project_name": "Other"}, defaults=True, git=False)
        return True

    with pytest.raises(UserError) as error:
        generate(destination, defaults=True, git=False, confirm=other_run_finishes_first)
    assert str(error.value) == TAKEN.format(destination)
    assert "project_name: Other" in (destination / ".copier-answers.yml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "tmp"]
    assert not any(p.name.startswith(scratch.STAGING_PREFIX) for p in destination.iterdir())
    assert list((tmp_path / "tmp").iterdir()) == []


def test_an_empty_destination_is_claimed_by_the_first_run_and_checked_again_before_filling(
    tmp_path: Path,
) -> None:
    """A run that starts while another fills the empty directory is refused at once; a file that
    appears there meanwhile stops the filling."""
    destination = tmp_path / "app"
    destination.mkdir()

    def second_run_and_a_file(answers: dict[str, object]) -> bool:
        with pytest.raises(
            UserError, match=rf"another msf-scaffold run \(process {os.getpid()}\) is generating"
        ):
            generate(destination, defaults=True, git=False)
        (destination / "notes.txt").write_text("written meanwhile")
        return True

    with pytest.raises(UserError) as error:
        generate(destination, defaults=True, git=False, confirm=second_run_and_a_file)
    assert str(error.value) == TAKEN.format(destination)
    assert [p.name for p in destination.iterdir()] == ["notes.txt"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_two_runs_at_once_give_one_project_and_one_clear_message(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "msf_scaffold", "new", "app", "--defaults", "--no-git"]
    environment = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=environment, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = sorted((run.wait(), run.communicate()[1]) for run in runs)
    assert [code for code, _ in results] == [0, 2], results
    loser = results[1][1]
    assert "Traceback" not in loser
    clear = (
        "was created or filled by another run while this one was generating",
        "is generating a project into",
        "is not empty; choose a new directory",
    )
    assert any(message in loser for message in clear), loser
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "tmp"]
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_run_generating_into_the_empty_destination_is_named(tmp_path: Path) -> None:
    destination = tmp_path / "app"
    destination.mkdir()
    with subprocess.Popen(["sleep", "60"]) as other:
        try:
            (destination / f"{scratch.STAGING_PREFIX}{other.pid}-{HOST}-abcd1234").mkdir()
            with pytest.raises(
                UserError, match=f"another msf-scaffold run \\(process {other.pid}\\) is generating"
            ):
                generate(destination, defaults=True, git=False)
        finally:
            other.kill()


def test_the_next_run_removes_only_the_folders_of_runs_that_are_gone(
    tmp_path: Path, _private_temp: Path
) -> None:
    host = HOST
    dead = subprocess.Popen(["true"])  # a process that has ended: its PID names no process
    dead.wait()
    with subprocess.Popen(["sleep", "60"]) as alive:
        try:
            stale = [
                tmp_path / f"{scratch.STAGING_PREFIX}{dead.pid}-{host}-abcd1234",
                _private_temp / f"{scratch.TEMP_PREFIX}{dead.pid}-{host}-abcd1234",
            ]
            kept = [
                tmp_path / f"{scratch.STAGING_PREFIX}{alive.pid}-{host}-abcd1234",
                tmp_path / f"{scratch.STAGING_PREFIX}{dead.pid}-another-host-abcd1234",
                _private_temp / f"{scratch.TEMP_PREFIX}changelog-abcd1234",
            ]
            for folder in stale + kept:
                (folder / "copier._vcs.clone.x").mkdir(parents=True)
            generate(tmp_path / "app", defaults=True, git=False)
            assert [folder for folder in stale + kept if folder.exists()] == kept
        finally:
            alive.kill()
