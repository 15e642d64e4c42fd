"""``msf-scaffold doctor``: checks any Maven Flink project for pitfalls on MSF.

Use :func:`run_doctor` to check a project, :func:`render_text` or :func:`render_json` to show the
report, :func:`json_schema` for the JSON report's schema, and :func:`exit_code` for the CI exit
status. The rules are described in docs/doctor.md.
"""

from __future__ import annotations

from pathlib import Path

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.doctor.project import Project, load_project
from msf_scaffold.doctor.report import (
    SCHEMA_VERSION,
    DoctorReport,
    Finding,
    Severity,
    exit_code,
    json_schema,
    render_json,
    render_text,
    sort_findings,
)
from msf_scaffold.doctor.rules import RULES, check

__all__ = [
    "RULES",
    "SCHEMA_VERSION",
    "DoctorReport",
    "Finding",
    "Severity",
    "exit_code",
    "json_schema",
    "render_json",
    "render_text",
    "run_doctor",
]


def run_doctor(path: Path, catalog: Catalog | None = None) -> DoctorReport:
    """Checks the Maven project in ``path`` and returns the findings.

    Args:
        path: the directory holding the project's pom.xml.
        catalog: the version catalog to compare against (default: the packaged one).

    Raises:
        UserError: when ``path`` has no pom.xml, or a pom or the built JAR cannot be read.
    """
    return report_of(load_project(path, catalog or load_catalog()), path)


def report_of(project: Project, path: Path) -> DoctorReport:
    """The report of a loaded project (``path`` as the user gave it)."""
    return DoctorReport(
        project=path.resolve(),
        flink_version=project.flink.text if project.flink else None,
        msf_runtime=project.msf_runtime(),
        jar=project.relative(project.jar.path) if project.jar else None,
        findings=sort_findings(check(project)),
    )
