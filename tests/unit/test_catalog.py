"""The version catalog: its rules, and the questions the rest of the product asks it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from msf_scaffold.catalog import (
    Catalog,
    Dependency,
    IamStatement,
    _parse,
    catalog_dir,
    iam_resource,
    load_catalog,
    read_catalog_data,
)
from msf_scaffold.errors import CatalogError
from msf_scaffold.properties import property_groups


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(read_catalog_data())


def test_packaged_catalog_is_valid(catalog: Catalog) -> None:
    assert catalog.flink.default_line in catalog.flink.lines
    assert list(catalog.flink.lines) == ["2.3", "2.2", "1.20"]
    assert catalog.flink.lines["2.3"].java_release == 17
    assert catalog.flink.lines["2.3"].msf_runtime == "FLINK-2_3"
    assert catalog.flink.lines["2.2"].java_release == 17
    assert catalog.flink.lines["1.20"].java_release == 11
    assert catalog.flink.lines["2.2"].msf_runtime == "FLINK-2_2"


def test_every_pin_resolves_on_every_line_that_offers_it(catalog: Catalog) -> None:
    for line in catalog.flink.lines:
        ids = catalog.offered("source", line) + catalog.offered("sink", line)
        coordinates = catalog.coordinates(line, ids)
        assert coordinates, line
        for coordinate in coordinates:
            assert coordinate.version and "$" not in coordinate.version


def test_connector_artifacts_match_their_flink_line(catalog: Catalog) -> None:
    kafka = {c.artifact: c.version for c in catalog.coordinates("2.2", ["kafka"])}
    assert kafka["flink-connector-kafka"].endswith("-2.2")
    assert kafka["flink-streaming-java"].startswith("2.2.")
    kafka_120 = {c.artifact: c.version for c in catalog.coordinates("1.20", ["kafka"])}
    assert kafka_120["flink-connector-kafka"].endswith("-1.20")
    assert kafka_120["flink-streaming-java"].startswith("1.20.")


def test_roles_and_lines(catalog: Catalog) -> None:
    assert catalog.offered("source", "2.2") == ["kinesis", "kafka", "mysql_cdc", "postgres_cdc", "datagen"]
    assert catalog.offered("sink", "2.2") == [
        "kinesis",
        "kafka",
        "iceberg",
        "files",
        "firehose",
        "dynamodb",
        "print",
    ]
    assert catalog.supported_lines("kafka") == ["2.3", "2.2", "1.20"]
    assert catalog.supported_lines("mysql_cdc") == ["2.2", "1.20"]


def test_a_line_a_connector_lacks_has_the_reason(catalog: Catalog) -> None:
    assert catalog.unavailable_reason("kafka", "2.3") is None
    reason = catalog.unavailable_reason("mysql_cdc", "2.3")
    assert reason is not None
    assert "Flink CDC" in reason


def test_every_pin_says_why_and_what_it_tracks(catalog: Catalog) -> None:
    for name, pin in catalog.pins().items():
        assert pin.why.strip(), name
        assert ":" in pin.tracks, name


def test_the_java_11_line_keeps_the_java_8_build_of_the_msk_signer(catalog: Catalog) -> None:
    # aws-msk-iam-auth 2.3.5 and later are class-file version 61 (Java 17).
    pin = catalog.pins()["msk_iam_auth"]
    assert pin.value_for("1.20") == "2.3.4"


def test_a_connector_without_a_pin_for_a_line_is_not_offered_there(raw: dict[str, Any]) -> None:
    pin = raw["connectors"]["kafka"]["versions"]["kafka_connector"]
    del pin["per_line"]["1.20"]
    pin["missing"] = {"1.20": "no release"}
    catalog = _parse(raw)
    assert catalog.supported_lines("kafka") == ["2.3", "2.2"]
    assert catalog.unavailable_reason("kafka", "1.20") == "no release"
    assert "kafka" not in catalog.offered("source", "1.20")
    assert all(
        line != "1.20" or "kafka" not in (source, *sinks)
        for line, source, sinks in catalog.valid_combinations()
    )


def test_valid_combinations_cover_every_sink_subset(catalog: Catalog) -> None:
    combos = list(catalog.valid_combinations())
    expected = sum(
        len(catalog.offered("source", line)) * (2 ** len(catalog.offered("sink", line)) - 1)
        for line in catalog.flink.lines
    )
    assert len(combos) == expected
    assert ("2.2", "kinesis", ("kinesis",)) in combos
    assert ("1.20", "datagen", ("kinesis", "kafka", "print")) in combos


def test_dependencies_are_deduplicated_and_scoped(catalog: Catalog) -> None:
    deps = catalog.dependencies_for(["kafka", "kafka", "print"], line="2.2")
    keys = [d.key for d in deps]
    assert len(keys) == len(set(keys))
    scopes = {d.artifact: d.scope for d in deps}
    assert scopes["flink-streaming-java"] == "provided"
    assert scopes["aws-kinesisanalytics-runtime"] == "provided"
    assert scopes["flink-connector-kafka"] == "compile"
    assert scopes["log4j-core"] == "runtime"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["flink"].update(default_line="3.0"), "default_line '3.0'"),
        (
            lambda d: d["connectors"]["kafka"]["versions"]["kafka_connector"]["per_line"].pop("1.20"),
            "version kafka_connector has no pin for Flink 1.20: add the version built for it, or "
            '`missing: {"1.20"',
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["versions"]["flink_cdc"]["per_line"].update(
                {"2.3": "3.6.0-2.2"}
            ),
            "line 2.3 is both pinned and missing",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["versions"]["flink_cdc"]["missing"].update({"3.1": "x"}),
            "version flink_cdc names unknown Flink line 3.1 in missing",
        ),
        (lambda d: d["build"]["versions"]["log4j"].pop("why"), "log4j.why: Field required"),
        (lambda d: d["build"]["versions"]["log4j"].update(tracks="log4j-core"), "log4j.tracks"),
        (lambda d: d["build"]["versions"]["log4j"].update(missing={"1.20": "x"}), "per_line pins only"),
        (lambda d: d["flink"]["not_offered"].update({"FLINK-2_2": "x"}), "runtime of an offered line"),
        (lambda d: d["flink"]["not_offered"].update({"flink-1.17": "x"}), "not an MSF runtime identifier"),
        (lambda d: d["flink"]["not_offered"].update({"FLINK-1_17": " "}), "needs the reason"),
        (lambda d: d["flink"]["lines"]["2.2"].update(msf_runtime="FLINK-2_1"), "msf_runtime"),
        (
            lambda d: d["connectors"]["kafka"]["versions"]["kafka_connector"]["per_line"].update(
                {"2.2": "3.4.0-1.20"}
            ),
            "built for Flink 1.20, not for the 2.2 line",
        ),
        (
            lambda d: d["connectors"]["kafka"]["versions"]["kafka_connector"]["per_line"].update(
                {"2.2": "4.0.1-2.3"}
            ),
            "built for Flink 2.3, not for the 2.2 line",
        ),
        (
            lambda d: d["connectors"]["kafka"]["versions"]["kafka_connector"]["per_line"].update(
                {"3.0": "1.0.0-3.0"}
            ),
            "unknown Flink line 3.0",
        ),
        (
            lambda d: d["build"]["versions"]["flink"]["per_line"].update({"2.2": "1.20.3"}),
            "does not belong to line 2.2",
        ),
        (lambda d: d["build"]["versions"]["log4j"].update(all="latest"), "not a release version"),
        (
            lambda d: d["connectors"]["dynamodb"]["versions"].update(
                aws_connector={
                    **d["connectors"]["dynamodb"]["versions"]["aws_connector"],
                    "per_line": {"2.3": "6.0.1-2.0", "2.2": "6.0.1-2.0", "1.20": "5.0.0-1.20"},
                }
            ),
            "dynamodb pins aws_connector unlike connector kinesis",
        ),
        (
            lambda d: d["connectors"]["kafka"]["versions"].update({"flink": d["build"]["versions"]["flink"]}),
            "redefines version flink of build.yml",
        ),
        (
            lambda d: d["connectors"]["kafka"]["dependencies"][0].update(version="nope"),
            "unknown version nope",
        ),
        (lambda d: d["connectors"]["kafka"]["source"].update(factory="kafkaSource"), "not a Java class name"),
        (
            lambda d: d["connectors"]["kafka"]["source"].update(property_group="Kafka Source!"),
            "PropertyGroupId",
        ),
        (lambda d: d["connectors"]["kafka"]["sink"].update(property_group="DeadLetterSink"), "reserved"),
        (
            lambda d: d["connectors"]["kinesis"]["source"]["iam"][0]["actions"].append(
                "kinesisanalyticsv2:DescribeApplication"
            ),
            "kinesisanalytics:, not kinesisanalyticsv2:",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["source"]["iam"][0].update(resource="stream.name"),
            "unknown properties ['stream.name']",
        ),
        (
            lambda d: d["connectors"]["files"]["sink"]["iam"][0].update(
                resource="arn:{partition}:s3:::{bucket}"
            ),
            "unknown properties ['bucket']",
        ),
        (
            lambda d: d["connectors"]["files"]["sink"]["iam"][0].update(
                resource="arn:aws:s3:::{path|bucket}"
            ),
            "write the ARN template 'arn:aws:s3:::{path|bucket}' as 'arn:{partition}:...'",
        ),
        (
            lambda d: d["connectors"]["files"]["versions"].update(
                hadoop={"property": "hadoop.version", "tracks": "a:b", "why": "x", "all": "3.3.6"}
            ),
            "connector files pins hadoop unlike connector iceberg",
        ),
        (
            lambda d: d["connectors"]["iceberg"]["dependencies"][0].update(lines=["1.19"]),
            "names unknown Flink lines ['1.19']",
        ),
        (
            lambda d: d["connectors"]["iceberg"]["dependencies"][3].update(exclusions=["org.apache.iceberg"]),
            "must be group:artifact",
        ),
        (
            lambda d: d["connectors"]["iceberg"]["sink"]["properties"][1].update(
                when={"catalog": ["GLUE", "S3_TABLES"]}
            ),
            "lists key catalog.type twice for the same options",
        ),
        (lambda d: d["connectors"]["kinesis"]["source"]["properties"][0].pop("local"), "needs a local value"),
        (
            lambda d: d["connectors"]["kinesis"]["source"]["properties"][0].update(pattern="(("),
            "not a regular expression",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"].update(unknown_key=1),
            "Extra inputs are not permitted",
        ),
        (lambda d: d["connectors"]["print"].pop("sink"), "needs a source or a sink"),
        (
            lambda d: d["connectors"]["print"]["sink"].update(
                factory="KinesisSinkFactory", files=["x/KinesisSinkFactory.java"]
            ),
            "share a factory class",
        ),
        (lambda d: d["connectors"].update({"Bad-Id": d["connectors"]["print"]}), "lower_snake_case"),
        (
            lambda d: d["connectors"]["kinesis"]["source"]["iam"][1].update(when={"reader_kind": ["EFO"]}),
            "ManageEfoConsumer: when names unknown option 'reader_kind'",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["dependencies"][0].update(when={"reader": ["FANOUT"]}),
            "flink-connector-aws-kinesis-streams: when reader lists unknown values ['FANOUT']",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"]["reader"].update(default="FANOUT"),
            "default 'FANOUT' is not one of ['POLLING', 'EFO']",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"]["efo_consumer"].pop("rule"),
            "a free-text option needs a rule and an example",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"]["efo_consumer"].pop("example"),
            "a free-text option needs a rule and an example",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"]["efo_consumer"].update(example="has spaces"),
            "does not match the pattern",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"]["reader"].update(pattern="^.*$"),
            "exactly one of choices and pattern",
        ),
        (
            lambda d: d["connectors"]["datagen"].update(
                options={
                    "rate": {"help": "h", "roles": ["sink"], "default": "a", "choices": {"a": {"label": "A"}}}
                }
            ),
            "option rate is for the sink role, which the connector lacks",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["options"].update(
                {"Reader": d["connectors"]["kinesis"]["options"]["reader"]}
            ),
            "option name 'Reader' must be lower_snake_case",
        ),
        (lambda d: d["iac"].update(default="pulumi"), "default"),
        (lambda d: d["iac"]["alarms"][0]["metric"].pop("1.20"), "not every Flink line"),
        (
            lambda d: d["iac"]["connectors"].update({"kafkaa": {"source": {}}}),
            "unknown connector 'kafkaa'",
        ),
        (
            lambda d: d["iac"]["connectors"]["kinesis"]["sink"].update(
                lag=d["iac"]["connectors"]["kinesis"]["source"]["lag"]
            ),
            "only sources have a lag metric",
        ),
        (
            lambda d: d["iac"]["connectors"]["kinesis"]["source"]["creates"].update(property="stream.name"),
            "creates names unknown property 'stream.name'",
        ),
        (lambda d: d["iac"]["connectors"].update({"print": {"source": {}}}), "has no source role"),
        (lambda d: d["iac"]["versions"].update(aws_cdk_lib="^2.0.0"), "aws_cdk_lib"),
        (
            lambda d: d["iac"]["application_limits"]["parallelism_per_kpu"].update(max=9),
            "application_limits.parallelism_per_kpu: max 9 is above MSF's highest value 8; lower it to 8",
        ),
        (
            lambda d: d["iac"]["application_limits"]["checkpoint_interval_ms"].update(min=0),
            "application_limits.checkpoint_interval_ms: min 0 is below MSF's lowest value 1; raise it to 1",
        ),
        (
            lambda d: d["iac"]["application_limits"]["parallelism"].update(min=4, max=2),
            "application_limits.parallelism: max 2 is below min 4",
        ),
        (
            lambda d: d["iac"]["application"].update(parallelism_per_kpu=12),
            "application.parallelism_per_kpu: 12 is outside application_limits.parallelism_per_kpu (1 to 8)",
        ),
        (
            lambda d: d["iac"]["application_limits"].update(log_level=["WARN", "ERROR"]),
            "application.log_level: INFO is not one of application_limits.log_level ['WARN', 'ERROR']",
        ),
        (lambda d: d["iac"]["application_limits"].update(metrics_level=["VERBOSE"]), "metrics_level"),
        (lambda d: d["iac"]["application"].pop("snapshots"), "snapshots"),
        (
            lambda d: d["iac"]["alarm_topic"].update(example="arn:aws:sqs:us-east-1:111122223333:q"),
            "does not match the pattern",
        ),
        (
            lambda d: d["iac"]["alarm_topic"].update(example="arn:aws-cn:sns:us-east-1:111122223333:q"),
            "is not in the partition of its region",
        ),
        (
            lambda d: d["iac"].update(partitions={"aws": "", "aws-cn": "cn-"}),
            "the last of partitions needs the empty prefix",
        ),
        (
            lambda d: d["iac"].update(partitions={"aws-iso": "us-iso-", "aws": ""}),
            "alarm_topic.pattern refuses partition 'aws-iso'",
        ),
        (
            lambda d: d["iac"]["alarm_topic"].update(pattern="^arn:(aws"),
            "pattern is not a regular expression",
        ),
        (lambda d: d["connectors"]["kafka"].update(needs_vpc="maybe"), "needs_vpc"),
        (
            lambda d: d["connectors"]["kafka"]["source"]["properties"].append(
                {"key": "security.protocol", "required": False, "description": "x", "when": {"auth": ["IAM"]}}
            ),
            "KafkaSource lists key security.protocol twice",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["properties"].append(
                {"key": "topic", "required": False, "description": "x", "when": {"auth": ["TLS"]}}
            ),
            "KafkaSource lists key topic twice",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {
                    "sid": "X",
                    "actions": ["kafka-cluster:ReadData"],
                    "resource": "{cluster.arn|retype:cluster:topic}/{topic.name}",
                }
            ),
            "IAM statement X names unknown properties ['topic.name']",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {"sid": "X", "actions": ["kafka-cluster:ReadData"], "resource": "*", "resource_suffix": "/x"}
            ),
            "needs an ARN property, not '*'",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {
                    "sid": "X",
                    "actions": ["kafka-cluster:ReadData"],
                    "resource": "{cluster.arn|retype:Cluster}/{topic}",
                }
            ),
            "has a placeholder that is not",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["dependencies"][0].update(exclusions=["flink-cdc-common"]),
            "must be group:artifact",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["dependencies"][0].update(scope="provided"),
            "only applies to compile-scope",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["table"].update(withheld=["cluster.name"]),
            "table withholds ['cluster.name'], which are not keys of KafkaSource",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"].pop("passes_other_keys"),
            "set the role's `passes_other_keys` exactly when its table has `pass_through`",
        ),
        (
            lambda d: d["connectors"]["files"]["sink"].update(passes_other_keys="the file system"),
            "set the role's `passes_other_keys` exactly when its table has `pass_through`",
        ),
        (
            lambda d: d["connectors"]["kafka"]["sink"].update(passes_other_keys=""),
            "passes_other_keys",
        ),
        (
            lambda d: d["connectors"]["kafka"]["sink"]["table"].update(
                jaas={"option": "properties.sasl.jaas.config", "when": {"authentication": ["SCRAM"]}}
            ),
            "when names unknown option 'authentication'",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["source"]["endpoints"][0].pop("port"),
            "endpoint hostname: `port` names the port's key exactly when form is host",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["source"]["endpoints"].append(
                {"key": "host", "form": "url"}
            ),
            "endpoint host is not a key of MySqlCdcSource",
        ),
        (
            lambda d: d["connectors"]["kafka"]["sink"].update(endpoints=[]),
            "service kafka is reached through ['bootstrap.servers']; list them in the role's `endpoints`",
        ),
        (
            lambda d: d["connectors"]["kinesis"]["source"]["properties"][0].update(
                local="arn:aws:kinesis:{aws_region}:111122223333:stream/{input_stream}"
            ),
            "stream.arn: write the ARN 'arn:aws:kinesis:{aws_region}:111122223333:stream/{input_stream}' "
            "as 'arn:{partition}:...'",
        ),
    ],
)
def test_catalog_rules_reject_bad_data(raw: dict[str, Any], mutate: Any, message: str) -> None:
    mutate(raw)
    with pytest.raises(CatalogError, match="invalid version catalog") as error:
        _parse(raw)
    assert message in str(error.value)


def test_catalog_files_must_be_hidden_computed_values(tmp_path: Path) -> None:
    for source in catalog_dir().glob("*.yml"):
        (tmp_path / source.name).write_text(source.read_text())
    document = yaml.safe_load((tmp_path / "flink.yml").read_text())
    document["catalog_flink"]["when"] = True
    (tmp_path / "flink.yml").write_text(yaml.safe_dump(document))
    with pytest.raises(CatalogError, match="must be hidden"):
        load_catalog(tmp_path)


def test_a_missing_catalog_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read catalog file"):
        load_catalog(tmp_path)


def test_local_values_match_their_rules_for_the_longest_artifact_id(catalog: Catalog) -> None:
    """The generated project's test validates its local properties file, whatever the artifact id."""
    longest = "a" + "-b" * 31 + "c"
    assert len(longest) == 64
    sinks = [sink for line in catalog.flink.lines for sink in catalog.offered("sink", line)]
    sources = [source for line in catalog.flink.lines for source in catalog.offered("source", line)]
    # The defaults, and each option with a fixed set of choices at its last choice.
    last_choices = {
        connector_id: {name: list(option.choices)[-1] for name, option in c.options.items() if option.choices}
        for connector_id, c in catalog.connectors.items()
    }
    for options in ({}, last_choices):
        for source in dict.fromkeys(sources):
            for first in dict.fromkeys(sinks):
                groups = property_groups(
                    catalog, source, [first], aws_region="us-gov-west-1", artifact_id=longest, options=options
                )
                for group in groups:
                    for p in group.properties:
                        if p.value is not None and p.pattern is not None:
                            assert re.fullmatch(p.pattern, p.value), (group.group_id, p.key, p.value)


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-1", "aws")]
)
def test_local_arns_are_in_the_partition_and_region_of_the_answer(
    catalog: Catalog, region: str, partition: str
) -> None:
    """{partition} in a local value is the partition of aws_region: no arn:aws: in China or GovCloud."""
    arns = [
        value
        for source, sinks, options in (
            ("kinesis", ["kinesis", "firehose", "dynamodb"], {}),
            ("kafka", ["kafka"], {"kafka": {"auth": "IAM"}}),
        )
        for group in property_groups(
            catalog, source, sinks, aws_region=region, artifact_id="orders-app", options=options
        )
        for value in group.local_map().values()
        if value.startswith("arn:")
    ]
    assert {arn.split(":")[2] for arn in arns} == {"kinesis", "firehose", "dynamodb", "kafka"}
    for arn in arns:
        assert arn.split(":")[1] == partition and arn.split(":")[3] == region, arn
        assert "{" not in arn, arn


def test_a_key_may_appear_twice_under_options_that_exclude_each_other(catalog: Catalog) -> None:
    role = catalog.connectors["iceberg"].sink
    assert role is not None
    assert [p.key for p in role.properties].count("catalog.type") == 3


def test_line_specific_dependencies_follow_the_line(catalog: Catalog) -> None:
    # Iceberg's Flink module is built per Flink minor version: each line gets its own, and only it.
    for line in catalog.flink.lines:
        runtimes = {
            d.artifact
            for d in catalog.dependencies_for(["iceberg"], line=line)
            if d.artifact.startswith("iceberg-flink-runtime-")
        }
        assert runtimes == {f"iceberg-flink-runtime-{line}"}, line


def test_option_dependencies_follow_the_answers(catalog: Catalog) -> None:
    def artifacts(connector: str, options: dict[str, str]) -> set[str]:
        return {d.artifact for d in catalog.dependencies_for([connector], {connector: options}, line="2.2")}

    sdk = {"s3", "sts", "kms", "dynamodb", "apache-client"}
    assert sdk | {"glue"} <= artifacts("iceberg", {"catalog": "GLUE"})
    assert "s3-tables-catalog-for-iceberg" not in artifacts("iceberg", {"catalog": "GLUE"})
    s3_tables = {"s3tables", "s3-tables-catalog-for-iceberg"}
    assert sdk | s3_tables <= artifacts("iceberg", {"catalog": "S3_TABLES"})
    assert not (sdk | {"glue", "s3-tables-catalog-for-iceberg"}) & artifacts("iceberg", {"catalog": "HADOOP"})
    parquet = {
        "flink-parquet",
        "parquet-avro",
        "parquet-hadoop",
        "hadoop-client-api",
        "zstd-jni",
        "commons-compress",
    }
    assert not parquet & artifacts("files", {"format": "JSON"})
    assert parquet <= artifacts("files", {"format": "PARQUET"})


def test_contains_names_whole_artifacts_of_a_bundled_dependency() -> None:
    runtime = {"group": "org.apache.iceberg", "artifact": "iceberg-flink-runtime-2.1", "why": "sink"}
    ok = Dependency.model_validate({**runtime, "scope": "compile", "contains": ["com.github.luben:zstd-jni"]})
    assert ok.contains == ["com.github.luben:zstd-jni"]
    with pytest.raises(ValueError, match=r"entry 'com\.github\.luben:\*' of .* must be group:artifact"):
        Dependency.model_validate({**runtime, "scope": "compile", "contains": ["com.github.luben:*"]})
    with pytest.raises(ValueError, match="only applies to compile-scope"):
        Dependency.model_validate({**runtime, "scope": "provided", "contains": ["com.github.luben:zstd-jni"]})


def test_a_managed_pin_needs_a_version_and_takes_no_exclusions() -> None:
    pin = {"group": "com.github.luben", "artifact": "zstd-jni", "scope": "managed", "why": "pin"}
    assert not Dependency.model_validate({**pin, "version": "zstd_jni"}).declared
    with pytest.raises(ValueError, match="scope managed: it pins a version, so give it a `version`"):
        Dependency.model_validate(pin)
    with pytest.raises(ValueError, match="and no `exclusions`"):
        Dependency.model_validate({**pin, "version": "zstd_jni", "exclusions": ["a:b"]})


@pytest.mark.parametrize(
    ("resource", "values", "arn"),
    [
        (
            "stream.arn",
            {"stream.arn": "arn:aws:kinesis:us-east-1:111122223333:stream/s"},
            "arn:aws:kinesis:us-east-1:111122223333:stream/s",
        ),
        ("*", {}, "*"),
        ("arn:aws:s3:::{path|bucket}", {"path": "s3://my-bucket/out/prices"}, "arn:aws:s3:::my-bucket"),
        (
            "arn:aws:s3:::{path|bucket}/{path|prefix}*",
            {"path": "s3://my-bucket/out/prices/"},
            "arn:aws:s3:::my-bucket/out/prices/*",
        ),
        ("arn:aws:s3:::{path|bucket}/{path|prefix}*", {"path": "s3://my-bucket"}, "arn:aws:s3:::my-bucket/*"),
        (
            "arn:aws:glue:{aws.region}:{id}:table/{namespace}/{table}",
            {"aws.region": "eu-west-1", "id": "111122223333", "namespace": "streaming", "table": "prices"},
            "arn:aws:glue:eu-west-1:111122223333:table/streaming/prices",
        ),
    ],
)
def test_iam_resources_are_derived_from_the_property_values(
    resource: str, values: dict[str, str], arn: str
) -> None:
    assert iam_resource(resource, values) == arn


@pytest.mark.parametrize(
    ("partition", "arn"),
    [
        ("aws", "arn:aws:glue:eu-west-1:111122223333:catalog"),
        ("aws-cn", "arn:aws-cn:glue:eu-west-1:111122223333:catalog"),
        ("aws-us-gov", "arn:aws-us-gov:glue:eu-west-1:111122223333:catalog"),
    ],
)
def test_an_arn_template_takes_the_partition_of_the_deployment(partition: str, arn: str) -> None:
    template = "arn:{partition}:glue:{aws.region}:{id}:catalog"
    values = {"aws.region": "eu-west-1", "id": "111122223333"}
    assert iam_resource(template, values, partition) == arn


def test_an_arn_template_without_the_partition_placeholder_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"GlueTable: write the ARN template .* as 'arn:\{partition\}:"):
        IamStatement.model_validate(
            {
                "sid": "GlueTable",
                "actions": ["glue:GetTable"],
                "resource": "arn:aws:glue:{aws.region}:1:catalog",
            }
        )
    statement = IamStatement.model_validate(
        {
            "sid": "GlueTable",
            "actions": ["glue:GetTable"],
            "resource": "arn:{partition}:glue:{aws.region}:1:catalog",
        }
    )
    assert statement.resource_keys() == ["aws.region"]


def test_an_iam_resource_names_the_value_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="path = 'file:///tmp/out' is not an s3://bucket/prefix URI"):
        iam_resource("arn:aws:s3:::{path|bucket}", {"path": "file:///tmp/out"})
    with pytest.raises(ValueError, match="needs a value for table"):
        iam_resource("arn:aws:glue:::table/{table}", {})


def test_local_services_of_a_project(catalog: Catalog) -> None:
    assert catalog.local_services("datagen", ["print"]) == []
    assert catalog.local_services("datagen", ["kafka", "print"]) == ["kafka"]
    assert catalog.local_services("kafka", ["kinesis"]) == ["kafka", "kinesis"]
    assert catalog.local_services("kinesis", ["kinesis"]) == ["kinesis"]


def test_a_service_can_depend_on_a_connector_option(catalog: Catalog) -> None:
    # The Glue catalog runs against Moto locally; the directory catalog needs no service.
    assert catalog.local_services("kafka", ["iceberg"]) == ["kafka", "moto"]
    glue = {"iceberg": {"catalog": "GLUE"}}
    assert catalog.local_services("datagen", ["iceberg"], glue) == ["moto"]
    for other in ("HADOOP", "S3_TABLES"):
        assert catalog.local_services("datagen", ["iceberg"], {"iceberg": {"catalog": other}}) == []


def test_a_services_resource_is_the_bucket_of_an_s3_location_else_the_last_segment(catalog: Catalog) -> None:
    services = catalog.services.services
    assert services["moto"].resource_name({"warehouse": "file:///tmp/app/warehouse"}) == "warehouse"
    assert services["kafka"].resource_name({"topic": "orders"}) == "orders"
    arn = "arn:aws:kinesis:us-east-1:111122223333:stream/orders-input"
    assert services["kinesis"].resource_name({"stream.arn": arn}) == "orders-input"
    assert services["kafka"].resource_name({}) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["connectors"]["kafka"]["sink"].update(local_services=["redpanda"]),
            "local_services names unknown service 'redpanda'",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"].update(resource_property="queue"),
            "service kafka needs the property 'queue'",
        ),
        (
            lambda raw: raw["connectors"]["iceberg"]["sink"].update(
                local_services=[{"service": "moto", "when": {"catalogue": ["GLUE"]}}]
            ),
            "local_services.moto: when names unknown option 'catalogue'",
        ),
        (
            lambda raw: raw["connectors"]["iceberg"]["sink"].update(
                local_services=[{"service": "moto", "when": {"catalog": ["NESSIE"]}}]
            ),
            r"local_services.moto: when catalog lists unknown values \['NESSIE'\]",
        ),
        (
            lambda raw: raw["connectors"]["kafka"]["source"].update(local_services=["moto"]),
            "service moto needs the property 'warehouse'",
        ),
        (
            lambda raw: (
                [raw["connectors"]["iceberg"]["sink"].pop(key) for key in ("passes_other_keys", "endpoints")]
                # Its endpoints are keys the group must have too: without them that rule fires first.
                and raw["connectors"]["iceberg"]["sink"]["table"].pop("pass_through")
            ),
            r"service moto sets \['glue.endpoint', 's3.endpoint', 's3.path-style-access'\], which are not "
            "keys of the group",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"]["init"].pop("seed"),
            "service kafka has no init.seed, which a source's service needs",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"]["service"].update(image="apache/kafka"),
            "must name an image with a pinned tag",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"]["service"].update(image="apache/kafka:latest"),
            "must pin a version, not latest",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"]["service"].pop("healthcheck"),
            "service needs a healthcheck",
        ),
        (
            lambda raw: raw["services"]["services"]["kafka"]["init"].update(create="kafka-topics.sh"),
            "init.create must use the {name} placeholder",
        ),
        (
            lambda raw: raw["services"]["sample_records"].append("it's $HOME"),
            "must be one line without ' or \\$",
        ),
    ],
)
def test_local_service_rules(raw: dict[str, Any], change: Any, message: str) -> None:
    change(raw)
    with pytest.raises(CatalogError, match=message):
        _parse(raw)


def _password(raw: dict[str, Any], connector: str) -> dict[str, Any]:
    properties = raw["connectors"][connector]["source"]["properties"]
    found: dict[str, Any] = next(p for p in properties if p["key"] == "password")
    return found


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda raw: _password(raw, "mysql_cdc").update(local="cdc"), "is never a runtime property"),
        (lambda raw: _password(raw, "mysql_cdc").update(default="x"), "is never a runtime property"),
        (lambda raw: _password(raw, "postgres_cdc").update(required=True), "is never a runtime property"),
        (lambda raw: _password(raw, "kafka").update(env="kafka-password"), "env"),
        (
            lambda raw: raw["services"]["services"]["mysql"]["service"]["environment"].update(
                MYSQL_PASSWORD="flink_cdc_password", EXTRA="${UNLISTED:?make local-up}"
            ),
            "must list exactly the ${NAME} variables",
        ),
        (lambda raw: raw["services"]["services"]["postgres"].update(secrets=[]), "must list exactly"),
    ],
)
def test_secrets_stay_secrets(raw: dict[str, Any], mutate: Any, message: str) -> None:
    """A password has an environment variable and no value anywhere; a local service's passwords
    are the `${NAME}` variables it lists in `secrets`, which `make local-up` writes into .env."""
    mutate(raw)
    with pytest.raises(CatalogError, match="invalid version catalog") as error:
        _parse(raw)
    assert message in str(error.value)


def test_every_password_is_a_secret(catalog: Catalog) -> None:
    for connector_id, connector in catalog.connectors.items():
        for role in (connector.source, connector.sink):
            for p in role.properties if role is not None else []:
                if "password" in p.key:
                    assert p.env is not None and p.local is None, (connector_id, p.key)
