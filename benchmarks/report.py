"""Rendering results: a plain-text table for the terminal and ``docs/performance.md``."""

from __future__ import annotations

import math
from collections.abc import Sequence

from benchmarks.machine import Machine
from benchmarks.stats import Row, Summary, Table

HEADER = ("Measurement", "Median", "Spread (min-max)", "Ratio", "Ratio spread (min-max)", "n")


def number(value: float, unit: str) -> str:
    """A value with its unit, at a precision that suits it."""
    if math.isnan(value):
        return "n/a"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MB" and value < 1:
        return f"{value * 1000:.0f} kB"
    if unit in ("records/s", "projects"):
        return f"{value:,.0f}" + (" rec/s" if unit == "records/s" else "")
    return f"{value:.2f} {unit}"


def ratio(value: float) -> str:
    """A ratio such as ``1.23x``."""
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def _spread(summary: Summary, render: str) -> str:
    if summary.count == 1 or summary.low == summary.high:
        return "-" if summary.count == 1 else "none"
    if render == "ratio":
        return f"{ratio(summary.low)} - {ratio(summary.high)}"
    return f"{number(summary.low, render)} - {number(summary.high, render)}"


def cells(row: Row) -> tuple[str, ...]:
    """The row's cells in :data:`HEADER` order."""
    value, rate = row.summary, row.ratio
    return (
        row.label,
        number(value.median, row.unit),
        _spread(value, row.unit),
        ratio(rate.median),
        _spread(rate, "ratio"),
        str(value.count),
    )


def text_table(table: Table) -> str:
    """A table for the terminal."""
    rows = [HEADER, *(cells(row) for row in table.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [f"{table.title}", f"  baseline: {table.baseline}"]
    for index, row in enumerate(rows):
        lines.append("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(table: Table) -> str:
    """A table, its baseline and its notes in Markdown."""
    lines = [f"### {table.title}", "", f"Baseline: {table.baseline}.", ""]
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "|".join(["---", *(["---:"] * (len(HEADER) - 1))]) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells(row)) + " |")
    if table.notes:
        lines.append("")
        lines.extend(f"- {note}" for note in table.notes)
    return "\n".join(lines)


def document(
    tables: Sequence[Table],
    machine: Machine,
    method: Sequence[str],
    findings: Sequence[str],
    header: Sequence[str],
) -> str:
    """``docs/performance.md``."""
    parts = [
        "# Performance",
        "",
        "<!-- Written by `python -m benchmarks`: change benchmarks/ and run it, do not edit by hand. -->",
        "",
        *header,
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value.replace('|', '/')} |" for name, value in machine.facts),
        "",
        "## Method",
        "",
        *(f"- {item}" for item in method),
        "",
        "## Results",
    ]
    for table in tables:
        parts += ["", markdown_table(table)]
    parts += ["", "## Findings and suggested fixes", ""]
    parts += [f"{index}. {finding}" for index, finding in enumerate(findings, start=1)] or ["None."]
    return "\n".join(parts) + "\n"
