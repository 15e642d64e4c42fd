"""Poms the doctor cannot judge: exponential properties, modules that are not Flink projects, and
Flink projects whose Flink version it cannot tell. Each ends in a message and exit code 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from msf_scaffold.cli import main
from msf_scaffold.doctor import exit_code, render_json, render_text, run_doctor
from msf_scaffold.doctor.pom import MAX_EXPANSION, SuspiciousPomError
from msf_scaffold.errors import UserError
from tests.doctor.builders import dep, pom, shade, write_project


def _exponential(levels: int, width: int) -> dict[str, str]:
    """``p1`` repeats ``p0`` ``width`` times, ``p2`` repeats ``p1``, ...: width**levels copies."""
    properties = {"p0": "x" * 100}
    for level in range(1, levels + 1):
        properties[f"p{level}"] = f"${{p{level - 1}}}" * width
    return properties


@pytest.mark.parametrize(
    ("levels", "width", "used_in"), [(10, 2, "flink.version"), (10, 10, "kafka.version")]
)
def test_exponential_properties_are_refused_fast_as_suspicious(
    tmp_path: Path, levels: int, width: int, used_in: str, capsys: pytest.CaptureFixture[str]
) -> None:
    properties = _exponential(levels, width)
    properties[used_in] = f"${{p{levels}}}"
    project = write_project(tmp_path, pom(flink="2.2.1", properties=properties))
    started = time.monotonic()
    with pytest.raises(SuspiciousPomError) as error:
        run_doctor(project)
    assert time.monotonic() - started < 5
    message = str(error.value)
    assert message.startswith(f"{project / 'pom.xml'}: the property reference ${{p")
    assert f"more than {MAX_EXPANSION} characters: the pom is suspicious" in message
    assert main(["doctor", str(project)]) == 2
    assert "the pom is suspicious" in capsys.readouterr().err


def test_properties_that_expand_within_the_limit_are_resolved(tmp_path: Path) -> None:
    properties = _exponential(4, 2)  # 16 copies of 100 characters
    properties["flink.version"] = "2.2.${p4}"
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.1", properties=properties)))
    assert report.flink_version == "2.2." + "x" * 1600


def test_a_module_that_is_not_a_flink_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = pom(flink="2.2.1", dependencies=[dep("com.fasterxml.jackson.core", "jackson-databind", "2.22.4")])
    text = text.replace("<flink.version>2.2.1</flink.version>", "")
    project = write_project(tmp_path, text)
    with pytest.raises(UserError, match=r"is not a Flink project: it has no org\.apache\.flink dependency"):
        run_doctor(project)
    assert main(["doctor", str(project)]) == 2
    captured = capsys.readouterr()
    assert "ERROR" not in captured.out  # no Flink findings on a module that is not Flink
    assert "run it on the module that builds the Flink application JAR" in captured.err


def test_an_unknown_flink_version_exits_2_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = pom(flink="2.2.1").replace("<flink.version>2.2.1</flink.version>", "")
    project = write_project(tmp_path, text)  # flink-streaming-java at ${flink.version}, never defined
    report = run_doctor(project)
    assert report.flink_version is None
    assert exit_code(report) == 2 and exit_code(report, strict=True) == 2
    assert "cannot tell the Flink version" in render_text(report)
    assert "No findings" not in render_text(report)
    assert '"flink_version": null' in render_json(report)
    assert main(["doctor", str(project)]) == 2
    assert "set <flink.version>, for example <flink.version>2.2.1</flink.version>" in capsys.readouterr().out


def _module(parent: str, dependencies: list[str]) -> str:
    """A module pom whose parent (``..``) supplies flink.version and manages the Flink artifacts."""
    text = pom(dependencies=dependencies, plugins=[])
    text = text.replace("<flink.version>1.20.3</flink.version>", "").replace(
        "<artifactId>app</artifactId>", ""
    )
    return text.replace(
        "<modelVersion>4.0.0</modelVersion>",
        f"<modelVersion>4.0.0</modelVersion>\n<parent><groupId>com.example</groupId><artifactId>{parent}"
        "</artifactId><version>1.0</version></parent>\n<artifactId>common</artifactId>",
    )


def test_a_module_without_flink_in_a_flink_multi_module_build_is_not_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    managed = [dep("org.apache.flink", "flink-streaming-java", "${flink.version}", "provided")]
    parent = pom(managed=managed, dependencies=[]).replace(
        "<properties>", "<packaging>pom</packaging><modules><module>common</module></modules><properties>"
    )
    write_project(tmp_path, parent, java={})
    common = write_project(
        tmp_path / "common",
        _module("app", [dep("com.fasterxml.jackson.core", "jackson-databind", "2.22.4")]),
        java={"Util.java": "package com.example;\nclass Util {}\n"},
    )
    with pytest.raises(
        UserError, match=r"common/pom\.xml is not a Flink project: it has no org\.apache\.flink"
    ):
        run_doctor(common)
    assert main(["doctor", str(common)]) == 2
    captured = capsys.readouterr()
    assert "ERROR" not in captured.out and "MSF004" not in captured.out
    assert "flink.version is inherited from" in captured.err


def test_a_module_that_inherits_its_flink_dependencies_is_checked(tmp_path: Path) -> None:
    parent = pom().replace("<build>", "<packaging>pom</packaging><build>")
    write_project(tmp_path, parent, java={})
    module = write_project(
        tmp_path / "common", _module("app", []).replace("<build><plugins>", f"<build><plugins>{shade()}")
    )
    report = run_doctor(module)
    assert report.flink_version == "1.20.3"
    assert report.findings == ()
