"""Interruptions of `msf-scaffold new` with real signals: what is left on disk, and what the message says.

Each run waits at a natural point (a question in a pseudo-terminal, a git hook) while the test
sends the signal, with TMPDIR set to a folder of the test so that the template's clone is seen.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.helpers import ROOT
from tests.interactive.test_terminal_flow import (
    COPIER_QUESTION,
    ENTER,
    _answer_copier_questions_with_defaults,
)

STAGING = re.compile(r"\.msf-scaffold-staging-(\d+)-")
TEMP = re.compile(r"msf-scaffold-(\d+)-")


def _environment(temp: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "PYTHONPATH": str(ROOT / "src"),
        "TMPDIR": str(temp),
        **extra,
    }


def _terminal_signals() -> None:
    """The child's signals as in a user's terminal. A test run started in the background (`make
    test &`, `nohup`) hands its children SIGINT and SIGHUP ignored, and Python keeps an ignored
    SIGINT ignored, so without this Ctrl-C would reach only git."""
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGQUIT):
        signal.signal(number, signal.SIG_DFL)


def _spawn(cwd: Path, temp: Path, *args: str, **extra: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "msf_scaffold", "new", *args],
        cwd=str(cwd),
        env=_environment(temp, **extra),
        dimensions=(50, 400),
        encoding="utf-8",
        timeout=60,
        preexec_fn=_terminal_signals,
    )


def _waiting_at_the_first_question(work: Path, temp: Path) -> pexpect.spawn:
    """A run of `new app` stopped at copier's first question, the template cloned, the staging made."""
    child = _spawn(work, temp, "app", "--no-git")
    child.expect(r"Start from a preset pipeline\?")
    child.send(ENTER)
    child.expect(COPIER_QUESTION)
    # The window the signal must hit: both temporary folders exist, named after the process.
    assert [_owner(STAGING, p) for p in work.iterdir()] == [child.pid]
    [private] = list(temp.iterdir())
    assert _owner(TEMP, private) == child.pid
    assert [p.name.startswith("copier") for p in private.iterdir()] == [True], (
        "copier cloned the template there"
    )
    return child


def _owner(pattern: re.Pattern[str], folder: Path) -> int | None:
    """The PID a temporary folder's name gives, if it has the pattern's name."""
    match = pattern.match(folder.name)
    return int(match.group(1)) if match else None


def _ended(child: pexpect.spawn) -> str:
    child.expect(pexpect.EOF)
    child.close()
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before or "")


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    work, temp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    temp.mkdir()
    return work, temp


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_termination_signal_at_a_question_leaves_nothing(
    folders: tuple[Path, Path], sent: signal.Signals
) -> None:
    work, temp = folders
    child = _waiting_at_the_first_question(work, temp)
    child.kill(sent)
    output = _ended(child)

    assert child.exitstatus == 128 + sent, output
    assert (
        f"msf-scaffold: error: terminated by {sent.name} while generating the project; nothing was written."
        in (output)
    )
    assert "Traceback" not in output
    assert list(work.iterdir()) == []
    assert list(temp.iterdir()) == []


def test_after_sigkill_only_named_folders_are_left_and_the_next_run_removes_them(
    folders: tuple[Path, Path],
) -> None:
    work, temp = folders
    child = _waiting_at_the_first_question(work, temp)
    killed = child.pid
    child.kill(signal.SIGKILL)
    _ended(child)
    assert child.signalstatus == signal.SIGKILL
    assert [_owner(STAGING, p) for p in work.iterdir()] == [killed]
    assert [_owner(TEMP, p) for p in temp.iterdir()] == [killed]

    completed = subprocess.run(
        [sys.executable, "-m", "msf_scaffold", "new", "next-app", "--defaults", "--no-git"],
        cwd=work,
        env=_environment(temp),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert [p.name for p in work.iterdir()] == ["next-app"]
    assert list(temp.iterdir()) == []


def test_ctrl_c_at_the_build_question_names_the_committed_project(
    folders: tuple[Path, Path],
) -> None:
    work, temp = folders
    child = _spawn(work, temp, "app", "--preset", "local-demo")
    child.expect(r"Create a git repository with a first commit\?")
    child.send("y")
    _answer_copier_questions_with_defaults(child, "Your project:")
    child.expect(r"Create it\?")
    child.send("y")
    child.expect("Run the first build now")
    child.sendintr()
    output = _ended(child)

    project = work / "app"
    commit = subprocess.run(
        ["git", "-C", str(project), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert child.exitstatus == 1, output
    flat = " ".join(output.split())
    assert (
        f"msf-scaffold: error: interrupted at the build question: the project exists at {project}, "
        f"committed as {commit}; the first build was not run: run ./mvnw -B verify there"
    ) in flat
    assert "nothing was written" not in flat
    assert (
        subprocess.run(
            ["git", "-C", str(project), "status", "--porcelain"], capture_output=True, text=True, check=True
        ).stdout
        == ""
    )
    assert list(temp.iterdir()) == []


def test_ctrl_c_while_git_commits_leaves_nothing(folders: tuple[Path, Path], tmp_path: Path) -> None:
    """A pre-commit hook of the user's git configuration is the wait; Ctrl-C reaches git and us."""
    work, temp = folders
    hooks, started = tmp_path / "hooks", tmp_path / "hook-started"
    hooks.mkdir()
    hook = hooks / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch '{started}'\nsleep 60\n")
    hook.chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(f"[core]\n\thooksPath = {hooks}\n")
    child = _spawn(work, temp, "app", "--defaults", GIT_CONFIG_GLOBAL=str(config))
    deadline = time.monotonic() + 60
    while not started.exists():
        assert time.monotonic() < deadline, "the hook did not start"
        assert child.isalive(), child.read()
        time.sleep(0.1)
    child.sendintr()
    output = _ended(child)

    assert child.exitstatus == 130, output
    assert (
        "msf-scaffold: error: interrupted while creating the git repository; nothing was written." in output
    )
    assert list(work.iterdir()) == []
    assert list(temp.iterdir()) == []


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{variable}_NAME", "test")
        monkeypatch.setenv(f"{variable}_EMAIL", "test@localhost")
