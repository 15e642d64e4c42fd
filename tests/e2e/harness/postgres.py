"""A PostgreSQL server with logical replication, run from the Debian packages (no Docker).

Each server gets its own data directory and a free port, and trusts local connections. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user the package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.harness.processes import ManagedProcess, free_port, wait_for

START_TIMEOUT_S = 60


def _bin_dir() -> Path:
    """The newest installed server's bin directory (/usr/lib/postgresql/<major>/bin on Debian)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `apt-get install postgresql` (.ci/run installs it)")
    return found[-1].parent


class PostgresServer:
    """``postgres`` on 127.0.0.1 with ``wal_level=logical``; stopped and removed by ``stop``."""

    def __init__(self, log_dir: Path) -> None:
        self.bin = _bin_dir()
        self.port = free_port()
        self.log_dir = log_dir
        # Not under pytest's temporary directory, which only root may enter.
        self.data = Path(tempfile.mkdtemp(prefix="msf-e2e-postgres-"))
        self._as_postgres = os.geteuid() == 0
        self._process: ManagedProcess | None = None

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self._as_postgres else command

    def start(self) -> PostgresServer:
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.data, user.pw_uid, user.pw_gid)
        subprocess.run(
            self._command("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._process = ManagedProcess(
            "postgres",
            self._command(
                "postgres",
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "wal_level=logical",
                "-c",
                "max_replication_slots=8",
                "-c",
                "max_wal_senders=8",
                "-c",
                "fsync=off",
            ),
            self.log_dir / "postgres.log",
        )
        wait_for("PostgreSQL", lambda: self.sql("postgres", "SELECT 1") == "1" or None, START_TIMEOUT_S)
        return self

    def sql(self, database: str, statement: str, user: str = "postgres") -> str:
        """Runs one statement with psql; returns its unaligned output."""
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                user,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()

    def script(self, database: str, statements: Sequence[str], user: str = "postgres") -> None:
        for statement in statements:
            self.sql(database, statement, user)

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
        shutil.rmtree(self.data, ignore_errors=True)
