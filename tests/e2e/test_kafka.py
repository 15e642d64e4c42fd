"""End to end with Kafka: a real broker (KRaft, from Maven Central jars), generated jobs reading and
writing it, the data generator as source and the print sink as output.

One broker (the ``broker`` fixture of conftest.py) serves the module; each scenario builds its
project once and uses its own topics.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness.drivers import DataGenDriver, KafkaDriver, PrintDriver
from tests.e2e.harness.flows import run_flow
from tests.e2e.harness.job import Scenario, build
from tests.e2e.harness.kafka import KafkaBroker

pytestmark = pytest.mark.e2e


# Both 2.x lines run the Kafka connector built for Flink 2.2: the 2.3 line proves it on Flink 2.3.
@pytest.mark.parametrize("line", ["2.3", "2.2"])
def test_kafka_source_to_kafka_sink(broker: KafkaBroker, tmp_path: Path, line: str) -> None:
    scenario = Scenario("kafka", ("kafka",), line=line, label=line.replace(".", ""))
    project = build(scenario, tmp_path)
    kafka = KafkaDriver(broker, scenario.id)
    run_flow(project, kafka, {"kafka": kafka}, tmp_path)


def test_data_generator_to_kafka_sink(broker: KafkaBroker, tmp_path: Path) -> None:
    scenario = Scenario("datagen", ("kafka",))
    project = build(scenario, tmp_path)
    run_flow(project, DataGenDriver(), {"kafka": KafkaDriver(broker, scenario.id)}, tmp_path)


def test_kafka_source_to_print_sink(broker: KafkaBroker, tmp_path: Path) -> None:
    scenario = Scenario("kafka", ("print",))
    project = build(scenario, tmp_path)
    run_flow(project, KafkaDriver(broker, scenario.id), {"print": PrintDriver()}, tmp_path)
