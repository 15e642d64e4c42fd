"""Table API / SQL projects: the pom, the files, the table definitions and the SQL agree with the
catalog. Every source and every sink is rendered on every Flink line, each sink also as the
dead-letter table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, TableJaas, TableProperty, TableSection, applies, load_catalog
from tests.helpers import Pom, answers_for, java_sources

_CATALOG = load_catalog()


def _combinations(catalog: Catalog) -> list[tuple[str, str, tuple[str, ...]]]:
    result: list[tuple[str, str, tuple[str, ...]]] = []
    for line in catalog.flink.lines:
        sinks = catalog.offered("sink", line, "table")
        for index, source in enumerate(catalog.offered("source", line, "table")):
            result.append((line, source, (sinks[index % len(sinks)],)))
            result.append((line, source, tuple(sinks)))
    return result


COMBINATIONS = _combinations(_CATALOG)
_RENDERED: dict[tuple[str, str, tuple[str, ...]], Path] = {}
Rendered = tuple[Path, str, str, tuple[str, ...]]


@pytest.fixture(params=COMBINATIONS, ids=[f"{c[0]}-{c[1]}-to-{'+'.join(c[2])}" for c in COMBINATIONS])
def rendered(request: pytest.FixtureRequest, copie_session: Any) -> Rendered:
    line, source, sinks = request.param
    if request.param not in _RENDERED:
        result = copie_session.copy(extra_answers=answers_for(line, source, sinks, api="table"))
        assert result.exit_code == 0, result.exception
        _RENDERED[request.param] = result.project_dir
    return _RENDERED[request.param], line, source, sinks


def _java(project: Path, name: str) -> str:
    return next(text for path, text in java_sources(project).items() if path.endswith("/" + name))


def test_pom_has_the_table_api_dependencies_of_the_catalog(rendered: Rendered, catalog: Catalog) -> None:
    project, line, source, sinks = rendered
    pins = catalog.pins()
    expected = {
        (d.group, d.artifact, pins[d.version].value_for(line) if d.version else None, d.scope)
        for d in catalog.dependencies_for([source, *sinks], line=line, api="table")
    }
    actual = {(d.group, d.artifact, d.version, d.scope) for d in Pom(project / "pom.xml").dependencies}
    assert actual == expected
    artifacts = {d[1] for d in actual if d[3] == "provided"}
    assert {"flink-table-api-java-bridge", "flink-table-planner-loader", "flink-table-runtime"} <= artifacts


def test_only_the_table_api_code_is_generated(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks = rendered
    files = {Path(path).name for path in java_sources(project)}
    assert {
        "StreamingJob.java",
        "StockPriceSql.java",
        "TableDefinitions.java",
        "StreamingJobIT.java",
    } <= files
    assert not files & {
        "StockPricePipeline.java",
        "StockPriceParser.java",
        "StockPrice.java",
        "DeadLetter.java",
        "JsonSerializer.java",
        "ModelSerializationTest.java",
    }
    assert sorted(p.name for p in (project / "src/main/resources/sql").iterdir()) == [
        "dead-letters.sql",
        "parse-stock-prices.sql",
        "valid-stock-prices.sql",
    ]
    # A role's DataStream factory is generated only when its table section bridges it; files that
    # roles share (config/Credentials.java) are kept when the bridged source lists them.
    bridged: set[str] = set()
    others: dict[tuple[str, str], set[str]] = {}
    for connector_id in {source, *sinks}:
        for role_name in ("source", "sink"):
            role = catalog.connectors[connector_id].role(role_name)
            if role is None or role.table is None:
                continue
            names = {Path(pattern).name for pattern in role.file_patterns()}
            if role.table.bridge and connector_id == source and role_name == "source":
                assert names <= files
                bridged |= names
            else:
                others[(connector_id, role_name)] = names
    for key, names in others.items():
        assert not (names - bridged) & files, key


_METHOD = re.compile(
    r"public static TableDescriptor (\w+)\(PropertyGroup properties[^)]*\) \{(.*?)\n    \}", re.S
)
_OPTION = re.compile(r'table\.option\("([^"]+)", (.*?)\);\n', re.S)
_JAAS_LOGIN = "Credentials.from(properties).scramJaasConfig()"


def _parse_option(expression: str) -> str | TableProperty:
    if expression.startswith('"'):
        return str(expression.strip('"'))
    direct = re.fullmatch(r'properties\.get\("([^"]+)"\)', expression)
    if direct:
        return TableProperty(property=direct.group(1))
    mapped = re.fullmatch(r'translate\(properties, "([^"]+)", Map\.of\((.*)\)\)', expression, re.S)
    assert mapped, expression
    pairs = re.findall(r'"([^"]*)"', mapped.group(2))
    return TableProperty(property=mapped.group(1), map=dict(zip(pairs[::2], pairs[1::2], strict=True)))


def _parse_definitions(text: str) -> dict[str, TableSection]:
    """Each TableDefinitions method, read back into the catalog's TableSection."""
    result = {}
    for name, body in _METHOD.findall(text):
        connector = re.search(r'TableDescriptor\.forConnector\("([^"]+)"\)', body)
        fmt = re.search(r'table\.format\("([^"]+)"\);', body)
        passing = re.search(r'passThrough\(table, properties, "([^"]*)"((?:, "[^"]+")*)\);', body)
        options = {key: _parse_option(value) for key, value in _OPTION.findall(body) if value != _JAAS_LOGIN}
        jaas = [key for key, value in _OPTION.findall(body) if value == _JAAS_LOGIN]
        assert connector, name
        section = TableSection(
            connector=connector.group(1),
            format=fmt.group(1) if fmt else None,
            options=options,
            pass_through=passing.group(1) if passing else None,
        )
        if passing:
            keys = re.findall(r'"([^"]+)"', passing.group(2))
            assert keys[: len(section.referenced())] == section.referenced(), name
            section = section.model_copy(update={"withheld": keys[len(section.referenced()) :]})
        if jaas:
            # The condition is not in the code: the catalog's section supplies it (compared below).
            section = section.model_copy(update={"jaas": TableJaas(option=jaas[0], when={})})
        result[name] = section
    return result


def _method(connector_id: str, role: str) -> str:
    first, *rest = f"{connector_id}_{role}".split("_")
    return first + "".join(word.capitalize() for word in rest)


def test_table_definitions_are_the_catalogs_table_sections(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks = rendered
    definitions = _parse_definitions(_java(project, "TableDefinitions.java"))
    expected: dict[str, TableSection] = {}
    for connector_id, role_name in [(source, "source"), *((s, "sink") for s in sinks)]:
        role = catalog.connectors[connector_id].role(role_name)  # type: ignore[arg-type]
        assert role is not None and role.table is not None
        if role.table.connector is not None:
            jaas = role.table.jaas
            options = catalog.options_for(connector_id, {})
            applied = TableJaas(option=jaas.option, when={}) if jaas and applies(jaas.when, options) else None
            expected[_method(connector_id, role_name)] = role.table.model_copy(
                update={"readme": None, "jaas": applied}
            )
    assert definitions == expected


def test_the_job_defines_every_table_from_its_property_group(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks = rendered
    job = _java(project, "StreamingJob.java")
    tables = dict(
        re.findall(
            r'createTemporaryTable\("(\w+)",\s+TableDefinitions\.(\w+\(properties\.group\("\w+"\))', job
        )
    )
    expected = {}
    for sink in sinks:
        role = catalog.connectors[sink].sink
        assert role is not None
        expected[f"{sink}_sink"] = f'{_method(sink, "sink")}(properties.group("{role.property_group}")'
    first = catalog.connectors[sinks[0]].sink
    assert first is not None
    expected["dead_letter_sink"] = f'{_method(sinks[0], "sink")}(properties.group("DeadLetterSink")'
    assert tables == expected
    inserts = re.findall(r"statements\.add\(output\.(\w+)\(\)\.insertInto\(\"(\w+)\"\)\);", job)
    assert inserts == [("prices", f"{s}_sink") for s in sinks] + [("deadLetters", "dead_letter_sink")]

    src = catalog.connectors[source].source
    assert src is not None and src.table is not None
    if src.table.bridge:
        assert f'{src.factory}.create(properties.group("{src.property_group}"))' in job
        assert 'tableEnv.fromDataStream(rawRecords).as("raw")' in job
        assert f'.uid("{source}-source")' in job
    else:
        assert (
            f"createTemporaryTable(StockPriceSql.RAW_RECORDS,\n                TableDefinitions."
            f'{_method(source, "source")}(properties.group("{src.property_group}")));'
        ) in job
    # The local-run guard: checkpointing and parallelism only when the job runs locally.
    guard = re.search(r"if \(local\) \{(.*?)\}", job, re.S)
    assert guard and "enableCheckpointing" in guard.group(1) and "setParallelism" in guard.group(1)
    assert job.count("enableCheckpointing") == 1 and job.count("setParallelism") == 1


def _statement(path: Path) -> str:
    """The SQL text without comments, whitespace collapsed."""
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    return " ".join(text.split())


def _select_columns(statement: str) -> list[str]:
    """Names of the outermost SELECT's columns (their alias, else the column)."""
    body = statement.removeprefix("SELECT ")
    depth, quoted, current, columns = 0, False, "", []
    for index, char in enumerate(body):
        quoted ^= char == "'"
        depth += 0 if quoted else {"(": 1, ")": -1}.get(char, 0)
        if quoted:
            current += char
            continue
        if depth == 0 and body.startswith(" FROM ", index):
            break
        if depth == 0 and char == ",":
            columns.append(current)
            current = ""
        else:
            current += char
    columns.append(current)
    return [re.split(r"\s+AS\s+", column.strip())[-1].strip("`") for column in columns]


def _schema(text: str, constant: str) -> list[str]:
    block = re.search(rf"{constant} = Schema\.newBuilder\(\)(.*?)\.build\(\);", text, re.S)
    assert block, constant
    return re.findall(r'\.column\("(\w+)"', block.group(1))


def test_the_sql_reads_the_jobs_tables_and_writes_the_sinks_columns(rendered: Rendered) -> None:
    project, *_ = rendered
    sql = project / "src/main/resources/sql"
    definitions = _java(project, "TableDefinitions.java")
    pipeline = _java(project, "StockPriceSql.java")
    raw_table = re.search(r'RAW_RECORDS = "(\w+)"', pipeline)
    parsed_view = re.search(r'PARSED_STOCK_PRICES = "(\w+)"', pipeline)
    assert raw_table and parsed_view
    statements = {path.name: _statement(path) for path in sql.iterdir()}
    for name, statement in statements.items():
        assert statement.startswith("SELECT "), name
        assert ";" not in statement, f"{name}: sqlQuery takes one statement without a semicolon"
        assert statement.count("(") == statement.count(")"), name
        assert f'query("{name}")' in pipeline
    parse = statements["parse-stock-prices.sql"]
    assert re.search(rf"\bFROM {raw_table.group(1)}\b", parse)
    assert "JSON_VALUE(`raw`, '$.ticker')" in parse and "IS JSON OBJECT" in parse
    assert _select_columns(parse) == ["raw", "event_time", "ticker", "price", "error"]
    assert _schema(definitions, "RAW_RECORDS") == ["raw"]
    for name, schema in (("valid-stock-prices.sql", "STOCK_PRICES"), ("dead-letters.sql", "DEAD_LETTERS")):
        assert re.search(rf"\bFROM {parsed_view.group(1)}\b", statements[name]), name
        assert _select_columns(statements[name]) == _schema(definitions, schema), name
    assert "WHERE `error` IS NULL" in statements["valid-stock-prices.sql"]
    assert "WHERE `error` IS NOT NULL" in statements["dead-letters.sql"]
