"""Results as data: repeated samples, their summaries, and ratios against a paired baseline.

A :class:`Row` holds one measurement's samples and, run by run, the baseline's samples taken in the
same repetition. Its ratio is computed per repetition (sample / baseline sample) and summarised
like the samples themselves, so run-to-run drift of the machine affects both sides alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Summary:
    """Median, extremes and quartiles of a set of samples."""

    median: float
    low: float
    high: float
    q1: float
    q3: float
    count: int


def summarize(values: Sequence[float]) -> Summary:
    """Summarises ``values`` (at least one)."""
    if not values:
        raise ValueError("no samples to summarise")
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Summary(statistics.median(ordered), ordered[0], ordered[-1], q1, q3, len(ordered))


@dataclass(frozen=True)
class Row:
    """One measurement: samples, and the baseline's samples of the same repetitions."""

    key: str
    label: str
    unit: str
    values: tuple[float, ...]
    baseline: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(self.baseline) or not self.values:
            raise ValueError(f"{self.key}: {len(self.values)} samples but {len(self.baseline)} baselines")

    @property
    def summary(self) -> Summary:
        """Summary of the samples."""
        return summarize(self.values)

    @property
    def ratios(self) -> tuple[float, ...]:
        """Sample / baseline, repetition by repetition."""
        return tuple(v / b if b else float("nan") for v, b in zip(self.values, self.baseline, strict=True))

    @property
    def ratio(self) -> Summary:
        """Summary of :attr:`ratios`."""
        return summarize(self.ratios)


def paired_row(key: str, label: str, unit: str, values: Sequence[float], baseline: Sequence[float]) -> Row:
    """A :class:`Row` from plain sequences."""
    return Row(key, label, unit, tuple(values), tuple(baseline))


@dataclass
class Table:
    """Rows that share a baseline, with notes on how they were measured."""

    key: str
    title: str
    baseline: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Derived values (not timings) that findings use, such as a configured rate limit.
    facts: dict[str, float] = field(default_factory=dict)

    def add(self, key: str, label: str, unit: str, values: Sequence[float], baseline: Sequence[float]) -> Row:
        """Adds and returns a row."""
        row = paired_row(key, label, unit, values, baseline)
        self.rows.append(row)
        return row

    def row(self, key: str) -> Row | None:
        """The row with ``key``, if present."""
        return next((row for row in self.rows if row.key == key), None)
