"""Findings, the report, its text and JSON renderings, and the exit-code rule."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any, cast

from msf_scaffold.doctor.remedies import Remedy

#: The version of the JSON report's shape (``schema_version``). Adding a field keeps it; removing or
#: renaming a field, or changing what a field means, increments it (docs/doctor.md).
SCHEMA_VERSION = 1

#: The JSON Schema (draft 2020-12) of the JSON report, a data file of this package.
SCHEMA_FILE = "report.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every :func:`render_json` document conforms to."""
    text = resources.files("msf_scaffold.doctor").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return cast("dict[str, Any]", json.loads(text))


class Severity(str, Enum):
    """How bad a finding is: errors fail the check, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, what is wrong, where, and how to fix it.

    Attributes:
        rule: the rule id, such as ``MSF001``.
        name: the rule's short name, such as ``connector-flink-mismatch``.
        severity: error or warning.
        message: what is wrong.
        fix: how to fix it.
        file: the file, relative to the project (POSIX separators).
        line: the 1-based line, or None when the finding concerns the whole file.
        remedy: what ``doctor --fix`` changes to fix it, or None (not part of the JSON report).
    """

    rule: str
    name: str
    severity: Severity
    message: str
    fix: str
    file: str
    line: int | None = None
    remedy: Remedy | None = field(default=None, compare=False, repr=False)

    @property
    def location(self) -> str:
        """``file:line`` (or ``file``)."""
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class DoctorReport:
    """The result of checking one project.

    Attributes:
        project: the checked directory.
        flink_version: the Flink version the pom builds against, or None if not found.
        msf_runtime: the MSF runtime id that matches it (such as ``FLINK-2_2``), or None.
        jar: the inspected application JAR relative to the project, or None if none was built.
        findings: the findings, errors first, then by file and line.
    """

    project: Path
    flink_version: str | None
    msf_runtime: str | None
    jar: str | None
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings of severity error."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings of severity warning."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors first, then by file, line and rule."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return tuple(sorted(findings, key=lambda f: (order[f.severity], f.file, f.line or 0, f.rule, f.message)))


#: Why a report without a Flink version cannot pass, and the fix.
UNKNOWN_FLINK = (
    "cannot tell the Flink version: the pom names Flink, but neither a flink.version property nor "
    "the version of flink-streaming-java (or flink-core, flink-clients, flink-runtime) resolves to "
    "a version, so the checks that depend on it were skipped; set <flink.version>, for example "
    "<flink.version>2.2.1</flink.version>, in pom.xml or a parent reachable through <relativePath>"
)


def exit_code(report: DoctorReport, *, strict: bool = False) -> int:
    """The exit code of a report.

    0 when the project passes, 1 when it has errors (or, with ``strict``, warnings), 2 when the
    Flink version is unknown, so the project could not be fully checked.
    """
    if report.flink_version is None:
        return 2
    failing = report.findings if strict else report.errors
    return 1 if failing else 0


def render_text(report: DoctorReport) -> str:
    """A readable report: one block per finding and a summary line."""
    flink = report.flink_version or "unknown"
    runtime = f", MSF runtime {report.msf_runtime}" if report.msf_runtime else ""
    lines = [f"msf-scaffold doctor: {report.project} (Flink {flink}{runtime})"]
    if report.jar:
        lines.append(f"  inspected JAR {report.jar}")
    lines.append("")
    for finding in report.findings:
        lines.append(f"{finding.severity.value.upper():<7} {finding.rule} {finding.name}  {finding.location}")
        lines.append(f"        {finding.message}")
        lines.append(f"        fix: {finding.fix}")
        lines.append("")
    if report.findings:
        lines.append(_summary(report))
    elif report.flink_version is not None:
        lines.append("No findings: nothing in this project is known to break on MSF.")
    if report.flink_version is None:
        lines.append(f"msf-scaffold doctor: {UNKNOWN_FLINK}.")
    return "\n".join(lines)


def _summary(report: DoctorReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def render_json(report: DoctorReport) -> str:
    """The report as a JSON document (its shape: :func:`json_schema` and docs/doctor.md)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "project": str(report.project),
        "flink_version": report.flink_version,
        "msf_runtime": report.msf_runtime,
        "jar": report.jar,
        "summary": {"errors": len(report.errors), "warnings": len(report.warnings)},
        "findings": [
            {
                "rule": f.rule,
                "name": f.name,
                "severity": f.severity.value,
                "file": f.file,
                "line": f.line,
                "message": f.message,
                "fix": f.fix,
            }
            for f in report.findings
        ],
    }
    return json.dumps(document, indent=2)
