"""Connector options change exactly what their catalog `when` conditions say: the local runtime
properties (equal to the Python definition in properties.py) and the execution role's IAM table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, applies
from msf_scaffold.properties import property_groups
from tests.helpers import answers_for, local_properties, render

EFO_CASES = [
    pytest.param({"kinesis_reader": "POLLING"}, id="polling"),
    pytest.param(
        {
            "kinesis_reader": "EFO",
            "kinesis_efo_lifecycle": "JOB_MANAGED",
            "kinesis_efo_consumer": "orders.efo_1",
        },
        id="efo-job-managed",
    ),
    pytest.param(
        {
            "kinesis_reader": "EFO",
            "kinesis_efo_lifecycle": "SELF_MANAGED",
            "kinesis_efo_consumer": "prebuilt",
        },
        id="efo-self-managed",
    ),
]


def _options(answers: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"kinesis": {key.removeprefix("kinesis_"): value for key, value in answers.items()}}


def _iam_table(project: Path) -> list[tuple[str, list[str], str]]:
    """(connector and purpose, actions, resource) rows of the README's execution-role table."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    table = readme.split("| Connector | Actions | Resource |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        who, actions, resource = (cell.strip() for cell in line.strip("|").split(" | "))
        rows.append((who, re.findall(r"`([^`]+)`", actions), resource))
    return rows


@pytest.fixture(scope="module", params=EFO_CASES)
def efo_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    answers: dict[str, str] = request.param
    project = render(
        tmp_path_factory.mktemp("efo"),
        answers_for("2.2", "kinesis", ("kinesis", "kafka"), artifact_id="orders", **answers),
    )
    return project, answers


def test_local_properties_follow_the_reader_options_and_equal_the_python_definition(
    efo_project: tuple[Path, dict[str, str]], catalog: Catalog
) -> None:
    project, answers = efo_project
    local = local_properties(project)
    source = local["KinesisSource"]
    assert source["source.reader.type"] == answers["kinesis_reader"]
    if answers["kinesis_reader"] == "EFO":
        assert source["source.efo.consumer.name"] == answers["kinesis_efo_consumer"]
        assert source["source.efo.lifecycle"] == answers["kinesis_efo_lifecycle"]
    else:
        assert not {key for key in source if key.startswith("source.efo.")}
    twin = property_groups(
        catalog,
        "kinesis",
        ["kinesis", "kafka"],
        aws_region="us-east-1",
        artifact_id="orders",
        options=_options(answers),
    )
    assert local == {group.group_id: group.local_map() for group in twin}


def test_iam_statements_are_those_whose_when_matches(
    efo_project: tuple[Path, dict[str, str]], catalog: Catalog
) -> None:
    project, answers = efo_project
    chosen = catalog.options_for("kinesis", _options(answers))
    expected = []
    for connector_id, role_name, purpose in [
        ("kinesis", "source", "source"),
        ("kinesis", "sink", "sink"),
        ("kafka", "sink", "sink"),
        ("kinesis", "sink", "dead letters"),
    ]:
        connector = catalog.connectors[connector_id]
        role = connector.role(role_name)  # type: ignore[arg-type]
        assert role is not None
        options = chosen if connector_id == "kinesis" else connector.default_options()
        expected += [
            (f"{connector.label} ({purpose})", statement.actions)
            for statement in role.iam
            if applies(statement.when, options)
        ]
    table = _iam_table(project)
    assert [(who, actions) for who, actions, _ in table] == expected
    efo = answers["kinesis_reader"] == "EFO"
    actions = {action for _, row_actions, _ in table for action in row_actions}
    assert ("kinesis:SubscribeToShard" in actions) == efo
    assert ("kinesis:RegisterStreamConsumer" in actions) == (
        efo and answers["kinesis_efo_lifecycle"] == "JOB_MANAGED"
    )
    consumer_rows = [
        resource for _, row_actions, resource in table if "kinesis:SubscribeToShard" in row_actions
    ]
    assert consumer_rows == (["value of `KinesisSource` / `stream.arn` + `/consumer/*`"] if efo else [])
