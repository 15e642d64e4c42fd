"""A single-node Kafka broker in KRaft mode, run from Maven Central jars (no Docker)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.maven import resolve_classpath
from tests.e2e.harness.processes import ManagedProcess, free_port, wait_for


def kafka_version() -> str:
    """The broker version of the Compose image (services.yml), so that both run the same Kafka."""
    image = load_catalog().services.services["kafka"].service["image"]
    assert isinstance(image, str)
    return image.rsplit(":", 1)[1]


def client_config(bootstrap: str) -> dict[str, str | int | float | bool]:
    """librdkafka settings for the test's clients: this broker, and quiet while it starts."""
    return {"bootstrap.servers": bootstrap, "log_level": 2}


_LOG4J2 = """\
status = warn
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1} - %m%n
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
"""


class KafkaBroker:
    """``kafka.Kafka`` with a generated server.properties on free ports; storage formatted first."""

    def __init__(self, workdir: Path, version: str | None = None) -> None:
        self.workdir = workdir
        self.version = version or kafka_version()
        self.port = free_port()
        self.controller_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._process: ManagedProcess | None = None

    def _classpath(self) -> str:
        return resolve_classpath(
            [
                f"org.apache.kafka:kafka_2.13:{self.version}",
                # Kafka logs through slf4j 1.x; this binds it to log4j2 (configured below).
                "org.apache.logging.log4j:log4j-slf4j-impl:2.24.3",
                "org.apache.logging.log4j:log4j-core:2.24.3",
            ],
            self.workdir / "resolve",
        )

    def _write_config(self) -> Path:
        data = self.workdir / "data"
        config = self.workdir / "server.properties"
        config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://{self.bootstrap}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=2",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        (self.workdir / "log4j2.properties").write_text(_LOG4J2, encoding="utf-8")
        return config

    def start(self, timeout_s: float = 120) -> KafkaBroker:
        """Resolves the jars, formats the storage, starts the broker and waits until it answers."""
        classpath = self._classpath()
        config = self._write_config()
        java = ["java", "-Xmx512m", f"-Dlog4j2.configurationFile={self.workdir / 'log4j2.properties'}"]
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        formatting = ManagedProcess(
            "kafka-storage",
            [
                *java,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                # One argument: a base64url cluster id may start with '-', which the parser takes
                # for an option when the id is a separate argument.
                f"--cluster-id={cluster_id}",
                "-c",
                str(config),
            ],
            self.workdir / "format.log",
        )
        if formatting.wait(timeout_s) != 0:
            raise RuntimeError(f"formatting Kafka storage failed:\n{formatting.tail()}")
        formatting.stop()
        self._process = ManagedProcess(
            "kafka", [*java, "-cp", classpath, "kafka.Kafka", str(config)], self.workdir / "broker.log"
        )
        admin = self.admin()

        def ready() -> bool | None:
            if not self.running:
                raise RuntimeError(f"the broker exited:\n{self.tail()}")
            metadata = admin.list_topics(timeout=2)
            return True if metadata.brokers else None

        wait_for(f"Kafka broker on {self.bootstrap}", ready, timeout_s)
        return self

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.running

    def tail(self) -> str:
        """The end of the broker's output."""
        return self._process.tail() if self._process else ""

    def admin(self) -> AdminClient:
        """An admin client for this broker."""
        return AdminClient(client_config(self.bootstrap))

    def create_topics(self, *names: str, partitions: int = 2) -> None:
        """Creates topics and waits until each exists."""
        admin = self.admin()  # kept alive until the futures resolve
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in names]
        )
        for future in futures.values():
            future.result(timeout=30)

    def stop(self) -> None:
        """Stops the broker."""
        if self._process is not None:
            self._process.stop()
