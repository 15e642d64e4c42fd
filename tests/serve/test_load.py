"""Parallel downloads against a real uvicorn server: all correct, nothing left behind, memory bounded."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.serve.conftest import QUERY, Server, start_server, stop_server
from tests.serve.test_starter_zip import files_of, zip_files

ROUNDS = (8, 1, 1)
#: Growth of the server's resident memory allowed after the first round (allocator noise).
RSS_SLACK_KIB = 32 * 1024


def test_parallel_downloads_are_correct_and_clean_up(server: Server, reference: Path) -> None:
    expected = files_of(reference)
    rss = []
    for parallel in ROUNDS:
        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(lambda _: server.get("/starter.zip", QUERY), range(parallel)))
        for status, _, body in results:
            assert status == 200, body
            _, files = zip_files(body)
            assert files == expected
        assert server.wait_until_clean(seconds=5) == []
        rss.append(server.rss_kib())
    assert max(rss[1:]) - rss[0] < RSS_SLACK_KIB, f"resident memory per round (KiB): {rss}"


def test_timeout_and_disconnect_leave_nothing(tmp_path: Path, org_file: Path) -> None:
    slow = start_server(tmp_path / "tmp", org_file, "--timeout", "0.2")
    try:
        status, problem = slow.json("/starter.zip", QUERY)
        assert status == 503
        assert problem["field"] is None and "longer than 0.2 s" in problem["message"]
        with socket.create_connection(("127.0.0.1", int(slow.url.rsplit(":", 1)[1]))) as client:
            client.sendall(b"GET /preview?source=kafka HTTP/1.1\r\nHost: x\r\n\r\n")
        assert slow.wait_until_clean() == []
    finally:
        stop_server(slow)
    assert list((tmp_path / "tmp").iterdir()) == []
