"""Child processes of the e2e tier: started in their own process group, bounded, always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], T | None], timeout_s: float, interval_s: float = 0.5) -> T:
    """Calls ``check`` until it returns something other than None; fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as error:  # the service is not up yet: retry until the deadline
            last_error = error
        else:
            if result is not None:
                return result
        time.sleep(interval_s)
    raise TimeoutError(
        f"{what} not ready after {timeout_s:.0f} s" + (f": {last_error}" if last_error else "")
    )


class ManagedProcess:
    """A child process whose output goes to a log file (and, line by line, to ``lines``)."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log: Path,
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.log = log
        self.lines: list[str] = []
        self._lock = threading.Lock()
        log.parent.mkdir(parents=True, exist_ok=True)
        self._file = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name=f"{name}-output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._file.write(line)
            self._file.flush()
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> list[str]:
        """The lines printed so far."""
        with self._lock:
            return list(self.lines)

    @property
    def running(self) -> bool:
        """Whether the process has not exited."""
        return self.process.poll() is None

    def tail(self, count: int = 60) -> str:
        """The last lines printed, for failure messages."""
        return "\n".join(self.output()[-count:])

    def wait(self, timeout_s: float) -> int:
        """Waits for the process to exit by itself; returns its exit code."""
        code = self.process.wait(timeout=timeout_s)
        self._reader.join(timeout=5)
        return code

    def stop(self, grace_s: float = 15) -> None:
        """Stops the process group: SIGTERM, then SIGKILL after ``grace_s``."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=grace_s)
        self._reader.join(timeout=5)
        self._file.close()
