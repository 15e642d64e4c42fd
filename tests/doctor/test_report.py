"""The report: JSON, text, the exit-code rule, and the errors a user can fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msf_scaffold.doctor import (
    RULES,
    DoctorReport,
    Finding,
    Severity,
    exit_code,
    render_json,
    render_text,
    run_doctor,
)
from msf_scaffold.errors import UserError
from tests.doctor.builders import pom, write_project


def _report(*severities: Severity) -> DoctorReport:
    findings = tuple(
        Finding("MSF00X", "test-rule", s, f"problem {i}", f"fix {i}", "pom.xml", i + 1)
        for i, s in enumerate(severities)
    )
    return DoctorReport(Path("p"), "2.2.0", "FLINK-2_2", None, findings)


@pytest.mark.parametrize(
    ("severities", "normal", "strict"),
    [
        ((), 0, 0),
        ((Severity.WARNING,), 0, 1),
        ((Severity.ERROR,), 1, 1),
        ((Severity.WARNING, Severity.ERROR), 1, 1),
    ],
)
def test_exit_code(severities: tuple[Severity, ...], normal: int, strict: int) -> None:
    report = _report(*severities)
    assert exit_code(report) == normal
    assert exit_code(report, strict=True) == strict


def test_json_output_parses_and_holds_every_finding(tmp_path: Path) -> None:
    project = write_project(tmp_path, pom(flink="1.20.0", properties={"kafka.version": "4.0.1-2.0"}))
    report = run_doctor(project)
    document = json.loads(render_json(report))
    assert document["flink_version"] == "1.20.0"
    assert document["msf_runtime"] == "FLINK-1_20"
    assert document["summary"] == {"errors": 1, "warnings": 0}
    [finding] = document["findings"]
    assert finding["rule"] == "MSF001" and finding["severity"] == "error"
    assert finding["file"] == "pom.xml" and isinstance(finding["line"], int)
    assert set(finding) == {"rule", "name", "severity", "file", "line", "message", "fix"}


def test_text_output_names_rule_location_and_fix() -> None:
    text = render_text(_report(Severity.WARNING, Severity.ERROR))
    assert "WARNING MSF00X test-rule  pom.xml:1" in text
    assert "fix: fix 1" in text
    assert text.rstrip().endswith("1 error, 1 warning")


def test_text_output_without_findings() -> None:
    assert "No findings" in render_text(_report())


def test_findings_are_sorted_errors_first(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        pom(flink="1.20.0", properties={"kafka.version": "3.2.0-1.19", "maven.compiler.release": "17"}),
    )
    severities = [f.severity for f in run_doctor(project).findings]
    assert severities == [Severity.ERROR, Severity.WARNING]


def test_no_pom_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"pom\.xml not found: run the doctor on the directory"):
        run_doctor(tmp_path)


def test_not_a_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is not a directory"):
        run_doctor(tmp_path / "missing")


def test_malformed_pom_is_a_user_error_naming_file_and_line(tmp_path: Path) -> None:
    write_project(tmp_path, "<project>\n<dependencies>\n</project>\n")
    with pytest.raises(UserError, match=r"pom\.xml is not well-formed XML \(mismatched tag: line 3"):
        run_doctor(tmp_path)


def test_a_multi_module_parent_is_a_user_error(tmp_path: Path) -> None:
    text = pom().replace(
        "<properties>", "<packaging>pom</packaging><modules><module>job</module></modules><properties>"
    )
    write_project(tmp_path, text)
    with pytest.raises(UserError, match=r"multi-module parent.*job"):
        run_doctor(tmp_path)


def test_a_parent_pom_supplies_properties(tmp_path: Path) -> None:
    parent = pom(flink="1.20.0", properties={"kafka.version": "3.2.0-1.19"})
    write_project(tmp_path, parent.replace("<build>", "<packaging>pom</packaging><build>"), java={})
    child = (
        pom()
        .replace("<flink.version>1.20.3</flink.version>", "")
        .replace("<kafka.version>3.4.0-1.20</kafka.version>", "")
    )
    child = child.replace(
        "<modelVersion>",
        "<parent><groupId>com.example</groupId><artifactId>app</artifactId>"
        "<version>1.0</version></parent>\n<modelVersion>",
    )
    report = run_doctor(write_project(tmp_path / "job", child))
    [finding] = report.findings
    assert report.flink_version == "1.20.0"
    assert (finding.rule, finding.severity) == ("MSF001", Severity.WARNING)
    assert finding.file == "../pom.xml"


def test_every_rule_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "doctor.md").read_text(encoding="utf-8")
    assert len({r.id for r in RULES}) == len(RULES) == 11
    for registered in RULES:
        assert f"### {registered.id} {registered.name}" in docs
        assert f"| {registered.id} | `{registered.name}` |" in docs
