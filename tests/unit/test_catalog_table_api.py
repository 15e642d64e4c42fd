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


def test_sources_read_raw_records_and_sinks_write_json_or_print(catalog: Catalog) -> None:
    for connector_id, connector in catalog.connectors.items():
        if connector.source is not None and connector.source.table is not None:
            table = connector.source.table
            assert table.bridge or table.unsupported or table.format == "raw", connector_id
        if connector.sink is not None and connector.sink.table is not None:
            table = connector.sink.table
            assert table.format in ("json", None), connector_id
            assert table.format is not None or table.connector == "print" or table.unsupported, connector_id


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
        (_two_kinds, "exactly one of connector, bridge and unsupported"),
        (_no_flink_json, "uses the json format: add org.apache.flink:flink-json"),
        (_unknown_api, "when api lists unknown APIs ['sql']"),
        (_option_named_api, "option name 'api' is reserved"),
        (_connector_option_key, "option 'format' is set by the table section's own format field"),
    ],
)
def test_table_rules_reject_bad_data(raw: dict[str, Any], mutate: Any, message: str) -> None:
    mutate(raw)
    with pytest.raises(CatalogError) as error:
        _parse(raw)
    assert message in str(error.value)
