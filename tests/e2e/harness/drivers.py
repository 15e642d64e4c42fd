"""Connector drivers: how the e2e tier points a connector at its service, feeds it and reads it.

A driver serves one connector id in the roles the connector has. Sources give the runtime
properties of their group and ``send`` records (or are ``bounded`` and make their own); sinks give
the properties of their group (``dead_letter`` for the DeadLetterSink group) and ``read`` what the
job wrote, parsed into dicts: stock prices as ``{event_time, ticker, price}``, dead letters as
``{raw, error}``. ``environment`` is added to the job's environment. Adding a connector to the e2e
tier means adding a driver here and a scenario in a test module (docs/adding-a-connector.md).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.kinesis import CREDENTIALS, REGION, KinesisMock
from tests.e2e.harness.mysql import MySqlServer
from tests.e2e.harness.postgres import PostgresServer
from tests.e2e.harness.processes import ManagedProcess
from tests.e2e.harness.records import MALFORMED

if TYPE_CHECKING:
    from tests.e2e.harness.kafka import KafkaBroker


class Driver:
    """Base class: a connector that the e2e tier can drive."""

    #: True for a source that makes its own records and stops (the job then exits by itself).
    bounded: ClassVar[bool] = False
    environment: ClassVar[dict[str, str]] = {}

    def source_properties(self) -> dict[str, str]:
        """Runtime properties of the source group."""
        raise NotImplementedError(f"{type(self).__name__} is not a source")

    def send(self, records: list[str]) -> None:
        """Writes raw records to the source's input."""
        raise NotImplementedError(f"{type(self).__name__} cannot send records")

    def malformed(self) -> list[str]:
        """The malformed records this source can carry (a database row is never "not JSON")."""
        return list(MALFORMED)

    def as_sent(self, raw: str) -> Any:
        """A dead letter's ``raw`` in the form it can be compared with what was sent."""
        return raw

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        """Runtime properties of the sink group, or of the DeadLetterSink group."""
        raise NotImplementedError(f"{type(self).__name__} is not a sink")

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        """What the job wrote, once ``count`` records are there or ``timeout_s`` passed."""
        raise NotImplementedError(f"{type(self).__name__} is not a sink")


def _collect(
    fetch: Any, count: int, timeout_s: float, job: ManagedProcess, grace_s: float = 2.0
) -> list[dict[str, Any]]:
    """Calls ``fetch()`` (new records) until ``count`` are seen, then for ``grace_s`` more to catch extras."""
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and len(records) < count:
        records.extend(fetch())
        if not job.running and job.process.returncode != 0:
            break
    extra_until = time.monotonic() + grace_s
    while len(records) >= count and time.monotonic() < extra_until:
        records.extend(fetch())
    return records


class KafkaDriver(Driver):
    """Kafka topics on the test's broker; the test's own producer and consumers."""

    def __init__(self, broker: KafkaBroker, prefix: str) -> None:
        self.broker = broker
        self.input, self.output, self.dead_letters = (
            f"{prefix}-{n}" for n in ("input", "output", "dead-letter")
        )
        broker.create_topics(self.input, self.output, self.dead_letters)

    def source_properties(self) -> dict[str, str]:
        return {
            "bootstrap.servers": self.broker.bootstrap,
            "topic": self.input,
            "group.id": f"job-{uuid.uuid4()}",
        }

    def send(self, records: list[str]) -> None:
        # Kafka's client is imported here: `make demo` drives Kinesis without the dev extra.
        from confluent_kafka import Producer  # noqa: PLC0415

        from tests.e2e.harness.kafka import client_config  # noqa: PLC0415

        producer = Producer(client_config(self.broker.bootstrap))
        for record in records:
            producer.produce(self.input, record.encode("utf-8"))
        assert producer.flush(30) == 0, "records not delivered to the test broker"

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {
            "bootstrap.servers": self.broker.bootstrap,
            "topic": self.dead_letters if dead_letter else self.output,
        }

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        from confluent_kafka import Consumer  # noqa: PLC0415 - see send

        from tests.e2e.harness.kafka import client_config  # noqa: PLC0415

        consumer = Consumer(
            {
                **client_config(self.broker.bootstrap),
                "group.id": f"reader-{uuid.uuid4()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        consumer.subscribe([self.dead_letters if dead_letter else self.output])

        def fetch() -> list[dict[str, Any]]:
            messages = consumer.consume(num_messages=100, timeout=0.5)
            for message in messages:
                assert message.error() is None, message.error()
            return [json.loads(message.value() or b"null") for message in messages]

        try:
            return _collect(fetch, count, timeout_s, job)
        finally:
            consumer.close()


class DataGenDriver(Driver):
    """The sample data generator: 50 records, every 10th malformed, then the job ends."""

    bounded = True
    RECORDS = 50
    MALFORMED_EVERY = 10

    def source_properties(self) -> dict[str, str]:
        return {
            "records.per.second": "100",
            "max.records": str(self.RECORDS),
            "malformed.every": str(self.MALFORMED_EVERY),
        }


_PRINTED_PRICE = re.compile(r"^output:\d+> StockPrice\{eventTime=(\S+), ticker=(\S+), price=([0-9.E-]+)\}$")
_PRINTED_DEAD = re.compile(r"^dead-letter:\d+> DeadLetter\{error=(.*), raw=(.*)\}$")


class PrintDriver(Driver):
    """The print sink: the job's standard output."""

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {"prefix": "dead-letter" if dead_letter else "output"}

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        seen = 0

        def fetch() -> list[dict[str, Any]]:
            nonlocal seen
            lines = job.output()
            new, seen = lines[seen:], len(lines)
            if dead_letter:
                return [{"error": m[1], "raw": m[2]} for m in map(_PRINTED_DEAD.match, new) if m]
            return [
                {"event_time": m[1], "ticker": m[2], "price": float(m[3])}
                for m in map(_PRINTED_PRICE.match, new)
                if m
            ]

        return _collect(fetch, count, timeout_s, job)


class KinesisDriver(Driver):
    """Kinesis streams on the test's kinesis-mock; the test writes with PutRecords and reads with
    GetRecords. The job's source reads with the reader its project was generated with (POLLING or
    EFO, from the project's local properties)."""

    environment: ClassVar[dict[str, str]] = CREDENTIALS

    def __init__(self, mock: KinesisMock, prefix: str) -> None:
        self.mock = mock
        self.client = mock.client()
        self.input, self.output, self.dead_letters = (
            mock.create_stream(f"{prefix}-{n}") for n in ("input", "output", "dead-letter")
        )
        #: Consumers seen on the input stream while the job ran (see ``read``).
        self.consumers_seen: set[str] = set()

    def _client_properties(self) -> dict[str, str]:
        # The endpoint keys of the generated local-compose properties, pointed at this emulator.
        local = load_catalog().services.services["kinesis"].properties
        return {
            "aws.region": REGION,
            **{key: value.replace("localhost:4568", self.mock.plain_address) for key, value in local.items()},
        }

    def source_properties(self) -> dict[str, str]:
        return {**self._client_properties(), "stream.arn": self.input, "source.init.position": "TRIM_HORIZON"}

    def send(self, records: list[str]) -> None:
        answer = self.client.put_records(
            StreamARN=self.input,
            Records=[
                {"Data": record.encode("utf-8"), "PartitionKey": str(i)} for i, record in enumerate(records)
            ],
        )
        assert answer["FailedRecordCount"] == 0, answer

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        return {**self._client_properties(), "stream.arn": self.dead_letters if dead_letter else self.output}

    def consumers(self) -> set[str]:
        """Names of the enhanced fan-out consumers registered on the input stream now."""
        answer = self.client.list_stream_consumers(StreamARN=self.input)
        return {consumer["ConsumerName"] for consumer in answer["Consumers"]}

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        # While the job runs: an EFO reader with a job-managed consumer has registered it.
        self.consumers_seen |= self.consumers()
        arn = self.dead_letters if dead_letter else self.output
        shards = self.client.list_shards(StreamARN=arn)["Shards"]
        iterators = {
            shard["ShardId"]: self.client.get_shard_iterator(
                StreamARN=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            for shard in shards
        }

        def fetch() -> list[dict[str, Any]]:
            records: list[dict[str, Any]] = []
            for shard_id, iterator in list(iterators.items()):
                answer = self.client.get_records(StreamARN=arn, ShardIterator=iterator, Limit=1000)
                iterators[shard_id] = answer["NextShardIterator"]
                records.extend(json.loads(record["Data"]) for record in answer["Records"])
            time.sleep(0.3)
            return records

        return _collect(fetch, count, timeout_s, job)


def _password_variable(connector: str) -> str:
    """The environment variable the connector's job reads the database password from (catalog `env`)."""
    role = load_catalog().connectors[connector].source
    assert role is not None
    [variable] = [p.env for p in role.properties if p.key == "password" and p.env]
    return variable


class _CdcDriver(Driver):
    """A table in a test database, captured by the job's CDC source.

    Records are rows: ``send`` inserts each JSON record's fields as columns (missing ones as NULL),
    so the malformed records are the ones whose values the pipeline rejects (a database row is
    never "not JSON"). The change event the job receives carries the row's ``id`` too; ``as_sent``
    compares dead letters without it.
    """

    USER, PASSWORD, DATABASE = "flink_cdc", "flink_cdc_password", "market"
    COLUMNS = ("event_time", "ticker", "price")

    def __init__(self, prefix: str) -> None:
        self.table = re.sub(r"[^a-z0-9_]", "_", f"{prefix}_prices".lower())

    def insert(self, statement: str) -> None:
        raise NotImplementedError

    def malformed(self) -> list[str]:
        return [record for record in MALFORMED if record.startswith("{")]

    def send(self, records: list[str]) -> None:
        rows = []
        for record in records:
            fields = json.loads(record)
            rows.append("(" + ", ".join(_sql_literal(fields.get(column)) for column in self.COLUMNS) + ")")
        self.insert(f"INSERT INTO {self.table} ({', '.join(self.COLUMNS)}) VALUES {', '.join(rows)}")

    def as_sent(self, raw: str) -> Any:
        # DECIMAL(12, 3) comes back as 182.500: compare numbers as floats.
        row = json.loads(raw)
        return {
            key: float(value) if isinstance(value, int | float) else value
            for key, value in row.items()
            if key != "id" and value is not None
        }


class PostgresCdcDriver(_CdcDriver):
    """A table in the test's PostgreSQL server (logical replication, pgoutput)."""

    # A password is never a runtime property: the job reads it from its environment.
    environment: ClassVar[dict[str, str]] = {_password_variable("postgres_cdc"): _CdcDriver.PASSWORD}

    def __init__(self, server: PostgresServer, prefix: str) -> None:
        super().__init__(prefix)
        self.server = server
        self.slot = f"slot_{uuid.uuid4().hex[:12]}"
        if not server.sql("postgres", f"SELECT 1 FROM pg_roles WHERE rolname = '{self.USER}'"):
            server.script(
                "postgres",
                [
                    f"CREATE ROLE {self.USER} WITH LOGIN REPLICATION PASSWORD '{self.PASSWORD}'",
                    f"CREATE DATABASE {self.DATABASE} OWNER {self.USER}",
                ],
            )
        # The CDC user owns the table, so that the source can create its publication.
        server.sql(
            self.DATABASE,
            f"CREATE TABLE {self.table} (id bigserial PRIMARY KEY, event_time text, ticker text, "
            "price numeric(12, 3))",
            user=self.USER,
        )

    def source_properties(self) -> dict[str, str]:
        return {
            "hostname": "127.0.0.1",
            "port": str(self.server.port),
            "database-name": self.DATABASE,
            "schema-name": "public",
            "table-name": self.table,
            "username": self.USER,
            "slot.name": self.slot,
        }

    def insert(self, statement: str) -> None:
        self.server.sql(self.DATABASE, statement, user=self.USER)


class MySqlCdcDriver(_CdcDriver):
    """A table in the test's MySQL-compatible server (row-based binary log)."""

    environment: ClassVar[dict[str, str]] = {_password_variable("mysql_cdc"): _CdcDriver.PASSWORD}

    def __init__(self, server: MySqlServer, prefix: str) -> None:
        super().__init__(prefix)
        self.server = server
        server.script(
            [
                f"CREATE DATABASE IF NOT EXISTS {self.DATABASE}",
                f"CREATE USER IF NOT EXISTS '{self.USER}'@'%' IDENTIFIED BY '{self.PASSWORD}'",
                f"CREATE USER IF NOT EXISTS '{self.USER}'@'localhost' IDENTIFIED BY '{self.PASSWORD}'",
                # The privileges Flink CDC documents for its MySQL user.
                *(
                    f"GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* "
                    f"TO '{self.USER}'@'{host}'"
                    for host in ("%", "localhost")
                ),
                f"CREATE TABLE {self.DATABASE}.{self.table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                "event_time VARCHAR(64), ticker VARCHAR(16), price DECIMAL(12, 3))",
            ]
        )

    def source_properties(self) -> dict[str, str]:
        return {
            "hostname": "127.0.0.1",
            "port": str(self.server.port),
            "database-name": self.DATABASE,
            "table-name": self.table,
            "username": self.USER,
            # A range as wide as the source's parallelism on this machine.
            "server-id": "5400-5499",
        }

    def insert(self, statement: str) -> None:
        self.server.sql(statement, self.DATABASE)


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
