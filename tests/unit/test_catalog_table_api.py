"""The catalog's Table API rules: every connector role declares how it works in a SQL job."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from msf_scaffold.catalog import Catalog, TableProperty, _parse, read_catalog_data
from msf_scaffold.docs import _choices, template_context
from msf_scaffold.errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(read_catalog_data())


def test_every_role_has_a_table_section_and_is_offered_for_the_table_api(catalog: Catalog) -> None:
    for line in catalog.flink.lines:
        for role in ("source", "sink"):
            offered = catalog.offered(role, line, "table")
            for connector_id in catalog.offered(role, line):
                spec = catalog.connectors[connector_id].role(role)
                assert spec is not None and spec.table is not None, (connector_id, role)
                reason = catalog.not_offered_for_api(connector_id, role, "table")
                assert (connector_id in offered) == (reason is None), (connector_id, role, reason)


def test_sources_read_raw_records_and_sinks_write_their_format(catalog: Catalog) -> None:
    for connector_id, connector in catalog.connectors.items():
        if connector.source is not None and connector.source.table is not None:
            table = connector.source.table
            assert table.bridge or table.unsupported or table.format == "raw", connector_id
        if connector.sink is not None and connector.sink.table is not None:
            table = connector.sink.table
            assert set(table.formats()) <= {"json", "parquet"}, connector_id
    # The connectors that map columns themselves (print, DynamoDB) and catalogs take no format.
    formatless = {
        connector_id
        for connector_id, connector in catalog.connectors.items()
        if connector.sink is not None
        and connector.sink.table is not None
        and not connector.sink.table.formats()
    }
    assert formatless == {"print", "dynamodb", "iceberg"}
    files = catalog.connectors["files"].sink
    assert files is not None and files.table is not None
    assert files.table.formats() == ["json", "parquet"]


def test_a_project_resolves_the_format_and_keeps_the_options_its_group_has(catalog: Catalog) -> None:
    files = catalog.connectors["files"].sink
    iceberg = catalog.connectors["iceberg"].sink
    assert files is not None and files.table is not None and iceberg is not None and iceberg.table is not None
    assert files.table.resolved({"format": "PARQUET"}, {"path": None}).format == "parquet"
    assert files.table.resolved({"format": "JSON"}, {"path": None}).format == "json"
    hadoop = iceberg.table.resolved({}, {"catalog.type": ["HADOOP"], "warehouse": None})
    assert set(hadoop.options) == {"catalog-impl", "io-impl", "warehouse"}
    impl = hadoop.options["catalog-impl"]
    assert isinstance(impl, TableProperty) and impl.map == {
        "HADOOP": "org.apache.iceberg.hadoop.HadoopCatalog"
    }
    glue = iceberg.table.resolved(
        {},
        {"catalog.type": ["GLUE", "HADOOP"], "warehouse": None, "glue.catalog.id": None, "aws.region": None},
    )
    assert set(glue.options) == {"catalog-impl", "io-impl", "warehouse", "glue.id", "client.region"}


def test_sinks_that_need_a_name_read_it_from_the_arn_iam_needs(catalog: Catalog) -> None:
    for connector_id, option, key in (
        ("firehose", "delivery-stream", "delivery.stream.arn"),
        ("dynamodb", "table-name", "table.arn"),
    ):
        sink = catalog.connectors[connector_id].sink
        assert sink is not None and sink.table is not None
        assert sink.table.options[option] == TableProperty(property=key, arn="name")
        assert sink.table.options["aws.region"] == TableProperty(property=key, arn="region")
        assert any(statement.resource == key for statement in sink.iam)
    dynamodb = catalog.connectors["dynamodb"].sink
    assert dynamodb is not None and dynamodb.table is not None
    # Pass-through must not hand the keys that shape the rows to the connector.
    assert {"key.attributes", "id.attribute", "table.arn"} <= set(dynamodb.table.used_keys())


def test_table_options_read_keys_of_their_own_property_group(catalog: Catalog) -> None:
    kafka = catalog.connectors["kafka"].source
    assert kafka is not None and kafka.table is not None
    keys = {p.key for p in kafka.properties}
    refs = [o for o in kafka.table.options.values() if isinstance(o, TableProperty)]
    assert refs and all(o.property in keys for o in refs)
    startup = kafka.table.options["scan.startup.mode"]
    assert isinstance(startup, TableProperty) and startup.map is not None
    allowed = next(p.allowed for p in kafka.properties if p.key == "starting.offsets")
    assert allowed is not None and set(startup.map) == set(allowed)


def test_table_dependencies_come_with_the_table_api_only(catalog: Catalog) -> None:
    kafka_print = catalog.dependencies_for(["kafka", "print"], line="2.2", api="table")
    table = {d.artifact: d.scope for d in kafka_print}
    stream = {d.artifact for d in catalog.dependencies_for(["kafka", "print"], line="2.2")}
    for artifact in (
        "flink-table-api-java-bridge",
        "flink-table-planner-loader",
        "flink-table-runtime",
        "flink-json",
    ):
        assert table[artifact] == "provided"
        assert artifact not in stream
    assert "flink-json" not in {
        d.artifact for d in catalog.dependencies_for(["datagen", "print"], line="2.2", api="table")
    }
    coordinates = {c.artifact: c.version for c in catalog.coordinates("1.20", ["kafka"], api="table")}
    assert coordinates["flink-table-planner-loader"] == coordinates["flink-streaming-java"]


def test_an_unsupported_role_is_not_offered_for_the_table_api_with_its_reason(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["sink"]["table"] = {"unsupported": "use the DataStream API for Kafka here"}
    catalog = _parse(raw)
    assert "kafka" not in catalog.offered("sink", "2.2", "table")
    assert "kafka" in catalog.offered("sink", "2.2")
    assert "kafka" in catalog.offered("source", "2.2", "table")
    assert catalog.not_offered_for_api("kafka", "sink", "table") == "use the DataStream API for Kafka here"
    assert all("kafka" not in sinks for _, _, sinks in catalog.valid_combinations("table"))


def test_the_questionnaire_refuses_an_unsupported_role_with_its_reason(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["sink"]["table"] = {"unsupported": "no SQL connector"}
    questions = yaml.safe_load((ROOT / "copier/questions.yml").read_text(encoding="utf-8"))
    context = {**template_context(ROOT), "catalog_connectors": raw["connectors"], "flink_version": "2.2"}
    table = {
        value: refused
        for _, value, refused in _choices(questions["sinks"]["choices"], {**context, "api": "table"})
    }
    stream = {
        value: refused
        for _, value, refused in _choices(questions["sinks"]["choices"], {**context, "api": "datastream"})
    }
    assert (
        table["kafka"] == "Apache Kafka / Amazon MSK is not offered for the Table API / SQL: no SQL connector"
    )
    assert stream["kafka"] is None
    assert table["print"] is None


def _drop_table(raw: dict[str, Any]) -> None:
    del raw["connectors"]["kafka"]["sink"]["table"]


def _unknown_key(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["sink"]["table"]["options"]["topic"] = {"property": "topics"}


def _partial_map(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["sink"]["table"]["options"]["sink.delivery-guarantee"]["map"].pop("NONE")


def _json_source(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["source"]["table"]["format"] = "json"


def _bridged_sink(raw: dict[str, Any]) -> None:
    raw["connectors"]["print"]["sink"]["table"] = {"bridge": True}


def _two_kinds(raw: dict[str, Any]) -> None:
    raw["connectors"]["datagen"]["source"]["table"] = {"bridge": True, "unsupported": "why"}


def _no_flink_json(raw: dict[str, Any]) -> None:
    deps = raw["connectors"]["kafka"]["dependencies"]
    raw["connectors"]["kafka"]["dependencies"] = [d for d in deps if d["artifact"] != "flink-json"]


def _unknown_api(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["dependencies"][1]["when"] = {"api": ["sql"]}


def _option_named_api(raw: dict[str, Any]) -> None:
    raw["connectors"]["kinesis"]["options"]["api"] = raw["connectors"]["kinesis"]["options"].pop(
        "efo_consumer"
    )


def _format_choice_of_another_option(raw: dict[str, Any]) -> None:
    raw["connectors"]["files"]["sink"]["table"]["format"] = {"option": "format", "map": {"JSON": "json"}}


def _no_flink_parquet(raw: dict[str, Any]) -> None:
    deps = raw["connectors"]["files"]["dependencies"]
    raw["connectors"]["files"]["dependencies"] = [d for d in deps if d["artifact"] != "flink-parquet"]


def _catalog_with_format(raw: dict[str, Any]) -> None:
    raw["connectors"]["iceberg"]["sink"]["table"]["format"] = "json"


def _arn_and_map(raw: dict[str, Any]) -> None:
    raw["connectors"]["firehose"]["sink"]["table"]["options"]["delivery-stream"]["map"] = {"a": "b"}


def _column_with_two_names(raw: dict[str, Any]) -> None:
    raw["connectors"]["dynamodb"]["sink"]["table"]["columns"][0]["name"] = "id"


def _column_reading_an_unknown_key(raw: dict[str, Any]) -> None:
    raw["connectors"]["files"]["sink"]["table"]["columns"][0]["sql"] = (
        "DATE_FORMAT(CURRENT_TIMESTAMP, {pattern})"
    )


def _partial_partition_map(raw: dict[str, Any]) -> None:
    raw["connectors"]["iceberg"]["sink"]["table"]["partition_by"]["map"].pop("TICKER")


def _unknown_local_location(raw: dict[str, Any]) -> None:
    raw["connectors"]["files"]["sink"]["table"]["local_location"] = "directory"


def _catalog_source(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["source"]["table"]["partition_by"] = "topic"


def _connector_option_key(raw: dict[str, Any]) -> None:
    raw["connectors"]["kafka"]["sink"]["table"]["options"]["format"] = "csv"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_drop_table, "connectors.kafka.sink has no `table` section: add one"),
        (_unknown_key, "reads 'topics', which is not a key of KafkaSink"),
        (_partial_map, "map must translate exactly the allowed values"),
        (_json_source, "source.table: format must be raw"),
        (_bridged_sink, "bridge is for sources"),
        (_two_kinds, "exactly one of connector, catalog, bridge and unsupported"),
        (_no_flink_json, "uses the json format: add org.apache.flink:flink-json"),
        (_unknown_api, "when api lists unknown APIs ['sql']"),
        (_option_named_api, "option name 'api' is reserved"),
        (_connector_option_key, "option 'format' is set by the table section's own format field"),
        (_format_choice_of_another_option, "its map must give a format for exactly that option's choices"),
        (
            _no_flink_parquet,
            "uses the parquet format for {'format': 'PARQUET'}: add org.apache.flink:flink-parquet",
        ),
        (_catalog_with_format, "a catalog table has no format: the catalog decides"),
        (_arn_and_map, "use map or arn, not both"),
        (_column_with_two_names, "exactly one of name and name_property"),
        (_column_reading_an_unknown_key, "table column 'dt' reads 'pattern', which is not a key of FileSink"),
        (_partial_partition_map, "partition_by: map must give the columns of exactly the allowed values"),
        (_unknown_local_location, "table local_location reads 'directory'"),
        (_catalog_source, "source.table: catalog, columns and partition_by are for sinks"),
    ],
)
def test_table_rules_reject_bad_data(raw: dict[str, Any], mutate: Any, message: str) -> None:
    mutate(raw)
    with pytest.raises(CatalogError) as error:
        _parse(raw)
    assert message in str(error.value)
