"""`doctor --json` output conforms to the JSON Schema the package ships, which documents every field."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from msf_scaffold.cli import main
from msf_scaffold.doctor import SCHEMA_VERSION, json_schema
from tests.doctor.builders import pom, write_jar, write_project
from tests.doctor.test_generated_and_samples import AWS_SAMPLE_JOB, _aws_sample_pom
from tests.helpers import ROOT, answers_for, render

SCHEMA_FILE = ROOT / "src/msf_scaffold/doctor/report.schema.json"


def _clean(root: Path) -> Path:
    return write_project(root)


def _errors_and_warnings(root: Path) -> Path:
    properties = {"kafka.version": "3.2.0-1.19", "maven.compiler.release": "17"}
    return write_project(root, pom(flink="1.20.0", properties=properties))


def _whole_file_findings_and_a_jar(root: Path) -> Path:
    project = write_project(root, pom(plugins=[]))  # no shade plugin: a finding without a line
    write_jar(project / "target/app-1.0.jar", ["com/example/Job.class", "org/slf4j/Logger.class"])
    return project


def _unknown_flink_version(root: Path) -> Path:
    return write_project(root, pom(flink="2.2.1").replace("<flink.version>2.2.1</flink.version>", ""))


def _aws_sample(root: Path) -> Path:
    java = {"src/main/java/com/amazonaws/services/msf/KafkaStreamingJob.java": AWS_SAMPLE_JOB}
    return write_project(root, _aws_sample_pom(), java={}, files=java)


def _generated(root: Path) -> Path:
    return render(root, answers_for("2.2", "kafka", ("kafka", "print")))


PROJECTS: dict[str, Callable[[Path], Path]] = {
    "clean": _clean,
    "errors-and-warnings": _errors_and_warnings,
    "whole-file-findings-and-a-jar": _whole_file_findings_and_a_jar,
    "unknown-flink-version": _unknown_flink_version,
    "aws-sample": _aws_sample,
    "generated": _generated,
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], int]]:
    """The report of ``msf-scaffold doctor --json`` on every project, and its exit code, by name."""
    results: dict[str, tuple[dict[str, Any], int]] = {}
    for name, build in PROJECTS.items():
        project = build(tmp_path_factory.mktemp(name) / "project")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["doctor", "--json", str(project)])
        assert err.getvalue() == "", err.getvalue()
        document = json.loads(out.getvalue())
        assert isinstance(document, dict)
        results[name] = (document, code)
    return results


def test_the_schema_is_a_valid_draft_2020_12_schema_shipped_in_the_package() -> None:
    schema = json_schema()
    assert schema == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {
        "description": schema["properties"]["schema_version"]["description"],
        "const": SCHEMA_VERSION,
    }


@pytest.mark.parametrize("name", list(PROJECTS))
def test_every_report_validates_against_the_schema(
    name: str, reports: dict[str, tuple[dict[str, Any], int]]
) -> None:
    document, code = reports[name]
    validator = Draft202012Validator(json_schema())
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(document)'}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    assert errors == []
    assert document["schema_version"] == 1
    findings = document["findings"]
    assert document["summary"] == {
        "errors": sum(f["severity"] == "error" for f in findings),
        "warnings": sum(f["severity"] == "warning" for f in findings),
    }
    # The exit-code rule of docs/doctor.md, read from the document.
    expected = 2 if document["flink_version"] is None else 1 if document["summary"]["errors"] else 0
    assert code == expected


def test_the_fixtures_cover_every_kind_of_value(reports: dict[str, tuple[dict[str, Any], int]]) -> None:
    documents = {name: document for name, (document, _) in reports.items()}
    codes = {code for _, code in reports.values()}
    findings = [f for document in documents.values() for f in document["findings"]]
    assert codes == {0, 1, 2}
    assert documents["clean"]["findings"] == documents["generated"]["findings"] == []
    assert {f["severity"] for f in findings} == {"error", "warning"}
    assert {type(f["line"]) for f in findings} == {int, type(None)}
    assert documents["whole-file-findings-and-a-jar"]["jar"] == "target/app-1.0.jar"
    assert documents["unknown-flink-version"]["flink_version"] is None
    assert documents["unknown-flink-version"]["msf_runtime"] is None
    assert documents["generated"]["msf_runtime"] == "FLINK-2_2"


def _objects(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, subschema) of every object the schema describes: the document, summary, a finding."""
    yield "", schema
    yield "summary.", schema["properties"]["summary"]
    yield "findings[].", schema["$defs"]["finding"]


def test_the_schema_lists_exactly_the_fields_the_report_emits(
    reports: dict[str, tuple[dict[str, Any], int]],
) -> None:
    schema = json_schema()
    documents = [document for document, _ in reports.values()]
    emitted = {
        "": {key for document in documents for key in document},
        "summary.": {key for document in documents for key in document["summary"]},
        "findings[].": {key for document in documents for f in document["findings"] for key in f},
    }
    for path, subschema in _objects(schema):
        assert subschema["type"] == "object"
        assert subschema["additionalProperties"] is False, path
        assert set(subschema["properties"]) == emitted[path], path
        assert set(subschema["required"]) == emitted[path], path
    assert schema["properties"]["findings"]["items"] == {"$ref": "#/$defs/finding"}


def test_docs_describe_every_field_and_the_versioning_rule() -> None:
    docs = (ROOT / "docs" / "doctor.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", docs, flags=re.MULTILINE))
    fields = {path + key for path, subschema in _objects(json_schema()) for key in subschema["properties"]}
    assert fields <= rows, sorted(fields - rows)
    assert "**Versioning rule.**" in docs
    assert "report.schema.json" in docs
