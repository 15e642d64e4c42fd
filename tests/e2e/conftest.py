"""Fixtures shared by the e2e modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness.kafka import KafkaBroker
from tests.e2e.harness.moto import MotoServer


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A Kafka broker for the module; each scenario uses its own topics."""
    kafka = KafkaBroker(tmp_path_factory.mktemp("kafka")).start()
    try:
        yield kafka
    finally:
        kafka.stop()


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[MotoServer]:
    """A Moto server (Glue, S3, Firehose, DynamoDB) of the test alone: everything starts empty."""
    server = MotoServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()
