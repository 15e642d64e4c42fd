"""The README's demo: generate projects, build and test them, and run them locally.

First a project with the sample data generator as source and the print sink (nothing outside
this machine is needed): it runs the project's own unit and MiniCluster tests with the Maven
Wrapper, then runs the job locally on an embedded Flink cluster until the generator's 50 records
are processed: transformed records print with the `output` prefix, malformed ones with
`dead-letter`.

Then the default project, Kinesis -> Kinesis, against kinesis-mock, a local Kinesis emulator
(tools/demo_kinesis.py): records put into its input stream come out of its output stream
transformed (`kinesis-output`), malformed ones out of its dead-letter stream
(`kinesis-dead-letter`). Where the Maven repository does not serve the Kinesis connector, that
part says so (`kinesis: not run:` and the coordinates) instead of running.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import demo_kinesis
from demo_steps import ROOT, generate, run_step


def main() -> int:
    """Runs the demo; returns 0 when every step succeeded."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dest", type=Path, default=ROOT / ".demo" / "stock-prices")
    parser.add_argument("--flink-version", default="2.2")
    args = parser.parse_args()
    destination: Path = args.dest.resolve()
    if destination.exists():
        shutil.rmtree(destination)

    output = generate(
        "Generate a project (data generator -> print) with msf-scaffold",
        destination,
        {
            "project_name": "Stock Prices",
            "source": "datagen",
            "sinks": "[print]",
            "flink_version": args.flink_version,
        },
    )
    print(output)
    output = run_step(
        "Build it and run its unit and MiniCluster tests", ["./mvnw", "-B", "verify"], destination
    )
    print("\n".join(line for line in output.splitlines() if "Tests run:" in line and " in " not in line))
    output = run_step(
        "Run the job locally with src/main/resources/flink-application-properties-dev.json",
        ["./mvnw", "-B", "-q", "compile", "exec:exec"],
        destination,
    )
    records = [line for line in output.splitlines() if line.startswith(("output:", "dead-letter:"))]
    print("\n".join(records))
    valid = sum(line.startswith("output:") for line in records)
    dead = sum(line.startswith("dead-letter:") for line in records)
    print(f"\n{valid} records transformed, {dead} malformed records sent to the dead-letter output.")
    print(f"The project is in {destination}; its README explains what to do next.")
    if not (valid and dead):
        return 1

    kinesis = destination.with_name(f"{destination.name}-kinesis")
    if kinesis.exists():
        shutil.rmtree(kinesis)
    if demo_kinesis.run(kinesis, args.flink_version):
        print(f"The Kinesis project is in {kinesis}; its README explains the same run with docker compose.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
