"""A MySQL-compatible server with a row-based binary log: MariaDB from the Debian packages.

Debian ships MariaDB, not MySQL. Flink CDC's MySQL source reads MariaDB's binary log as well when
the log is row-based with full row images, which is how this server is started. Each server gets
its own data directory and a free port.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.harness.processes import ManagedProcess, free_port, wait_for

START_TIMEOUT_S = 60


def _program(*names: str) -> str:
    for name in names:
        for folder in ("/usr/sbin", "/usr/bin"):
            if Path(folder, name).is_file():
                return str(Path(folder, name))
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(f"{names[0]} is not installed: `apt-get install mariadb-server` (.ci/run installs it)")


class MySqlServer:
    """``mariadbd`` on 127.0.0.1 with ``log_bin``, ``binlog_format=ROW``; removed by ``stop``."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.data = Path(tempfile.mkdtemp(prefix="msf-e2e-mysql-"))
        self.socket = self.data / "mysqld.sock"
        self.user = "root" if os.geteuid() == 0 else os.environ.get("USER", "mysql")
        self._process: ManagedProcess | None = None

    def start(self) -> MySqlServer:
        subprocess.run(
            [
                _program("mariadb-install-db", "mysql_install_db"),
                f"--datadir={self.data / 'db'}",
                f"--user={self.user}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        self._process = ManagedProcess(
            "mysql",
            [
                _program("mariadbd", "mysqld"),
                "--no-defaults",
                f"--datadir={self.data / 'db'}",
                f"--user={self.user}",
                f"--port={self.port}",
                f"--socket={self.socket}",
                "--bind-address=127.0.0.1",
                "--server-id=1",
                f"--log-bin={self.data / 'db' / 'binlog'}",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                f"--pid-file={self.data / 'mysqld.pid'}",
            ],
            self.log_dir / "mysql.log",
        )
        wait_for("MariaDB", lambda: self.sql("SELECT 1") == "1" or None, START_TIMEOUT_S)
        return self

    def sql(self, statement: str, database: str = "") -> str:
        """Runs statements as root over the socket; returns the tab-separated output."""
        result = subprocess.run(
            [
                _program("mariadb", "mysql"),
                "--no-defaults",
                f"--socket={self.socket}",
                "-uroot",
                "--batch",
                "--skip-column-names",
                *([database] if database else []),
                "-e",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout.strip()

    def script(self, statements: Sequence[str], database: str = "") -> None:
        for statement in statements:
            self.sql(statement, database)

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
        shutil.rmtree(self.data, ignore_errors=True)
