"""Refused answers: HTTP 400 with JSON naming the field and the CLI's message; nothing is left behind."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from msf_scaffold.questions import question_names
from tests.helpers import ROOT
from tests.serve.conftest import Server


def cli_error(tmp_path: Path, org_file: Path, *data: str) -> str:
    """The message `msf-scaffold new` refuses the answers with (its standard error, prefix removed)."""
    arguments = [argument for item in data for argument in ("-d", item)]
    result = subprocess.run(
        [
            *(sys.executable, "-m", "msf_scaffold", "new", str(tmp_path / "p"), "--no-git", "--defaults"),
            *("--org-defaults", str(org_file), *arguments),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert not (tmp_path / "p").exists()
    return result.stderr.strip().removeprefix("msf-scaffold: error: ")


CASES = {
    "validator": ({"artifact_id": "Orders_App"}, ["artifact_id=Orders_App"], "artifact_id"),
    "organisation": ({"experience": "experienced"}, ["experience=experienced"], "experience"),
    "yaml": ({"tags": "{a: [1"}, ["tags={a: [1"], "tags"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_refusal_names_the_field_with_the_cli_message(
    server: Server, org_file: Path, tmp_path: Path, case: tuple[dict[str, str], list[str], str]
) -> None:
    query, cli_data, field = case
    status, problem = server.json("/starter.zip", query)
    assert status == 400
    assert problem == {"field": field, "message": cli_error(tmp_path, org_file, *cli_data)}
    assert server.wait_until_clean() == []


def test_unknown_question_and_repeated_answer(server: Server) -> None:
    status, problem = server.json("/starter.zip", {"sinkz": "kafka"})
    assert (status, problem["field"]) == (400, "sinkz")
    assert "did you mean sinks?" in problem["message"]
    assert ", ".join(question_names(ROOT)) in problem["message"]
    status, problem = server.json("/starter.zip", "source=kafka&source=kinesis")
    assert (status, problem["field"]) == (400, "source")
    assert "given 2 times" in problem["message"]


def test_invalid_choice_names_the_field(server: Server) -> None:
    status, problem = server.json("/preview", {"sinks": "kafka,parquet"})
    assert (status, problem["field"]) == (400, "sinks")
    assert "'parquet' is not in" in problem["message"]


def test_oversized_query_and_other_methods_are_refused(server: Server) -> None:
    status, problem = server.json("/starter.zip", {"description": "x" * 5000})
    assert status == 414
    assert problem["field"] is None and "longer than the 4096" in problem["message"]
    assert status_of(server.url + "/starter.zip", method="POST") == 405
    assert server.temp_root.is_dir() and server.wait_until_clean() == []


def status_of(url: str, method: str) -> int:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, method=method, data=b""), timeout=30
        ) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code
