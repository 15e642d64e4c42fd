"""Steps both parts of the demo take: a titled command, and generating a project with the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_step(title: str, command: list[str], cwd: Path) -> str:
    """Prints the step and its command, runs it and returns its output; exits the demo on failure."""
    print(f"\n==> {title}\n    $ {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(result.stdout[-8000:], result.stderr[-8000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"demo failed at: {title}")
    return result.stdout


def generate(title: str, destination: Path, answers: dict[str, str]) -> str:
    """Generates a project with `msf-scaffold new --defaults` and these answers."""
    data = [option for key, value in answers.items() for option in ("--data", f"{key}={value}")]
    command = [sys.executable, "-m", "msf_scaffold", "new", str(destination), "--defaults", *data]
    return run_step(title, command, ROOT)
