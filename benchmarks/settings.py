"""How much to measure: repetitions, sizes and which stages run."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("generation", "build", "verification", "throughput")


@dataclass(frozen=True)
class Settings:
    """Parameters of one benchmark run; :meth:`default` and :meth:`quick` are the presets."""

    repeats: int
    build_repeats: int
    reactor_repeats: int
    reactor_sizes: tuple[int, ...]
    throughput_repeats: int
    throughput_jobs: int
    records: int
    warmup_records: int
    parallelism: int
    stages: tuple[str, ...]
    keep_temp: bool = False

    @classmethod
    def default(cls) -> Settings:
        """The full run: about 12 to 15 minutes on 2 idle cores with a warm Maven repository."""
        return cls(
            repeats=5,
            build_repeats=3,
            reactor_repeats=2,
            reactor_sizes=(1, 2, 4),
            throughput_repeats=3,
            throughput_jobs=3,
            records=600_000,
            warmup_records=100_000,
            parallelism=2,
            stages=STAGES,
        )

    @classmethod
    def quick(cls) -> Settings:
        """A smoke run: fewer repetitions, smaller sizes (a few minutes)."""
        return replace(
            cls.default(),
            repeats=3,
            build_repeats=2,
            reactor_repeats=1,
            reactor_sizes=(1, 2),
            throughput_repeats=2,
            throughput_jobs=1,
            records=200_000,
            warmup_records=50_000,
        )
