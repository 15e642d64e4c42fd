"""End to end with the AWS sinks Moto emulates: Kafka in, Amazon Data Firehose (delivered to S3)
or Amazon DynamoDB out, with the DataStream factories and the Table API's SQL connectors.

Each sink is the project's only sink, so it also receives the dead letters (its dead-letter
stream or table). The connectors must come from the Maven repository the build uses: where that
repository does not serve them, the build names the missing coordinate and the test is xfailed
(as in the compile tier); ``MSF_SCAFFOLD_MAVEN_ARGS`` can point the build at another repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness.aws_sinks import DynamoDbDriver, FirehoseDriver
from tests.e2e.harness.drivers import Driver, KafkaDriver
from tests.e2e.harness.flows import run_flow
from tests.e2e.harness.job import Scenario, build
from tests.e2e.harness.kafka import KafkaBroker
from tests.e2e.harness.moto import MotoServer

pytestmark = pytest.mark.e2e

DRIVERS: dict[str, type[FirehoseDriver] | type[DynamoDbDriver]] = {
    "firehose": FirehoseDriver,
    "dynamodb": DynamoDbDriver,
}


@pytest.mark.parametrize("api", ["datastream", "table"])
@pytest.mark.parametrize("sink", list(DRIVERS))
def test_kafka_source_to_aws_sink(
    broker: KafkaBroker, moto: MotoServer, tmp_path: Path, sink: str, api: str
) -> None:
    scenario = Scenario("kafka", (sink,), {"api": api}, label=api)
    project = build(scenario, tmp_path)
    driver: Driver = DRIVERS[sink](moto, scenario.id)
    run_flow(project, KafkaDriver(broker, scenario.id), {sink: driver}, tmp_path)
