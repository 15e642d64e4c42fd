"""End to end with the sinks that commit on checkpoints: Kafka in, an Iceberg table (directory
catalog, or the Glue catalog with data in S3, both on Moto) or files (JSON lines, Parquet) out,
read back from Python after the job's checkpoints.

Each sink is the project's only sink, so it also receives the dead letters (its dead-letter table
or directory): the factory is exercised with both record types. One Kafka broker (the ``broker``
fixture of conftest.py) serves the module as the source.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.e2e.harness.drivers import KafkaDriver
from tests.e2e.harness.file_sinks import FilesDriver, GlueIcebergDriver, IcebergDriver
from tests.e2e.harness.flows import run_flow
from tests.e2e.harness.job import Scenario, build
from tests.e2e.harness.kafka import KafkaBroker
from tests.e2e.harness.moto import MotoServer

pytestmark = pytest.mark.e2e


def test_kafka_source_to_iceberg_sink(broker: KafkaBroker, tmp_path: Path) -> None:
    scenario = Scenario(
        "kafka", ("iceberg",), {"iceberg_catalog": "HADOOP", "iceberg_partitioning": "EVENT_DAY"}
    )
    project = build(scenario, tmp_path)
    sink = IcebergDriver(tmp_path / "warehouse")
    run_flow(project, KafkaDriver(broker, scenario.id), {"iceberg": sink}, tmp_path)
    # EVENT_DAY: the data files are in the folder of the events' day.
    data = tmp_path / "warehouse" / sink.NAMESPACE / sink.TABLES[False] / "data"
    assert {path.name for path in data.iterdir()} == {"event_time_day=2026-01-01"}


#: (Flink line, API, partitioning): the DataStream factory and the Table API's CREATE CATALOG.
GLUE_PROJECTS = [("2.2", "datastream", "TICKER"), ("1.20", "table", "EVENT_DAY")]


@pytest.mark.parametrize("project_answers", GLUE_PROJECTS, ids=[f"{a}-{v}" for v, a, _ in GLUE_PROJECTS])
def test_kafka_source_to_iceberg_sink_with_the_glue_catalog(
    broker: KafkaBroker, moto: MotoServer, tmp_path: Path, project_answers: tuple[str, str, str]
) -> None:
    """The Glue catalog locally, as `make run-local` runs it against the Moto of docker-compose.yml:
    the job creates the database and the tables in Glue and writes the files to S3."""
    line, api, partitioning = project_answers
    scenario = Scenario(
        "kafka",
        ("iceberg",),
        {"iceberg_catalog": "GLUE", "iceberg_partitioning": partitioning, "api": api},
        line=line,
        label=f"glue-{api}",
    )
    project = build(scenario, tmp_path)
    sink = GlueIcebergDriver(moto)
    run_flow(project, KafkaDriver(broker, scenario.id), {"iceberg": sink}, tmp_path)

    entry = sink.glue_table(dead_letter=False)
    assert entry is not None and entry["Parameters"]["table_type"].upper() == "ICEBERG", entry
    location = entry["Parameters"]["metadata_location"]
    table_location = f"{sink.local['warehouse']}/{sink.NAMESPACE}.db/{sink.TABLES[False]}"
    assert location.startswith(f"{table_location}/metadata/"), location
    table = sink.table(dead_letter=False)
    assert table is not None
    partition = {"TICKER": "ticker", "EVENT_DAY": "event_date" if api == "table" else "event_time_day"}
    assert [field.name for field in table.spec().fields] == [partition[partitioning]]
    objects = moto.client("s3").list_objects_v2(Bucket=sink.bucket)["Contents"]
    data_prefix = f"{table_location.removeprefix(f's3://{sink.bucket}/')}/data/"
    assert any(o["Key"].startswith(data_prefix) and o["Key"].endswith(".parquet") for o in objects), objects


@pytest.mark.parametrize(
    ("line", "file_format"),
    [
        ("1.20", "JSON"),
        # Parquet on the 2.3 line: the pinned flink-parquet 2.3.0 and Parquet 1.15.2 as generated.
        ("2.3", "PARQUET"),
    ],
)
def test_kafka_source_to_files_sink(broker: KafkaBroker, tmp_path: Path, line: str, file_format: str) -> None:
    label = f"{file_format.lower()}-{line.replace('.', '')}"
    scenario = Scenario("kafka", ("files",), {"files_format": file_format}, line=line, label=label)
    project = build(scenario, tmp_path)
    sink = FilesDriver(tmp_path / "files", "JSON" if file_format == "JSON" else "PARQUET")
    started = datetime.now(timezone.utc)
    run_flow(project, KafkaDriver(broker, scenario.id), {"files": sink}, tmp_path)
    # One folder per hour (bucket.pattern's default, yyyy-MM-dd--HH, UTC) of the time each record
    # was written: the source assigns no event-time timestamps.
    hours = {started.strftime("%Y-%m-%d--%H"), datetime.now(timezone.utc).strftime("%Y-%m-%d--%H")}
    for dead_letter in (False, True):
        folders = {path.parent.name for path in sink.finished_files(dead_letter)}
        assert folders and folders <= hours, (folders, hours)
