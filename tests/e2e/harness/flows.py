"""The end-to-end flow every scenario runs: records in, transformed records and dead letters out."""

from __future__ import annotations

import json
from pathlib import Path

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.drivers import DataGenDriver, Driver
from tests.e2e.harness.job import BuiltProject
from tests.e2e.harness.processes import ManagedProcess
from tests.e2e.harness.records import FIRST_BATCH, SECOND_BATCH, encode, normalised, ordered

#: Bound on each wait for output, job start-up included.
OUTPUT_TIMEOUT_S = 150
TICKERS = {"AMZN", "MSFT", "GOOG", "AAPL", "TSLA"}


def job_properties(
    project: BuiltProject, source: Driver, sinks: dict[str, Driver]
) -> dict[str, dict[str, str]]:
    """The project's local properties with each group pointed at the test's services by its driver."""
    catalog_groups = project.properties()
    catalog = load_catalog()
    source_role = catalog.connectors[project.scenario.source].source
    assert source_role is not None
    catalog_groups[source_role.property_group] = {
        **catalog_groups.get(source_role.property_group, {}),
        **source.source_properties(),
    }
    for index, (sink_id, driver) in enumerate(sinks.items()):
        role = catalog.connectors[sink_id].sink
        assert role is not None
        catalog_groups[role.property_group] = {
            **catalog_groups.get(role.property_group, {}),
            **driver.sink_properties(dead_letter=False),
        }
        if index == 0:
            catalog_groups["DeadLetterSink"] = {
                **catalog_groups.get("DeadLetterSink", {}),
                **driver.sink_properties(dead_letter=True),
            }
    return catalog_groups


def run_flow(project: BuiltProject, source: Driver, sinks: dict[str, Driver], workdir: Path) -> None:
    """Runs the job and asserts what every sink receives; malformed records reach the dead-letter
    output of the first sink, and an unbounded job keeps running after them."""
    environment: dict[str, str] = {**source.environment}
    for driver in sinks.values():
        environment.update(driver.environment)
    job = project.run(
        job_properties(project, source, sinks), workdir / f"{project.scenario.id}.log", environment
    )
    try:
        if source.bounded:
            _bounded_flow(job, sinks)
        else:
            _streaming_flow(job, source, sinks)
    finally:
        job.stop()


def _bounded_flow(job: ManagedProcess, sinks: dict[str, Driver]) -> None:
    code = job.wait(timeout_s=OUTPUT_TIMEOUT_S * 2)
    assert code == 0, f"the bounded job failed ({code}):\n{job.tail()}"
    records, malformed_every = DataGenDriver.RECORDS, DataGenDriver.MALFORMED_EVERY
    dead_count = records // malformed_every
    for index, (sink_id, driver) in enumerate(sinks.items()):
        prices = driver.read(job, dead_letter=False, count=records - dead_count, timeout_s=OUTPUT_TIMEOUT_S)
        assert len(prices) == records - dead_count, (sink_id, prices, job.tail())
        assert {price["ticker"] for price in prices} == TICKERS, sink_id
        assert all(round(price["price"], 2) == price["price"] > 0 for price in prices), sink_id
        if index == 0:
            dead = driver.read(job, dead_letter=True, count=dead_count, timeout_s=OUTPUT_TIMEOUT_S)
            assert len(dead) == dead_count, (sink_id, dead)
            assert all("not a stock price JSON object" in letter["error"] for letter in dead), dead


def _streaming_flow(job: ManagedProcess, source: Driver, sinks: dict[str, Driver]) -> None:
    malformed = source.malformed()
    source.send(encode(FIRST_BATCH) + malformed)
    first_sink = next(iter(sinks.values()))
    for sink_id, driver in sinks.items():
        prices = driver.read(job, dead_letter=False, count=len(FIRST_BATCH), timeout_s=OUTPUT_TIMEOUT_S)
        assert ordered(prices) == normalised(FIRST_BATCH), f"{sink_id}: {prices}\n{job.tail()}"
    dead = first_sink.read(job, dead_letter=True, count=len(malformed), timeout_s=OUTPUT_TIMEOUT_S)
    received = sorted(json.dumps(source.as_sent(letter["raw"]), sort_keys=True) for letter in dead)
    sent = sorted(json.dumps(source.as_sent(record), sort_keys=True) for record in malformed)
    assert received == sent, f"{dead}\n{job.tail()}"
    assert all(letter["error"] for letter in dead)
    assert job.running, f"the job stopped after the malformed records:\n{job.tail()}"

    source.send(encode(SECOND_BATCH))
    everything = FIRST_BATCH + SECOND_BATCH
    for sink_id, driver in sinks.items():
        prices = driver.read(job, dead_letter=False, count=len(everything), timeout_s=OUTPUT_TIMEOUT_S)
        assert ordered(prices) == normalised(everything), f"{sink_id}: {prices}\n{job.tail()}"
    assert job.running, f"the job stopped:\n{job.tail()}"
