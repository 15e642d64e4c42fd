"""End to end with Kinesis: kinesis-mock (npm kinesis-local) started with Node, generated jobs
reading with polling (GetRecords) or enhanced fan-out (a job-managed consumer, SubscribeToShard)
and writing with PutRecords, on both Flink lines.

The Kinesis connector must come from the Maven repository the build uses: where that repository
does not serve it, the build names the missing coordinate and the tests are xfailed (as in the
compile tier). ``MSF_SCAFFOLD_MAVEN_ARGS`` can point the build at another repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness.drivers import KinesisDriver
from tests.e2e.harness.flows import run_flow
from tests.e2e.harness.job import Scenario, build
from tests.e2e.harness.kinesis import KinesisMock

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kinesis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KinesisMock]:
    mock = KinesisMock(tmp_path_factory.mktemp("kinesis")).start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.mark.parametrize("line", ["2.2", "1.20"])
@pytest.mark.parametrize("reader", ["POLLING", "EFO"])
def test_kinesis_source_to_kinesis_sink(kinesis: KinesisMock, tmp_path: Path, reader: str, line: str) -> None:
    label = f"{reader.lower()}-{line.replace('.', '')}"
    scenario = Scenario("kinesis", ("kinesis",), {"kinesis_reader": reader}, line=line, label=label)
    project = build(scenario, tmp_path)
    driver = KinesisDriver(kinesis, scenario.id)
    run_flow(project, driver, {"kinesis": driver}, tmp_path)
    consumer = project.properties()["KinesisSource"].get("source.efo.consumer.name")
    # EFO read through its own consumer, which the job registered; polling registers none.
    assert driver.consumers_seen == ({consumer} if reader == "EFO" else set()), driver.consumers_seen
