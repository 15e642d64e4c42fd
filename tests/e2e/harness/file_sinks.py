"""Drivers of the sinks that commit on checkpoints: Iceberg (a directory catalog, or the Glue
catalog with S3 on Moto) and files.

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

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.drivers import Driver
from tests.e2e.harness.moto import ACCOUNT as MOTO_ACCOUNT
from tests.e2e.harness.moto import CREDENTIALS as MOTO_CREDENTIALS
from tests.e2e.harness.moto import REGION as MOTO_REGION
from tests.e2e.harness.moto import MotoServer
from tests.e2e.harness.processes import ManagedProcess

#: How long a poll waits before reading again; commits come every local checkpoint (10 s).
POLL_INTERVAL_S = 1.0


def poll_whole(
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

    def table(self, dead_letter: bool) -> StaticTable | None:
        """The table as of its current metadata; None before the job created it."""
        location = self.warehouse / self.NAMESPACE / self.TABLES[dead_letter]
        if not (location / "metadata" / "version-hint.text").is_file():
            return None
        return StaticTable.from_metadata(location.as_uri())

    def rows(self, dead_letter: bool) -> list[dict[str, Any]]:
        """The rows of the table's current snapshot; none before the job created the table."""
        table = self.table(dead_letter)
        if table is None:
            return []
        rows: list[dict[str, Any]] = table.scan().to_arrow().to_pylist()
        return rows

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        def read_all() -> list[dict[str, Any]]:
            rows = self.rows(dead_letter)
            return rows if dead_letter else [_price(row) for row in rows]

        return poll_whole(read_all, count, timeout_s, job)


def _price(row: dict[str, Any]) -> dict[str, Any]:
    """A row of a prices table as the record the job read. The DataStream sink stores
    ``event_time`` as a ``timestamptz``; the Table API job keeps the string and adds the
    ``event_date`` column it partitions by, which must be the event time's day."""
    price = dict(row)
    event_date = price.pop("event_date", None)
    if isinstance(price["event_time"], datetime):
        price["event_time"] = _iso_instant(price["event_time"])
    if event_date is not None:
        assert event_date.isoformat() == price["event_time"][:10], row
    return price


class GlueIcebergDriver(IcebergDriver):
    """Tables of the Glue catalog (``catalog.type`` GLUE) on the test's Moto server, data in its S3.

    The job gets the keys of the generated local-compose properties (services.yml ``moto``)
    pointed at this server. A table is read the way any engine reads a Glue table: Glue's
    ``metadata_location`` parameter names the current metadata file in S3, which pyiceberg opens.
    """

    environment: ClassVar[dict[str, str]] = MOTO_CREDENTIALS

    def __init__(self, moto: MotoServer) -> None:
        self.moto = moto
        local = load_catalog().services.services["moto"].properties
        self.local = {key: value.replace("localhost:5050", moto.address) for key, value in local.items()}
        # What the compose init step does: create the warehouse's bucket.
        self.bucket = self.local["warehouse"].removeprefix("s3://").split("/", 1)[0]
        moto.client("s3").create_bucket(Bucket=self.bucket)

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {
            **self.local,
            "aws.region": MOTO_REGION,
            "glue.catalog.id": MOTO_ACCOUNT,
            "namespace": self.NAMESPACE,
            "table": self.TABLES[dead_letter],
        }

    def glue_table(self, dead_letter: bool) -> dict[str, Any] | None:
        """The table's entry in the Glue catalog; None before the job created it."""
        glue = self.moto.client("glue")
        try:
            answer = glue.get_table(
                CatalogId=MOTO_ACCOUNT, DatabaseName=self.NAMESPACE, Name=self.TABLES[dead_letter]
            )
        except glue.exceptions.EntityNotFoundException:
            return None
        table: dict[str, Any] = answer["Table"]
        return table

    def table(self, dead_letter: bool) -> StaticTable | None:
        entry = self.glue_table(dead_letter)
        if entry is None:
            return None
        return StaticTable.from_metadata(
            entry["Parameters"]["metadata_location"],
            properties={
                "s3.endpoint": self.moto.endpoint,
                "s3.region": MOTO_REGION,
                "s3.access-key-id": MOTO_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "s3.secret-access-key": MOTO_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                "s3.force-virtual-addressing": "false",
            },
        )


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

        return poll_whole(read_all, count, timeout_s, job)
