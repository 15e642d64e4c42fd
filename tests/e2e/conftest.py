"""Fixtures of the e2e tier shared by its modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness.kafka import KafkaBroker


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    """A Kafka broker for the module; each scenario uses its own topics."""
    kafka = KafkaBroker(tmp_path_factory.mktemp("kafka")).start()
    try:
        yield kafka
    finally:
        kafka.stop()
