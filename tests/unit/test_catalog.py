"""The version catalog: its rules, and the questions the rest of the product asks it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from msf_scaffold.catalog import Catalog, _parse, catalog_dir, load_catalog, read_catalog_data
from msf_scaffold.errors import CatalogError


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(read_catalog_data())


def test_packaged_catalog_is_valid(catalog: Catalog) -> None:
    assert catalog.flink.default_line == "2.2"
    assert list(catalog.flink.lines) == ["2.2", "1.20"]
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
    assert kafka["flink-connector-kafka"].endswith("-2.0")
    assert kafka["flink-streaming-java"] == "2.2.0"
    kafka_120 = {c.artifact: c.version for c in catalog.coordinates("1.20", ["kafka"])}
    assert kafka_120["flink-connector-kafka"].endswith("-1.20")
    assert kafka_120["flink-streaming-java"].startswith("1.20.")


def test_roles_and_lines(catalog: Catalog) -> None:
    # Flink CDC is pinned for 2.2 (3.6.0-2.2), so it is offered there too.
    assert catalog.offered("source", "2.2") == ["kinesis", "kafka", "mysql_cdc", "postgres_cdc", "datagen"]
    assert catalog.offered("sink", "2.2") == ["kinesis", "kafka", "print"]
    assert catalog.supported_lines("kafka") == ["2.2", "1.20"]


def test_a_connector_without_a_pin_for_a_line_is_not_offered_there(raw: dict[str, Any]) -> None:
    del raw["connectors"]["kafka"]["versions"]["kafka_connector"]["per_line"]["1.20"]
    catalog = _parse(raw)
    assert catalog.supported_lines("kafka") == ["2.2"]
    assert "kafka" not in catalog.offered("source", "1.20")
    assert all(
        line != "1.20" or "kafka" not in (source, *sinks)
        for line, source, sinks in catalog.valid_combinations()
    )


def test_valid_combinations_cover_every_sink_subset(catalog: Catalog) -> None:
    combos = list(catalog.valid_combinations())
    # 2 lines x 5 sources x 7 non-empty subsets of 3 sinks
    assert len(combos) == 2 * 5 * 7
    assert ("2.2", "kinesis", ("kinesis",)) in combos
    assert ("1.20", "datagen", ("kinesis", "kafka", "print")) in combos


def test_dependencies_are_deduplicated_and_scoped(catalog: Catalog) -> None:
    deps = catalog.dependencies_for(["kafka", "kafka", "print"])
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
            "unknown property stream.name",
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
            lambda d: d["connectors"]["kafka"]["sink"].update(
                factory="KinesisSinkFactory", files=["x/KinesisSinkFactory.java"]
            ),
            "share a factory class",
        ),
        (lambda d: d["connectors"].update({"Bad-Id": d["connectors"]["print"]}), "lower_snake_case"),
        (
            lambda d: d["connectors"]["kafka"]["source"]["properties"].append(
                {"key": "security.protocol", "required": False, "description": "x", "when": {"auth": ["IAM"]}}
            ),
            "KafkaSource lists security.protocol twice",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["properties"].append(
                {"key": "topic", "required": False, "description": "x", "when": {"auth": ["TLS"]}}
            ),
            "KafkaSource lists topic twice",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {"sid": "X", "actions": ["kafka-cluster:ReadData"], "resource": "cluster.arn",
                 "resource_type": "topic", "resource_suffix": "/{topic.name}"}
            ),
            "resource_suffix names unknown property {topic.name}",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {"sid": "X", "actions": ["kafka-cluster:ReadData"], "resource": "*", "resource_type": "topic"}
            ),
            "need an ARN property, not '*'",
        ),
        (
            lambda d: d["connectors"]["kafka"]["source"]["iam"].append(
                {"sid": "X", "actions": ["kafka-cluster:ReadData"], "resource": "cluster.arn",
                 "resource_type": "Topic/"}
            ),
            "resource_type",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["dependencies"][0].update(exclusions=["flink-cdc-common"]),
            "must be group:artifact",
        ),
        (
            lambda d: d["connectors"]["mysql_cdc"]["dependencies"][0].update(scope="provided"),
            "jar_excludes only applies to compile-scope",
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
