"""The demo's second part: the default project (Kinesis -> Kinesis) against a local Kinesis.

It generates the project that `msf-scaffold new --defaults` gives (the stock-price flow of the AWS
hands-on lab), builds it, starts kinesis-mock (the Kinesis emulator of the project's
docker-compose.yml, run here with Node) with an input, an output and a dead-letter stream, runs
the job locally on an embedded Flink cluster against it, puts stock prices and malformed records
into the input stream and prints what arrives in the output and dead-letter streams. No AWS
account is used: the job's runtime properties point its Kinesis clients at the emulator.

It reuses the end-to-end tier's harness (tests/e2e/harness): the same emulator, records and
runtime properties that tier's Kinesis test asserts on.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from demo_steps import ROOT, generate

if str(ROOT) not in sys.path:  # the e2e tier's harness is imported from the repository's tests
    sys.path.insert(0, str(ROOT))

from tests.e2e.harness.drivers import KinesisDriver
from tests.e2e.harness.flows import OUTPUT_TIMEOUT_S, job_properties
from tests.e2e.harness.job import BuildFailedError, NotServedHereError, Scenario, compile_project
from tests.e2e.harness.kinesis import KinesisMock
from tests.e2e.harness.records import FIRST_BATCH, encode

#: What the demo prints before the coordinates when the Maven repository lacks the connector.
NOT_SERVED = "kinesis: not run:"


def run(destination: Path, flink_version: str) -> bool:
    """Generates, builds and runs the default project against kinesis-mock; prints the records.

    Returns False when the project could not be built because the Maven repository does not serve
    one of its artifacts (the printed line names them); raises SystemExit for any other failure.
    """
    generate(
        "Generate the default project (Kinesis -> Kinesis) with msf-scaffold",
        destination,
        {"project_name": "Stock Prices Kinesis", "flink_version": flink_version},
    )

    print("\n==> Build it", flush=True)
    scenario = Scenario("kinesis", ("kinesis",), line=flink_version, label="demo")
    try:
        project = compile_project(destination, scenario)
    except NotServedHereError as error:
        print(f"{NOT_SERVED} {' '.join(error.missing)}")
        print(
            "    The Maven repository this machine reaches does not serve the Kinesis connector, so the "
            "default project cannot be built here. With Maven Central it builds and this step runs it "
            f"against a local Kinesis. Build log: {destination / 'build.log'}"
        )
        return False
    except BuildFailedError as error:
        raise SystemExit(f"demo failed at: build the default project\n{error}") from error

    workdir = destination / "target" / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    print("\n==> Start kinesis-mock (the project's docker-compose Kinesis emulator) with Node", flush=True)
    mock = KinesisMock(workdir).start()
    try:
        driver = KinesisDriver(mock, "stock-prices")
        for stream in (driver.input, driver.output, driver.dead_letters):
            print(f"    stream {stream}")
        print("\n==> Run the job locally against it and put records into the input stream", flush=True)
        job = project.run(
            job_properties(project, driver, {"kinesis": driver}), workdir / "job.log", driver.environment
        )
        try:
            malformed = driver.malformed()
            sent = encode(FIRST_BATCH) + malformed
            for record in sent:
                print(f"kinesis-input: {record}")
            driver.send(sent)
            prices = driver.read(job, dead_letter=False, count=len(FIRST_BATCH), timeout_s=OUTPUT_TIMEOUT_S)
            dead = driver.read(job, dead_letter=True, count=len(malformed), timeout_s=OUTPUT_TIMEOUT_S)
        finally:
            job.stop()
    finally:
        mock.stop()
    for price in prices:
        print(f"kinesis-output: {json.dumps(price)}")
    for letter in dead:
        print(f"kinesis-dead-letter: {json.dumps(letter)}")
    if len(prices) < len(FIRST_BATCH) or len(dead) < len(malformed):
        raise SystemExit(
            f"demo failed at: the job wrote {len(prices)} of {len(FIRST_BATCH)} prices and "
            f"{len(dead)} of {len(malformed)} dead letters; job log: {workdir / 'job.log'}"
        )
    print(f"\n{len(prices)} records transformed and {len(dead)} dead letters, read back from kinesis-mock.")
    return True
