"""The temporary folders of a run, and the signals that end one.

Generation works in two temporary folders, each named after the process that owns it:

- a staging folder, ``.msf-scaffold-staging-<pid>-<host>-*``, next to the destination (inside it
  when the destination is an existing empty directory), where copier renders the project;
- a private temporary folder, ``msf-scaffold-<pid>-<host>-*`` in the system's temporary folder
  (``TMPDIR``), where copier clones the template.

Both are removed on every exit the process can see: success, an error, Ctrl-C, and SIGTERM or
SIGHUP, which :func:`signals_raise` turns into :class:`Terminated` so that the cleanup runs. A
process killed with SIGKILL cannot clean up; the next run removes the folders whose process is gone
(:func:`remove_stale`).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

STAGING_PREFIX = ".msf-scaffold-staging-"
TEMP_PREFIX = "msf-scaffold-"
#: The signals a cancelled CI job or a closed terminal sends, which a run turns into Terminated.
TERMINATING = tuple(
    s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if isinstance(s, signal.Signals)
)
_HELD = {signal.SIGINT, *TERMINATING}
# mkdtemp's random suffix is 8 characters of [a-z0-9_].
_OWNED = re.compile(r"(?P<pid>\d+)-(?P<host>[A-Za-z0-9.-]*)-[a-z0-9_]{8}")


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while a run was working.

    A SystemExit, so that nothing on its way to the cleanup swallows it: no ``except Exception``
    in copier or the prompt library, and not asyncio either, which passes any other BaseException
    raised in a callback to the loop's exception handler (the prompt library's prints it and waits
    for Enter). Its exit code is the shell's for a signal, in case it is ever left uncaught.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.name = signal.Signals(signum).name
        super().__init__(128 + signum)

    def __str__(self) -> str:
        return self.name


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "", socket.gethostname())[:40]


def owner_tag() -> str:
    """``<pid>-<host>``: the part of a temporary folder's name that names its process."""
    return f"{os.getpid()}-{_host()}"


@contextmanager
def signals_raise() -> Iterator[None]:
    """Turns SIGTERM and SIGHUP into :class:`Terminated` inside the block; restores the handlers.

    A signal the process ignores (``nohup`` ignores SIGHUP) stays ignored. Only the main thread can
    set handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = {s: signal.getsignal(s) for s in TERMINATING}
    for number, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(number, terminate)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def held_signals() -> Iterator[None]:
    """Delays Ctrl-C, SIGTERM and SIGHUP until the block is done (a move or a cleanup)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove(path: Path) -> None:
    """Removes a temporary folder; a signal waits until it is gone."""
    with held_signals():
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def private_tempdir() -> Iterator[Path]:
    """A temporary folder of this run that every temporary file of the block goes into.

    copier clones a git template into the system's temporary folder (``tempfile``); for the
    block, :data:`tempfile.tempdir` is this folder, which is removed afterwards with all it holds.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{owner_tag()}-"))
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = previous
        remove(folder)


def owner(path: Path) -> int | None:
    """The PID of the run that owns the temporary folder ``path``, if it is one of ours."""
    for prefix in (STAGING_PREFIX, TEMP_PREFIX):
        if path.name.startswith(prefix):
            match = _OWNED.fullmatch(path.name[len(prefix) :])
            if match is not None and match.group("host") == _host():
                return int(match.group("pid"))
    return None


def is_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def is_live_staging(path: Path) -> bool:
    """Whether ``path`` is the staging folder of a run that is still working."""
    pid = owner(path)
    return path.name.startswith(STAGING_PREFIX) and pid is not None and is_alive(pid)


def remove_stale(*folders: Path) -> list[Path]:
    """Removes the temporary folders in ``folders`` whose run is gone (killed); returns them.

    The system's temporary folder is always searched. A folder of another machine (its name holds
    the host) or of a process that still runs is kept.
    """
    removed = []
    for folder in {*folders, Path(tempfile.gettempdir())}:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            pid = owner(entry)
            if pid is not None and not is_alive(pid) and entry.is_dir() and not entry.is_symlink():
                remove(entry)
                removed.append(entry)
    return removed
