"""Bad answers are rejected with a message naming the field and the fix, and nothing is written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import load_catalog
from msf_scaffold.errors import UserError
from msf_scaffold.generate import ANSWERS_FILE, generate
from msf_scaffold.yaml_files import load_yaml
from tests.questionnaire import Questionnaire

ACCOUNT = "111122223333"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:flink-alerts"

BAD_ANSWERS: list[tuple[dict[str, Any], str, str]] = [
    ({"package": "com.example.class"}, "package", "Java keyword 'class'"),
    ({"package": "Com-Example"}, "package", "example: com.example.orders"),
    ({"package": ""}, "package", "lowercase Java identifiers"),
    ({"package": "com..example"}, "package", "lowercase Java identifiers"),
    ({"package": "com.example.int"}, "package", "Java keyword 'int'"),
    ({"package": "1com.example"}, "package", "each starting with a letter"),
    # Packages the JVM or the Java language reserves (catalog java.yml), and parts no folder can have.
    ({"package": "java.lang.app"}, "package", "must not be or start with 'java': the JVM refuses"),
    ({"package": "java"}, "package", "SecurityException: Prohibited package name"),
    ({"package": "com.true.x"}, "package", "Java literal 'true'"),
    ({"package": "com.int.app"}, "package", "Java keyword 'int'"),
    ({"package": "com.example.null"}, "package", "Java literal 'null'"),
    ({"package": "com.aux.app"}, "package", "Windows cannot create a folder of that name"),
    ({"package": "com." + "a" * 256}, "package", "longer than the 255 bytes a folder name may have"),
    ({"artifact_id": "class"}, "package", 'derived from artifact_id "class": set package'),
    ({"group_id": "com.new"}, "group_id", "Java keyword 'new' as a part, because the package is derived"),
    ({"group_id": "java.acme"}, "group_id", "must not be or start with 'java'"),
    ({"group_id": "java"}, "group_id", "example: com.example.analytics"),
    ({"group_id": "com.false"}, "group_id", "Java literal 'false'"),
    ({"group_id": "com.nul"}, "group_id", "Windows cannot create a folder"),
    ({"group_id": "Com.Example"}, "group_id", "example: com.example.analytics"),
    ({"group_id": "com example"}, "group_id", "lowercase dot-separated words"),
    ({"artifact_id": "My App"}, "artifact_id", "example: orders-enrichment"),
    ({"artifact_id": "app--x"}, "artifact_id", "joined by single '-'"),
    ({"artifact_id": "../escape"}, "artifact_id", "lowercase letters and digits"),
    ({"project_name": ""}, "project_name", "must start with a letter"),
    ({"project_name": "x" * 80}, "project_name", "at most 63"),
    ({"project_name": "../../etc"}, "project_name", "must start with a letter"),
    ({"description": ""}, "description", "1 to 200 characters"),
    ({"description": "line one\nline two"}, "description", "single line"),
    ({"description": "tab\tseparated"}, "description", "control characters"),
    ({"description": "carriage\rreturn"}, "description", "control characters"),
    ({"description": "line\u2028separator"}, "description", "control characters"),
    ({"description": "next\x85line"}, "description", "control characters"),
    ({"flink_version": "1.19"}, "flink_version", "1.19"),
    ({"source": "pulsar"}, "source", "pulsar"),
    ({"source": "print"}, "source", "print"),
    ({"sinks": "[]"}, "sinks", "at least one choice"),
    ({"sinks": "[datagen]"}, "sinks", "datagen"),
    ({"aws_region": "useast1"}, "aws_region", "such as us-east-1"),
    ({"aws_region": "US-EAST-1"}, "aws_region", "such as us-east-1"),
    ({"experience": "guru"}, "experience", "guru"),
    ({"api": "sql"}, "api", "'sql' is not in ['datastream', 'table']"),
    ({"owner": "Data Platform"}, "owner", "example: data-platform"),
    ({"owner": "../x"}, "owner", "lowercase letters, digits"),
    ({"kinesis_reader": "FANOUT"}, "kinesis_reader", "FANOUT"),
    (
        {"kinesis_reader": "EFO", "kinesis_efo_consumer": "my consumer"},
        "kinesis_efo_consumer",
        "example: orders-enrichment",
    ),
    ({"kinesis_reader": "EFO", "kinesis_efo_consumer": "../c"}, "kinesis_efo_consumer", "letters, digits"),
    ({"kinesis_reader": "EFO", "kinesis_efo_consumer": "c" * 129}, "kinesis_efo_consumer", "1 to 128"),
    ({"kinesis_reader": "EFO", "kinesis_efo_lifecycle": "AUTO"}, "kinesis_efo_lifecycle", "AUTO"),
    ({"kinesis_input_stream": "../x"}, "kinesis_input_stream", "1 to 128 letters, digits"),
    ({"kinesis_input_stream": "s" * 129}, "kinesis_input_stream", "1 to 128"),
    ({"kinesis_input_stream": ""}, "kinesis_input_stream", "example: orders-input"),
    ({"kinesis_input_stream": "orders input"}, "kinesis_input_stream", "example: orders-input"),
    ({"kinesis_output_stream": "../x"}, "kinesis_output_stream", "1 to 128 letters, digits"),
    ({"kinesis_output_stream": "s" * 129}, "kinesis_output_stream", "1 to 128"),
    ({"kinesis_output_stream": ""}, "kinesis_output_stream", "example: orders-enriched"),
    ({"kinesis_output_stream": "orders out"}, "kinesis_output_stream", "example: orders-enriched"),
    (
        {"source": "kafka", "sinks": "[kinesis]", "kinesis_output_stream": "a/b"},
        "kinesis_output_stream",
        "example: orders-enriched",
    ),
    (
        {"kinesis_input_stream": "prices", "kinesis_output_stream": "prices"},
        "kinesis_output_stream",
        "must differ from kinesis_input_stream, or the job reads its own output",
    ),
    ({"source": "kafka", "kafka_auth": "KERBEROS"}, "kafka_auth", "KERBEROS"),
    ({"sinks": "[kafka]", "kafka_auth": "iam"}, "kafka_auth", "iam"),
    ({"tags": "[CostCenter]"}, "tags", "must be a mapping of tag key to value"),
    ({"tags": {"aws:cost": "1"}}, "tags", "starts with aws:, which AWS reserves"),
    ({"tags": {"AWS:Cost": "1"}}, "tags", "use another prefix (example: acme:cost-center)"),
    ({"tags": {"cost centre!": "1"}}, "tags", 'key "cost centre!" must be 1 to 128 letters'),
    ({"tags": {"k" * 129: "1"}}, "tags", "must be 1 to 128"),
    ({"tags": {"": "1"}}, "tags", "must be 1 to 128"),
    ({"tags": {"Team": "a#b"}}, "tags", 'value of "Team" must be text of at most 256'),
    ({"tags": {"Team": "v" * 257}}, "tags", "at most 256"),
    ({"tags": {"Team": "line\n"}}, "tags", 'value of "Team"'),
    ({"tags": {"Enabled": True}}, "tags", 'value of "Enabled" must be text'),
    ({"tags": {"Team": "a", "team": "b"}}, "tags", "differ only in case, which IAM refuses"),
    ({"tags": {f"Tag{i}": "v" for i in range(9)}}, "tags", "11 tags with Owner and Application"),
    (
        {"alarm_topic_arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        'names service "sqs", not sns',
    ),
    (
        {"alarm_topic_arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        f"(example: {TOPIC}).",
    ),
    (
        {"alarm_topic_arn": f"arn:aws-cn:sns:us-east-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        "in partition aws-cn, but aws_region us-east-1 is in aws",
    ),
    (
        {"aws_region": "us-gov-west-1", "alarm_topic_arn": f"arn:aws:sns:us-gov-west-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        "us-gov-west-1 is in aws-us-gov: use a topic of that partition "
        f"(example: arn:aws-us-gov:sns:us-gov-west-1:{ACCOUNT}:flink-alerts)",
    ),
    (
        {"aws_region": "cn-north-1", "alarm_topic_arn": f"arn:aws-us-gov:sns:cn-north-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        "aws_region cn-north-1 is in aws-cn",
    ),
    (
        {"alarm_topic_arn": f"arn:aws-eu:sns:us-east-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        'names partition "aws-eu"; it must be empty, or arn:<partition>',
    ),
    (
        {"alarm_topic_arn": "arn:aws:sns:us-east-1:1111:alerts"},
        "alarm_topic_arn",
        "not a 12-digit account ID",
    ),
    (
        {"alarm_topic_arn": "arn:aws:sns:us-east-1:11112222333a:alerts"},
        "alarm_topic_arn",
        'names account "11112222333a"',
    ),
    (
        {"aws_region": "eu-west-1", "alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"},
        "alarm_topic_arn",
        f"use a topic in eu-west-1 (example: arn:aws:sns:eu-west-1:{ACCOUNT}:",
    ),
    ({"alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}"}, "alarm_topic_arn", "has no topic name"),
    ({"alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:"}, "alarm_topic_arn", "has no topic name"),
    (
        {"alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:on call"},
        "alarm_topic_arn",
        'topic name "on call"',
    ),
    ({"alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:" + "t" * 257}, "alarm_topic_arn", "1 to 256"),
    ({"alarm_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:a.b"}, "alarm_topic_arn", 'topic name "a.b"'),
    ({"alarm_topic_arn": f"arn:aws:sns:useast1:{ACCOUNT}:alerts"}, "alarm_topic_arn", 'region "useast1"'),
    ({"alarm_topic_arn": "flink-alerts"}, "alarm_topic_arn", "is not an ARN"),
    ({"alarm_topic_arn": "arn:aws:sns:us-east-1:1:x y"}, "alarm_topic_arn", "more than one part"),
    ({"alarm_topic_arn": " arn:aws:sns:us-east-1:111122223333:alerts"}, "alarm_topic_arn", "is not an ARN"),
    # MSF application settings: refused by the catalog's limits at every experience level (the
    # default level, new_to_flink, is not asked them).
    ({"msf_parallelism_per_kpu": 9}, "msf_parallelism_per_kpu", "whole number 1 to 8 (example: 2)"),
    ({"msf_parallelism": 0}, "msf_parallelism", "whole number at least 1 (example: 4)"),
    ({"msf_checkpoint_interval_ms": 0}, "msf_checkpoint_interval_ms", "milliseconds at least 1"),
    ({"msf_log_level": "TRACE"}, "msf_log_level", "TRACE"),
    ({"msf_metrics_level": "SUBTASK"}, "msf_metrics_level", "SUBTASK"),
]


@pytest.mark.parametrize(
    ("answers", "field", "fix"), BAD_ANSWERS, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_ANSWERS)]
)
def test_bad_answer_is_rejected_and_nothing_is_written(
    tmp_path: Path, answers: dict[str, Any], field: str, fix: str
) -> None:
    destination = tmp_path / "app"
    with pytest.raises(UserError) as error:
        generate(destination, data=answers, defaults=True, git=False)
    message = str(error.value)
    assert f"'{field}'" in message
    assert fix in message
    assert message.endswith("Nothing was written.")
    assert not destination.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["many", "2.5", True])
def test_a_whole_number_question_refuses_other_values_naming_it(tmp_path: Path, value: object) -> None:
    with pytest.raises(UserError) as error:
        generate(tmp_path / "app", data={"msf_parallelism": value}, defaults=True, git=False)
    assert str(error.value) == (
        f"msf_parallelism must be a whole number, not {value!r} (example: -d msf_parallelism=4). "
        "Nothing was written."
    )
    assert list(tmp_path.iterdir()) == []


def test_unknown_question_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        UserError, match=r"unknown question 'packge' \(did you mean package\?\); the questions are: .*package"
    ):
        generate(tmp_path / "app", data={"packge": "x"}, defaults=True, git=False)
    assert list(tmp_path.iterdir()) == []


def test_non_empty_destination_is_refused(tmp_path: Path) -> None:
    destination = tmp_path / "app"
    destination.mkdir()
    (destination / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="is not empty; choose a new directory"):
        generate(destination, defaults=True, git=False)
    assert [p.name for p in destination.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


def test_destination_that_is_a_file_is_refused(tmp_path: Path) -> None:
    destination = tmp_path / "app"
    destination.write_text("a file")
    with pytest.raises(UserError, match="is a file"):
        generate(destination, defaults=True, git=False)


def test_without_terminal_and_without_defaults_the_user_is_told_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pass --defaults, --data KEY=VALUE or --answers-file"):
        generate(tmp_path / "app", data={"package": "com.example.orders"}, git=False)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_destination_directory_is_used(tmp_path: Path) -> None:
    destination = tmp_path / "app"
    destination.mkdir()
    result = generate(destination, defaults=True, git=False)
    assert (result.destination / "pom.xml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]


def test_the_package_validators_refuse_every_name_of_the_catalogs_java_list() -> None:
    """questions.yml reads catalog_java; every keyword, literal and Windows name is refused as a
    package part and (the package derives from it) as a group_id part, and legal names pass."""
    java = load_catalog().java
    questionnaire = Questionnaire()
    defaults = questionnaire.defaults()
    for word in [*java.keywords, *java.literals, *java.windows_reserved_names]:
        refused = questionnaire.refusals({**defaults, "package": f"com.example.{word}"})
        assert "package" in refused, word
        group = f"com.{word}"
        assert "group_id" in questionnaire.refusals({**defaults, "group_id": group, "package": "com.x"}), word
    for root in java.prohibited_package_roots:
        assert "package" in questionnaire.refusals({**defaults, "package": f"{root}.app"})
        assert "package" in questionnaire.refusals({**defaults, "package": root})
    # javax is the platform's too, but the JVM defines classes there; contextual keywords are legal.
    for legal in ["javax.app", "com.example.record", "com.example.var", "com.example.yield", "org.java"]:
        assert questionnaire.refusals({**defaults, "package": legal}) == {}, legal
        assert questionnaire.refusals({**defaults, "group_id": legal, "package": "com.x"}) == {}, legal


def test_an_unquoted_flink_version_read_as_a_number_names_its_line(tmp_path: Path) -> None:
    """YAML reads `flink_version: 1.20` as 1.2; the one line with that number is meant."""
    result = generate(tmp_path / "app", data={"flink_version": 1.2}, defaults=True, git=False)
    assert result.answers["flink_version"] == "1.20"
    assert load_yaml((result.destination / ANSWERS_FILE).read_text())["flink_version"] == "1.20"


def test_a_number_that_names_no_line_is_refused_with_the_quoting_fix(tmp_path: Path) -> None:
    with pytest.raises(UserError) as error:
        generate(tmp_path / "app", data={"flink_version": 1.9}, defaults=True, git=False)
    assert "flink_version was read from YAML as the number 1.9" in str(error.value)
    assert "quote it so that it stays text (example: flink_version: '" in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "fix"),
    [
        ({"sinks": "print"}, "sinks must be a list of choices, not 'print'"),
        ({"sinks": "print"}, "(example: -d 'sinks=[print]'"),
        ({"sinks": {"print": 1}}, "sinks must be a list of choices"),
        ({"sinks": "[print"}, "sinks is not valid YAML"),
        ({"tags": "{CostCenter: [}"}, "tags is not valid YAML (did not find expected node content at line 1"),
        ({"tags": "{a: 'b}"}, "tags is not valid YAML (found unexpected end of stream at line 1"),
    ],
)
def test_answers_of_the_wrong_shape_name_the_question(
    tmp_path: Path, answers: dict[str, Any], fix: str
) -> None:
    for data, user_defaults in ((answers, None), (None, answers)):
        with pytest.raises(UserError) as error:
            generate(tmp_path / "app", data=data, user_defaults=user_defaults, defaults=True, git=False)
        assert fix in str(error.value)
        assert str(error.value).endswith("Nothing was written.")
        assert list(tmp_path.iterdir()) == []


def test_a_destination_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    """A read-only parent (chmod does not stop root, so also a kernel file system)."""
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        destinations = [Path("/proc/msf-app"), Path("/sys/msf-app")]
        if not os.access(parent, os.W_OK):
            destinations.append(parent / "app")
        for destination in destinations:
            with pytest.raises(UserError, match=f"cannot create {destination}: .*; choose a directory"):
                generate(destination, defaults=True, git=False)
            assert not destination.exists()
    finally:
        parent.chmod(0o755)
    assert list(parent.iterdir()) == []
