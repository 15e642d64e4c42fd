"""The AWS connectors' permissions, keys and documentation, as rendered into a project."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import copier
import pytest

from msf_scaffold.catalog import Catalog
from tests.helpers import ROOT, answers_for, java_sources, local_properties

Statement = tuple[str, str, tuple[str, ...], str]


def _render(destination: Path, answers: dict[str, Any]) -> dict[str, Any]:
    """Renders a project and returns copier's combined answers (the computed values included)."""
    worker = copier.run_copy(
        str(ROOT), destination, data=answers, defaults=True, quiet=True, vcs_ref="HEAD", unsafe=False
    )
    return dict(worker.answers.combined)


def _statements(values: dict[str, Any]) -> set[Statement]:
    """(group, resource property + suffix, actions, purpose) of each computed IAM statement."""
    return {
        (s["group"], f"{s['resource_property']}{s['resource_suffix']}", tuple(s["actions"]), s["purpose"])
        for s in values["iam_statements"]
    }


def _readme_permissions(project: Path) -> list[list[str]]:
    """Rows of the README's permissions table, as cells."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Permissions of the execution role")[1]
    table = [line for line in section.split("\n## ")[0].splitlines() if line.startswith("|")]
    assert table[0] == "| Connector | Actions | Resource |"
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[2:]]


READ = ("kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards",
        "kinesis:GetShardIterator", "kinesis:GetRecords")  # fmt: skip
EFO_READ = ("kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"kinesis_reader": "POLLING"}, {("KinesisSource", "stream.arn", READ, "source")}),
        (
            {"kinesis_reader": "EFO", "kinesis_efo_lifecycle": "JOB_MANAGED"},
            {
                ("KinesisSource", "stream.arn", READ, "source"),
                (
                    "KinesisSource",
                    "stream.arn",
                    ("kinesis:RegisterStreamConsumer", "kinesis:DeregisterStreamConsumer"),
                    "source",
                ),
                ("KinesisSource", "stream.arn/consumer/*", ("kinesis:DeregisterStreamConsumer",), "source"),
                ("KinesisSource", "stream.arn/consumer/*", EFO_READ, "source"),
            },
        ),
        (
            {"kinesis_reader": "EFO", "kinesis_efo_lifecycle": "SELF_MANAGED"},
            {
                ("KinesisSource", "stream.arn", READ, "source"),
                ("KinesisSource", "stream.arn/consumer/*", EFO_READ, "source"),
            },
        ),
    ],
    ids=["polling", "efo-job-managed", "efo-self-managed"],
)
def test_kinesis_source_permissions_follow_the_reader_and_the_efo_lifecycle(
    tmp_path: Path, options: dict[str, str], expected: set[Statement]
) -> None:
    project = tmp_path / "app"
    values = _render(project, answers_for("2.2", "kinesis", ("print",), **options))
    assert _statements(values) == expected
    # The README table lists the same statements, one row each.
    rows = _readme_permissions(project)
    assert len(rows) == len(values["iam_statements"])
    for row, statement in zip(rows, values["iam_statements"], strict=True):
        assert row[1].split(", ") == [f"`{action}`" for action in statement["actions"]]
        assert row[2].startswith(f"value of `KinesisSource` / `{statement['resource_property']}`")
    # A self-managed consumer is never registered or deregistered by the job.
    if options.get("kinesis_efo_lifecycle") == "SELF_MANAGED":
        actions = {a for s in values["iam_statements"] for a in s["actions"]}
        assert not {"kinesis:RegisterStreamConsumer", "kinesis:DeregisterStreamConsumer"} & actions


@pytest.mark.parametrize("line", ["2.2", "1.20"])
def test_aws_sinks_get_write_permissions_on_their_resources_only(tmp_path: Path, line: str) -> None:
    project = tmp_path / "app"
    values = _render(project, answers_for(line, "datagen", ("firehose", "dynamodb")))
    assert _statements(values) == {
        ("FirehoseSink", "delivery.stream.arn", ("firehose:PutRecordBatch",), "sink"),
        ("DynamoDbSink", "table.arn", ("dynamodb:BatchWriteItem",), "sink"),
        # Dead letters go to the first sink's kind, with its own group and resource.
        ("DeadLetterSink", "delivery.stream.arn", ("firehose:PutRecordBatch",), "dead letters"),
    }
    local = local_properties(project)
    # The resources are named after the artifact, which the folder "app" names.
    assert local["FirehoseSink"]["delivery.stream.arn"].endswith(":deliverystream/app-output")
    assert local["DeadLetterSink"]["delivery.stream.arn"].endswith(":deliverystream/app-dead-letter")
    table_arn = local["DynamoDbSink"]["table.arn"]
    assert table_arn == "arn:aws:dynamodb:us-east-1:111122223333:table/app-output"


def _java(project: Path, name: str) -> str:
    """The generated Java file with this name."""
    return next(text for path, text in java_sources(project).items() if path.endswith(f"/{name}"))


def _key_table(readme: str) -> dict[str, tuple[str, str]]:
    """The DynamoDB section's key table: property group -> (partition key, sort key)."""
    section = readme.split("### Amazon DynamoDB (sink)", 1)[1].split("\n## ", 1)[0]
    keys = {}
    for row in re.findall(r"^\| [^|]*\(`(\w+)`[^|]*\| `(\w+)` \| ([^|]+) \|$", section, flags=re.MULTILINE):
        group, partition, sort = row
        keys[group] = (partition, sort.strip().strip("`"))
    return keys


def test_dynamodb_keys_agree_in_readme_properties_and_the_jobs_spec(tmp_path: Path, catalog: Catalog) -> None:
    project = tmp_path / "app"
    values = _render(project, answers_for("2.2", "kinesis", ("dynamodb",)))
    groups = {g["id"]: {p["key"]: p for p in g["properties"]} for g in values["property_groups"]}

    def keys_of(group: str) -> tuple[str, str]:
        names = groups[group]["key.attributes"]["default"].split(",")
        return names[0], names[1] if len(names) > 1 else "(none)"

    # Prices are keyed by their own fields; dead letters by the id the sink generates.
    assert keys_of("DynamoDbSink") == ("ticker", "event_time")
    assert groups["DynamoDbSink"]["id.attribute"]["default"] is None
    assert keys_of("DeadLetterSink") == ("id", "(none)")
    assert groups["DeadLetterSink"]["id.attribute"]["default"] == "id"

    readme = (project / "README.md").read_text(encoding="utf-8")
    assert _key_table(readme) == {group: keys_of(group) for group in ("DynamoDbSink", "DeadLetterSink")}

    # The record's JSON names are the item's attribute names, so the keys are fields of StockPrice.
    model = _java(project, "StockPrice.java")
    assert {"ticker", "event_time"} <= set(re.findall(r'@JsonProperty\("(\w+)"\)', model))

    # The job's start-up spec carries the same defaults.
    spec = _java(project, "RuntimePropertySpec.java")
    assert re.findall(r'new Key\("key\.attributes", false, "([^"]+)"', spec) == ["ticker,event_time", "id"]

    # The generated test of the item converter checks the dead-letter settings of the catalog.
    test = _java(project, "DynamoDbSinkFactoryTest.java")
    role = catalog.connectors["dynamodb"].sink
    assert role is not None
    expected = {p.key: p.dead_letter_default for p in role.properties if p.dead_letter_default is not None}
    assert dict(re.findall(r'settings\.setProperty\("([^"]+)", "([^"]+)"\)', test)) == expected
