"""kinesis-mock (npm ``kinesis-local``), a Kinesis Data Streams emulator, run with Node (no Docker).

It serves the Kinesis API over HTTPS (self-signed certificate) and plain HTTP. The test's client
and the job use the plain HTTP port, as the generated local-compose properties do: the Kinesis
clients' HTTP/2 over TLS does not complete its protocol negotiation (ALPN) with kinesis-mock. The
clients the properties configure speak HTTP/1.1 there; the enhanced fan-out reader's client
always speaks HTTP/2 (SubscribeToShard needs it), which on a plain port is HTTP/2 without TLS
(prior knowledge), and kinesis-mock serves that too.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import boto3

from tests.e2e.harness.processes import ManagedProcess, free_port, wait_for

PACKAGE = Path(__file__).resolve().parents[1] / "node_modules" / "kinesis-local"
ACCOUNT = "111122223333"
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


class KinesisMock:
    """kinesis-local on free ports, streams in ``ACCOUNT`` (the account of the local stream ARNs)."""

    def __init__(self, workdir: Path) -> None:
        if not (PACKAGE / "main.js").is_file():
            raise RuntimeError(
                f"{PACKAGE} is missing: install the e2e tier's npm packages with `make e2e-deps` "
                "(npm ci --prefix tests/e2e)"
            )
        self.workdir = workdir
        self.tls_port = free_port()
        self.plain_port = free_port()
        self.plain_address = f"127.0.0.1:{self.plain_port}"
        self._process: ManagedProcess | None = None

    def start(self, timeout_s: float = 60) -> KinesisMock:
        """Starts the emulator and waits for its health check (the one docker-compose.yml uses)."""
        self._process = ManagedProcess(
            "kinesis-mock",
            ["node", str(PACKAGE / "main.js")],
            self.workdir / "kinesis-mock.log",
            cwd=self.workdir,
            env={
                "KINESIS_MOCK_TLS_PORT": str(self.tls_port),
                "KINESIS_MOCK_PLAIN_PORT": str(self.plain_port),
                "KINESIS_MOCK_CERT_PATH": str(PACKAGE / "server.json"),
                "AWS_ACCOUNT_ID": ACCOUNT,
                "AWS_REGION": REGION,
                "LOG_LEVEL": "WARN",
            },
        )

        def healthy() -> bool | None:
            if not self._process or not self._process.running:
                raise RuntimeError(f"kinesis-mock exited:\n{self._process.tail() if self._process else ''}")
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.plain_port}/healthcheck", timeout=2
            ) as answer:
                return True if answer.status == 200 else None

        wait_for("kinesis-mock", healthy, timeout_s)
        return self

    def client(self) -> Any:
        """A boto3 Kinesis client for the emulator (plain HTTP)."""
        return boto3.client(
            "kinesis",
            endpoint_url=f"http://{self.plain_address}",
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def create_stream(self, name: str, shards: int = 1) -> str:
        """Creates a stream, waits until it is active and returns its ARN."""
        client = self.client()
        client.create_stream(StreamName=name, ShardCount=shards)
        client.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}"

    def stop(self) -> None:
        """Stops the emulator."""
        if self._process is not None:
            self._process.stop()
