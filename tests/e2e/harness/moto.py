"""Moto in server mode (PyPI ``moto[server]``): AWS Glue and Amazon S3 emulated in memory, run as a
Python process (no Docker), as the generated docker-compose.yml runs its image for Iceberg projects
with the Glue catalog.
"""

from __future__ import annotations

import shutil
import sys
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.harness.processes import ManagedProcess, free_port, wait_for

#: The account of the Glue catalog id in the generated local properties (MOTO_ACCOUNT_ID).
ACCOUNT = "111122223333"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def _moto_server() -> str:
    """The ``moto_server`` script of this Python environment (or on PATH)."""
    beside = Path(sys.executable).parent / "moto_server"
    found = str(beside) if beside.is_file() else shutil.which("moto_server")
    if found is None:
        raise RuntimeError(
            "moto_server is missing: install the dev extras (`make install`), which bring moto[server]"
        )
    return found


class MotoServer:
    """``moto_server`` on a free port of 127.0.0.1."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.endpoint = f"http://{self.address}"
        self._process: ManagedProcess | None = None

    def start(self, timeout_s: float = 60) -> MotoServer:
        """Starts the server and waits for the health check docker-compose.yml uses (its dashboard API)."""
        self._process = ManagedProcess(
            "moto",
            [_moto_server(), "-H", "127.0.0.1", "-p", str(self.port)],
            self.workdir / "moto.log",
            cwd=self.workdir,
            env={"MOTO_ACCOUNT_ID": ACCOUNT},
        )

        def healthy() -> bool | None:
            if not self._process or not self._process.running:
                raise RuntimeError(f"moto exited:\n{self._process.tail() if self._process else ''}")
            with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2) as answer:
                return True if answer.status == 200 else None

        wait_for("moto", healthy, timeout_s)
        return self

    def client(self, service: str) -> Any:
        """A boto3 client of ``service`` (``s3``, ``glue``) for the server."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def stop(self) -> None:
        """Stops the server; its data goes with it."""
        if self._process is not None:
            self._process.stop()
