"""Running commands, timing them, and repeating measurements in an interleaved order."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT_S = 30 * 60


class BenchmarkError(RuntimeError):
    """A command the benchmark depends on failed; the message names it and shows its output."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def run(
    command: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> subprocess.CompletedProcess[str]:
    """Runs ``command``; raises :class:`BenchmarkError` with its output's tail when it fails."""
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchmarkError(f"{' '.join(command)} timed out after {timeout:.0f} s in {cwd}") from error
    except OSError as error:
        raise BenchmarkError(f"{' '.join(command)} could not start: {error}") from error
    if result.returncode != 0:
        tail = (result.stdout[-3000:] + "\n" + result.stderr[-3000:]).strip()
        raise BenchmarkError(
            f"{' '.join(command)} failed with exit code {result.returncode} in {cwd}:\n{tail}",
            result.stdout + result.stderr,
        )
    return result


def timed(
    command: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> float:
    """Wall-clock seconds of a successful run of ``command``."""
    started = time.perf_counter()
    run(command, cwd, env=env, timeout=timeout)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Case:
    """One thing to measure: ``measure(repetition)`` does its own set-up and returns a sample."""

    key: str
    measure: Callable[[int], float]


def interleave(stage: str, cases: Sequence[Case], repeats: int) -> dict[str, list[float]]:
    """Samples of every case, measured round-robin: repetition 1 of all cases, then 2, ...

    Interleaving spreads slow drifts of the machine (caches, thermal, other load) over all cases
    instead of over one, which is what makes the per-repetition ratios meaningful.
    """
    samples: dict[str, list[float]] = {case.key: [] for case in cases}
    for repetition in range(repeats):
        for case in cases:
            value = case.measure(repetition)
            samples[case.key].append(value)
            progress(f"[{stage}] {case.key} {repetition + 1}/{repeats}: {value:.3f}")
    return samples


def progress(message: str) -> None:
    """A progress line on standard error (the table goes to standard output)."""
    print(message, file=sys.stderr, flush=True)
