"""The README's demo: generate a project, build and test it, and run it locally.

It generates a project with the sample data generator as source and the print sink (so nothing
outside this machine is needed), runs its own unit and MiniCluster tests with the Maven Wrapper,
then runs the job locally on an embedded Flink cluster until the generator's 50 records are
processed: transformed records print with the `output` prefix, malformed ones with `dead-letter`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(title: str, command: list[str], cwd: Path) -> str:
    print(f"\n==> {title}\n    $ {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-8000:], result.stderr[-8000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"demo failed at: {title}")
    return result.stdout


def main() -> int:
    """Runs the demo; returns 0 when every step succeeded."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dest", type=Path, default=ROOT / ".demo" / "stock-prices")
    parser.add_argument("--flink-version", default="2.2")
    args = parser.parse_args()
    destination: Path = args.dest.resolve()
    if destination.exists():
        shutil.rmtree(destination)

    output = _run(
        "Generate a project (data generator -> print) with msf-scaffold",
        [
            sys.executable,
            "-m",
            "msf_scaffold",
            "new",
            str(destination),
            "--defaults",
            "--data",
            "project_name=Stock Prices",
            "--data",
            "source=datagen",
            "--data",
            "sinks=[print]",
            "--data",
            f"flink_version={args.flink_version}",
        ],
        ROOT,
    )
    print(output)
    output = _run("Build it and run its unit and MiniCluster tests", ["./mvnw", "-B", "verify"], destination)
    print("\n".join(line for line in output.splitlines() if "Tests run:" in line and " in " not in line))
    output = _run(
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
    return 0 if valid and dead else 1


if __name__ == "__main__":
    sys.exit(main())
