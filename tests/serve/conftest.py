"""A real `msf-scaffold serve` (uvicorn on 127.0.0.1) and the project `msf-scaffold new` writes, shared."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import snapshot_template

#: The answers of the shared project, as the service's query takes them.
QUERY = {
    # The level that is asked the Kafka authentication, and that the organisation's rule allows.
    "experience": "new_to_msf",
    "flink_version": "1.20",
    "source": "kafka",
    "sinks": "kafka,print",
    "kafka_auth": "SCRAM",
    "project_name": "Orders App",
    "iac": "terraform",
}
#: The same answers as `msf-scaffold new -d` takes them.
CLI_DATA = [f"{key}={value}" for key, value in QUERY.items() if key != "sinks"] + ["sinks=[kafka, print]"]
#: The organisation's rule the tests break: `experienced` is not allowed.
ALLOWED_EXPERIENCE = ["new_to_flink", "new_to_msf"]


@dataclass(frozen=True)
class Server:
    """A running service: its base URL, process and temporary folder (its TMPDIR)."""

    url: str
    process: subprocess.Popen[bytes]
    temp_root: Path

    def get(self, path: str, query: dict[str, str] | str | None = None) -> tuple[int, dict[str, str], bytes]:
        """GET ``path`` with ``query``: status, headers (lowercase names) and body."""
        text = query if isinstance(query, str) else urllib.parse.urlencode(query or {})
        url = f"{self.url}{path}" + (f"?{text}" if text else "")
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def json(self, path: str, query: dict[str, str] | str | None = None) -> tuple[int, Any]:
        status, _, body = self.get(path, query)
        return status, json.loads(body)

    def rss_kib(self) -> int:
        """The server process's resident memory."""
        status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="utf-8")
        [line] = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        return int(line.split()[1])

    def wait_until_clean(self, seconds: float = 90) -> list[str]:
        """Waits for the temporary folder to be empty (renders still running clean up); its entries."""
        deadline = time.monotonic() + seconds
        while (left := sorted(p.name for p in self.temp_root.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(temp_root: Path, org_file: Path, *options: str) -> Server:
    """Starts `python -m msf_scaffold serve` on a free port with TMPDIR=temp_root; waits until it answers."""
    temp_root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "msf_scaffold",
            "serve",
            "--port",
            str(port),
            "--defaults",
            str(org_file),
            *options,
        ],
        env={**os.environ, "TMPDIR": str(temp_root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(f"http://127.0.0.1:{port}", process, temp_root)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"msf-scaffold serve exited with {process.returncode}"
        try:
            if server.get("/metadata")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("msf-scaffold serve did not answer within 60 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    assert server.process.wait(timeout=60) == 0


@pytest.fixture(scope="session")
def org_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Organisation defaults naming a clean snapshot of the template (one commit id for every render)."""
    folder = tmp_path_factory.mktemp("serve-org")
    template = snapshot_template(folder / "template")
    path = folder / "org.yml"
    document = {"template": str(template), "allowed": {"experience": ALLOWED_EXPERIENCE}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, org_file: Path) -> Iterator[Server]:
    """One service for the session, its temporary folder a test folder."""
    # Renders run one at a time; a queue of eight waits longer than the default 60 s on a busy machine.
    running = start_server(tmp_path_factory.mktemp("serve-tmp"), org_file, "--timeout", "600")
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory, org_file: Path) -> Path:
    """The project `msf-scaffold new . --no-git --defaults --org-defaults ORG -d ...` writes."""
    folder = tmp_path_factory.mktemp("serve-reference")
    data = [argument for item in CLI_DATA for argument in ("-d", item)]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "msf_scaffold",
            "new",
            ".",
            "--no-git",
            "--defaults",
            "--org-defaults",
            str(org_file),
            *data,
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder
