"""A project is named after the folder it is generated into, by `msf-scaffold new` and by plain
`copier copy` alike: the folder's name gives the artifact, the project name (the MSF application)
and the package; `.` or a name without letters keeps the template's defaults; an answer wins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import loads

from msf_scaffold.generate import generate
from tests.helpers import ROOT, Pom, answers_file

COPIER = str(Path(sys.executable).with_name("copier"))

#: destination as typed -> (artifact_id, project_name) the project gets.
NAMED = {
    "orders-app": ("orders-app", "Orders App"),
    "Orders_App2": ("orders-app2", "Orders App2"),
    ".": ("my-flink-app", "My Flink App"),
}


def _run(tool: str, destination: str, cwd: Path, *data: str) -> None:
    """Generates with ``tool`` (the CLI or plain copier) into ``destination`` as typed in ``cwd``."""
    flags = [arg for item in data for arg in ("-d", item)]
    if tool == "cli":
        command = [sys.executable, "-m", "msf_scaffold", "new", destination, "--defaults", "--no-git"]
        command += ["--template", str(ROOT), "--vcs-ref", "HEAD", *flags]
    else:
        command = [
            COPIER,
            "copy",
            "--defaults",
            "--quiet",
            "--vcs-ref",
            "HEAD",
            *flags,
            str(ROOT),
            destination,
        ]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]


def _names(project: Path) -> dict[str, Any]:
    """The names as the project's files state them: pom, answers file and CloudFormation."""
    pom = Pom(project / "pom.xml")
    answers = answers_file(project)
    application = loads((project / "infra/cloudformation/application.yml").read_text(encoding="utf-8"))
    return {
        "pom artifactId": pom.text("m:artifactId"),
        "pom name": pom.text("m:name"),
        "artifact_id": answers["artifact_id"],
        "project_name": answers["project_name"],
        "package": answers["package"],
        "MSF application": application["Parameters"]["ApplicationName"]["Default"],
    }


def _expected(artifact: str, name: str, package: str | None = None) -> dict[str, Any]:
    return {
        "pom artifactId": artifact,
        "pom name": name,
        "artifact_id": artifact,
        "project_name": name,
        "package": package or f"com.example.{artifact.replace('-', '')}",
        "MSF application": artifact,
    }


@pytest.mark.parametrize("tool", ["cli", "copier"])
@pytest.mark.parametrize("destination", list(NAMED))
def test_the_destination_names_the_project(tmp_path: Path, tool: str, destination: str) -> None:
    cwd = tmp_path / "here"
    cwd.mkdir()
    _run(tool, destination, cwd)
    project = (cwd / destination).resolve()
    assert _names(project) == _expected(*NAMED[destination])


@pytest.mark.parametrize("tool", ["cli", "copier"])
def test_an_answered_artifact_id_wins_over_the_destination(tmp_path: Path, tool: str) -> None:
    _run(tool, "orders-app", tmp_path, "artifact_id=billing-events")
    assert _names(tmp_path / "orders-app") == _expected(
        "billing-events", "Orders App", package="com.example.billingevents"
    )


def test_an_answered_project_name_names_the_artifact_as_before(tmp_path: Path) -> None:
    _run("copier", "orders-app", tmp_path, "project_name=Payments Fraud")
    assert _names(tmp_path / "orders-app") == _expected("payments-fraud", "Payments Fraud")


def test_organisation_defaults_win_over_the_destination(tmp_path: Path) -> None:
    result = generate(
        tmp_path / "orders-app",
        defaults=True,
        git=False,
        user_defaults={"project_name": "Team Default"},
        template=str(ROOT),
        vcs_ref="HEAD",
    )
    assert _names(result.destination) == _expected("team-default", "Team Default")


@pytest.mark.parametrize(
    ("destination", "expected"),
    [
        # Leading digits and separators go: an artifact and a project name start with a letter.
        ("2026_Orders--App", ("orders-app", "Orders App")),
        # Nothing valid is left: the defaults stay.
        ("2026", ("my-flink-app", "My Flink App")),
        # Cut to the 63 characters a project name may have, without a trailing '-'.
        ("a" * 62 + "-bc", ("a" * 62, "A" + "a" * 61)),
    ],
)
def test_any_folder_name_gives_valid_names_or_the_defaults(
    tmp_path: Path, destination: str, expected: tuple[str, str]
) -> None:
    _run("copier", destination, tmp_path)
    assert _names(tmp_path / destination) == _expected(*expected)
