"""The command line: argument handling, output and exit codes (no rendering here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msf_scaffold import __version__
from msf_scaffold.catalog import load_catalog
from msf_scaffold.cli import _answers_file, _parse_data, main
from tests.helpers import POM_WITH_A_DOCTOR_ERROR


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"msf-scaffold {__version__}"


def test_versions_prints_lines_and_connectors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions"]) == 0
    out = capsys.readouterr().out
    catalog = load_catalog()
    for line in catalog.flink.lines.values():
        assert line.msf_runtime in out
    kafka = catalog.pins()["kafka_connector"].value_for(catalog.flink.default_line)
    assert kafka is not None
    assert kafka in next(row for row in out.splitlines() if row.startswith("kafka "))
    assert main(["versions", "--details"]) == 0
    assert f"org.apache.flink:flink-connector-kafka:{kafka}" in capsys.readouterr().out
    assert f"Default {catalog.flink.default_line}: " in out
    for runtime in catalog.flink.not_offered:
        assert f"{runtime}: " in out
    assert "mysql_cdc on Flink 2.3: Flink CDC has no release for Flink 2.3" in out


def test_versions_json_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["versions", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    lines = {line["line"]: line for line in document["lines"]}
    assert lines["2.2"]["java_release"] == 17
    assert lines["2.2"]["default"] is True
    kafka = next(c for c in document["connectors"] if c["connector_id"] == "kafka")
    assert kafka["roles"] == ["source", "sink"]


def test_data_pairs_keep_values_as_typed() -> None:
    assert _parse_data(["flink_version=1.20", "sinks=[kafka, print]", "description=a=b"]) == {
        "flink_version": "1.20",
        "sinks": "[kafka, print]",
        "description": "a=b",
    }


@pytest.mark.parametrize("pair", ["flink_version", "=1.20", ""])
def test_malformed_data_pair_exits_2_with_the_fix(
    pair: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["new", str(tmp_path / "x"), "--defaults", "--data", pair]) == 2
    assert "must be KEY=VALUE, e.g. --data flink_version=1.20" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_answers_file_is_read_and_bookkeeping_keys_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("_commit: v0.1.0\n_src_path: x\nflink_version: '1.20'\nsinks: [kafka]\n")
    assert _answers_file(path) == {"flink_version": "1.20", "sinks": ["kafka"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [("- a\n- b\n", "must be a YAML mapping"), ("a: [\n", "is not valid YAML")],
)
def test_bad_answers_file_exits_2(
    tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(content)
    assert main(["new", str(tmp_path / "x"), "--defaults", "--answers-file", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_missing_answers_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "x"), "--defaults", "--answers-file", str(tmp_path / "nope.yml")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_unknown_command_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_doctor_on_a_directory_without_pom_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", str(tmp_path)]) == 2
    assert "pom.xml" in capsys.readouterr().err


def test_doctor_reports_an_error_with_exit_code_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pom.xml").write_text(POM_WITH_A_DOCTOR_ERROR)
    assert main(["doctor", str(tmp_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "MSF003" in {finding["rule"] for finding in report["findings"]}
