"""tools/system-packages.sh: the Debian packages `make demo` and `make test` need, found by their commands.

The script runs for real with a PATH of stub commands; its apt-get is a stub that records any call,
so nothing is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT

SCRIPT = ROOT / "tools" / "system-packages.sh"
BASH = shutil.which("bash") or "/bin/bash"
INSTALL = "sudo apt-get update && sudo apt-get install -y "
BOTH = ["git", "make", "python3", "java", "javac", "node", "npm"]
TEST_ONLY = ["mvn", "go", "mariadbd", "chromium", "chromedriver"]
NOBODY = 65534
#: Debian packages of the stubs the tests leave out: JDK, Node.js and npm; then the test tiers' own.
DEMO_PACKAGES = ["openjdk-17-jdk-headless", "nodejs", "npm"]
TEST_PACKAGES = ["maven", "golang-go", "postgresql", "mariadb-server", "chromium", "chromium-driver"]


@pytest.fixture
def machine() -> Iterator[Path]:
    """A directory that an unprivileged user may read, and its stub programs in ``bin``."""
    # Not pytest's tmp_path, which only its owner may enter: the script runs as nobody under root.
    directory = Path(tempfile.mkdtemp(prefix="system-packages-"))
    directory.chmod(0o777)
    (directory / "bin").mkdir(mode=0o755)
    (directory / "postgresql").mkdir(mode=0o755)
    yield directory
    shutil.rmtree(directory)


def _stub(machine: Path, *commands: str) -> None:
    for command in commands:
        program = machine / "bin" / command
        program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        program.chmod(0o755)
    # An apt-get that only records that it was called.
    apt_get = machine / "bin" / "apt-get"
    apt_get.write_text(f'#!/bin/sh\necho "$@" >> {machine / "apt-get.log"}\n', encoding="utf-8")
    apt_get.chmod(0o755)


def _postgresql_server(machine: Path) -> None:
    initdb = machine / "postgresql" / "16" / "bin" / "initdb"
    initdb.parent.mkdir(parents=True)
    initdb.write_text("#!/bin/sh\n", encoding="utf-8")
    initdb.chmod(0o755)


def _run(machine: Path, purpose: str, *, as_user: bool = False) -> subprocess.CompletedProcess[str]:
    """Runs the script with only the stubs on PATH; ``as_user``: as an unprivileged user."""
    drop = as_user and os.geteuid() == 0
    return subprocess.run(
        [BASH, str(SCRIPT), purpose],
        env={"PATH": str(machine / "bin"), "POSTGRESQL_LIB": str(machine / "postgresql")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        user=NOBODY if drop else None,
        group=NOBODY if drop else None,
        extra_groups=[] if drop else None,
    )


def _install_command(stderr: str) -> list[str]:
    """The packages of the printed install command (the only line that starts with it)."""
    [line] = [line.strip() for line in stderr.splitlines() if line.strip().startswith(INSTALL)]
    return line.removeprefix(INSTALL).split()


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [("demo", DEMO_PACKAGES), ("test", DEMO_PACKAGES + TEST_PACKAGES)],
)
def test_an_unprivileged_user_gets_the_command_that_installs_what_is_missing(
    machine: Path, purpose: str, expected: list[str]
) -> None:
    _stub(machine, "git", "make", "python3")
    result = _run(machine, purpose, as_user=True)
    assert result.returncode == 1, result.stderr
    assert _install_command(result.stderr) == expected
    assert f"needs Debian packages that are not installed: {' '.join(expected)}" in result.stderr
    assert "java, javac, node, npm" in result.stderr
    assert f"then run make {purpose} again" in result.stderr
    assert result.stdout == ""
    assert not (machine / "apt-get.log").exists()


def test_a_machine_without_apt_get_gets_the_debian_command_and_a_note(machine: Path) -> None:
    _stub(machine, *BOTH)
    (machine / "bin" / "apt-get").unlink()
    (machine / "bin" / "python3").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # no ensurepip
    result = _run(machine, "demo")
    assert result.returncode == 1, result.stderr
    assert _install_command(result.stderr) == ["python3-venv"]
    assert "This machine has no apt-get" in result.stderr
    assert "(not found: python3 -m venv)" in result.stderr


@pytest.mark.parametrize("purpose", ["demo", "test"])
def test_with_everything_present_it_does_nothing(machine: Path, purpose: str) -> None:
    _stub(machine, *BOTH, *TEST_ONLY)
    _postgresql_server(machine)
    for as_user in (False, True):
        result = _run(machine, purpose, as_user=as_user)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not (machine / "apt-get.log").exists()


def test_the_demo_needs_none_of_the_test_tiers_services(machine: Path) -> None:
    _stub(machine, *BOTH)
    assert _run(machine, "demo", as_user=True).returncode == 0
    result = _run(machine, "test", as_user=True)
    assert _install_command(result.stderr) == TEST_PACKAGES


def test_an_unknown_purpose_is_refused_with_the_usage(machine: Path) -> None:
    result = _run(machine, "everything")
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "demo|test" in result.stderr
