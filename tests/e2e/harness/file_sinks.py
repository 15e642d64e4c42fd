"""Drivers of the sinks that write to a directory: Iceberg (directory catalog) and files.

Both make their output visible only when a checkpoint completes (Iceberg commits a snapshot, the
file sink renames its pending part files), and the generated job checkpoints every
``LOCAL_CHECKPOINT_INTERVAL_MS`` when it runs locally. So these drivers read the whole output
afresh on each poll, not a stream of new records: what a reader sees after a commit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, Literal

import pyarrow.parquet as pq
from pyiceberg.table import StaticTable

from tests.e2e.harness.drivers import Driver
from tests.e2e.harness.processes import ManagedProcess

#: How long a poll waits before reading again; commits come every local checkpoint (10 s).
POLL_INTERVAL_S = 1.0


def _poll_whole(
    read_all: Callable[[], list[dict[str, Any]]],
    count: int,
    timeout_s: float,
    job: ManagedProcess,
    grace_s: float = 2.0,
) -> list[dict[str, Any]]:
    """Reads the whole output until it holds ``count`` records or ``timeout_s`` passed; once it
    does, reads it again after ``grace_s`` so that extra records (duplicates) are caught."""
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        records = read_all()
        if len(records) >= count or (not job.running and job.process.returncode != 0):
            break
        time.sleep(POLL_INTERVAL_S)
    if len(records) >= count:
        time.sleep(grace_s)
        records = read_all()
    return records


def _iso_instant(value: datetime) -> str:
    """A ``timestamptz`` value as the ISO-8601 instant the job read (``...Z``)."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class IcebergDriver(Driver):
    """Tables of a directory (HADOOP) catalog in a warehouse under the test's temporary directory,
    read back with pyiceberg from their current metadata file (``version-hint.text``)."""

    NAMESPACE = "e2e"
    TABLES: ClassVar[dict[bool, str]] = {False: "stock_prices", True: "dead_letters"}

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {
            "catalog.type": "HADOOP",
            "warehouse": self.warehouse.as_uri(),
            "namespace": self.NAMESPACE,
            "table": self.TABLES[dead_letter],
        }

    def rows(self, dead_letter: bool) -> list[dict[str, Any]]:
        """The rows of the table's current snapshot; none before the job created the table."""
        location = self.warehouse / self.NAMESPACE / self.TABLES[dead_letter]
        if not (location / "metadata" / "version-hint.text").is_file():
            return []
        table = StaticTable.from_metadata(location.as_uri())
        rows: list[dict[str, Any]] = table.scan().to_arrow().to_pylist()
        return rows

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        def read_all() -> list[dict[str, Any]]:
            rows = self.rows(dead_letter)
            if dead_letter:
                return rows
            return [{**row, "event_time": _iso_instant(row["event_time"])} for row in rows]

        return _poll_whole(read_all, count, timeout_s, job)


class FilesDriver(Driver):
    """The file sink on directories under the test's temporary directory. Finished part files
    carry the suffix of the format; pending and in-progress files are hidden (a leading dot) and
    not read."""

    #: Parquet columns are the record classes' Java field names (Avro reflection); JSON uses the
    #: records' JSON names.
    PARQUET_COLUMNS: ClassVar[dict[str, str]] = {"eventTime": "event_time"}

    def __init__(self, root: Path, file_format: Literal["JSON", "PARQUET"]) -> None:
        self.root = root
        self.format = file_format

    def directory(self, dead_letter: bool) -> Path:
        """Where the job writes the records (or the dead letters)."""
        return self.root / ("dead-letters" if dead_letter else "output")

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {"path": self.directory(dead_letter).as_uri()}

    def finished_files(self, dead_letter: bool) -> list[Path]:
        """The part files the sink has finished (committed on a checkpoint)."""
        suffix = ".json" if self.format == "JSON" else ".parquet"
        return sorted(
            path
            for path in self.directory(dead_letter).rglob(f"*{suffix}")
            if path.is_file() and not path.name.startswith(".")
        )

    def _records(self, path: Path) -> list[dict[str, Any]]:
        if self.format == "JSON":
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        return [{self.PARQUET_COLUMNS.get(key, key): value for key, value in row.items()} for row in rows]

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        def read_all() -> list[dict[str, Any]]:
            return [record for path in self.finished_files(dead_letter) for record in self._records(path)]

        return _poll_whole(read_all, count, timeout_s, job)
