"""Table API / SQL projects: the pom, the files, the table definitions and the SQL agree with the
catalog. Every source and every sink is rendered on every Flink line, each sink also as the
dead-letter table."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import (
    Catalog,
    TableCatalog,
    TableColumn,
    TableJaas,
    TablePartitioning,
    TableProperty,
    TableSection,
    applies,
    load_catalog,
)
from msf_scaffold.properties import PropertyGroupSpec, property_groups
from tests.helpers import Pom, answers_for, assert_pom_has_the_catalog_dependencies, java_sources

_CATALOG = load_catalog()


Options = tuple[tuple[str, str], ...]
Combination = tuple[str, str, tuple[str, ...], Options]

# Connector options that change a sink's table (its format, its catalog), and each sink that adds
# columns as the dead-letter table, rendered on every line. Sinks in catalog order, as copier keeps them.
_OPTION_VARIANTS: list[tuple[str, tuple[str, ...], Options]] = [
    ("datagen", ("files",), (("files_format", "PARQUET"),)),
    ("datagen", ("iceberg",), (("iceberg_catalog", "HADOOP"),)),
    ("datagen", ("iceberg", "files"), (("iceberg_catalog", "S3_TABLES"), ("iceberg_partitioning", "TICKER"))),
    ("datagen", ("dynamodb",), ()),
    ("datagen", ("firehose", "dynamodb"), ()),
]


def _combinations(catalog: Catalog) -> list[Combination]:
    result: list[Combination] = []
    for line in catalog.flink.lines:
        sinks = catalog.offered("sink", line, "table")
        for index, source in enumerate(catalog.offered("source", line, "table")):
            result.append((line, source, (sinks[index % len(sinks)],), ()))
            result.append((line, source, tuple(sinks), ()))
        result += [(line, source, chosen, options) for source, chosen, options in _OPTION_VARIANTS]
    return result


COMBINATIONS = _combinations(_CATALOG)
_RENDERED: dict[Combination, Path] = {}
Rendered = tuple[Path, str, str, tuple[str, ...], dict[str, dict[str, str]]]


def _id(c: Combination) -> str:
    return f"{c[0]}-{c[1]}-to-{'+'.join(c[2])}" + "".join(f"-{k}={v}" for k, v in c[3])


def _connector_options(answers: Options) -> dict[str, dict[str, str]]:
    """copier answers such as files_format=PARQUET, by connector and option."""
    result: dict[str, dict[str, str]] = {}
    for name, value in answers:
        connector_id = next(c for c in _CATALOG.connectors if name.startswith(c + "_"))
        result.setdefault(connector_id, {})[name.removeprefix(connector_id + "_")] = value
    return result


@pytest.fixture(params=COMBINATIONS, ids=[_id(c) for c in COMBINATIONS])
def rendered(request: pytest.FixtureRequest, copie_session: Any) -> Rendered:
    line, source, sinks, options = request.param
    if request.param not in _RENDERED:
        result = copie_session.copy(
            extra_answers=answers_for(line, source, sinks, api="table", **dict(options))
        )
        assert result.exit_code == 0, result.exception
        _RENDERED[request.param] = result.project_dir
    return _RENDERED[request.param], line, source, sinks, _connector_options(options)


def _java(project: Path, name: str) -> str:
    return next(text for path, text in java_sources(project).items() if path.endswith("/" + name))


def test_pom_has_the_table_api_dependencies_of_the_catalog(rendered: Rendered, catalog: Catalog) -> None:
    project, line, source, sinks, options = rendered
    pom = Pom(project / "pom.xml")
    dependencies = catalog.dependencies_for([source, *sinks], options, line=line, api="table")
    assert_pom_has_the_catalog_dependencies(pom, dependencies, catalog.pins(), line)
    artifacts = {d.artifact for d in pom.dependencies if d.scope == "provided"}
    assert {"flink-table-api-java-bridge", "flink-table-planner-loader", "flink-table-runtime"} <= artifacts


def test_only_the_table_api_code_is_generated(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, options = rendered
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
    # A role's DataStream factory is generated only when its table section bridges it; a table
    # keeps the role files it names (config/Credentials.java for a SCRAM login), and files that
    # roles share are kept when any role keeps them.
    kept: set[str] = set()
    others: dict[tuple[str, str], set[str]] = {}
    for connector_id in {source, *sinks}:
        chosen = catalog.options_for(connector_id, options)
        for role_name in ("source", "sink"):
            role = catalog.connectors[connector_id].role(role_name)
            if role is None or role.table is None:
                continue
            selected = connector_id == source if role_name == "source" else connector_id in sinks
            names = {Path(pattern).name for pattern in role.file_patterns()}
            if role.table.bridge and selected:
                assert names <= files
                kept |= names
                continue
            needed = {
                Path(f if isinstance(f, str) else f.path).name
                for f in role.table.files
                if selected and (isinstance(f, str) or applies(f.when, chosen))
            }
            assert needed <= files, (connector_id, role_name)
            kept |= needed
            others[(connector_id, role_name)] = names
    for key, names in others.items():
        assert not (names - kept) & files, key


_METHOD = re.compile(
    r"public static (TableDescriptor|CatalogDescriptor|Table|String) (\w+)\(([^)]*)\) \{(.*?)\n    \}", re.S
)
_OPTION = re.compile(r'(?:table\.option|options\.put)\("([^"]+)", (.*?)\);\n', re.S)
_JAAS_LOGIN = "Credentials.from(properties).scramJaasConfig()"
_TRANSLATE = re.compile(r'translate\(properties, "([^"]+)", Map\.of\((.*?)\)\)', re.S)


def _pairs(text: str) -> dict[str, str]:
    pairs = re.findall(r'"([^"]*)"', text)
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def _parse_option(expression: str) -> str | TableProperty:
    if expression.startswith('"'):
        return str(expression.strip('"'))
    direct = re.fullmatch(r'properties\.get\("([^"]+)"\)', expression)
    if direct:
        return TableProperty(property=direct.group(1))
    arn = re.fullmatch(r'arn(Name|Region)\(properties, "([^"]+)"\)', expression)
    if arn:
        return TableProperty(property=arn.group(2), arn="name" if arn.group(1) == "Name" else "region")
    mapped = _TRANSLATE.fullmatch(expression)
    assert mapped, expression
    return TableProperty(property=mapped.group(1), map=_pairs(mapped.group(2)))


def _parse_partitioning(body: str) -> str | TablePartitioning | None:
    found = re.search(
        r'partitionColumns\(.*?,\s*("[^"]*"|properties\.get\("[^"]+"\)|translate\(.*?\)\))\)', body, re.S
    )
    if found is None:
        return None
    expression = found.group(1)
    if expression.startswith('"'):
        return expression.strip('"')
    option = _parse_option(expression)
    assert isinstance(option, TableProperty)
    return TablePartitioning(property=option.property, map=option.map)


def _parse_columns(body: str) -> list[TableColumn]:
    """The columns a ``<method>Rows`` method adds, read back into the catalog's TableColumn."""
    columns = []
    variables = dict(re.findall(r'String (\w+) = properties\.toMap\(\)\.get\("([^"]+)"\);', body))
    for condition, call in re.findall(
        r"(?:if \((.*?)\) \{\s*)?result = result\.addColumns\(\s*(callSql\(.*?\)\s*\.as\(.*?\))\);",
        body,
        re.S,
    ):
        sql, name = re.fullmatch(r"callSql\((.*)\)\s*\.as\((.*)\)", call, re.S).groups()  # type: ignore[union-attr]
        text = re.sub(r'" \+ sqlString\(properties\.get\("([^"]+)"\)\) \+ "', r"{\1}", sql)
        text = re.sub(r'" \+ sqlString\(properties\.get\("([^"]+)"\)\)$', r'{\1}"', text)
        reads = re.search(r"hasColumns\(result, (.*?)\)", condition or "")
        columns.append(
            TableColumn(
                name=name.strip('"') if name.startswith('"') else None,
                name_property=None if name.startswith('"') else variables[name],
                sql=json.loads(text),
                reads=re.findall(r'"([^"]+)"', reads.group(1)) if reads else [],
            )
        )
    return columns


#: The pass-through call: its prefix, then the keys it leaves out (the used ones, then the withheld).
_PASS_THROUGH = re.compile(r'passedThrough\(properties, "([^"]*)"((?:,\s+"[^"]+")*)\)\.forEach\(')


def _with_withheld(
    section: TableSection, passing: re.Match[str] | None, rows_body: str, name: str
) -> TableSection:
    """The section with the keys its pass-through leaves out beyond the used ones as ``withheld``."""
    if passing is None:
        return section
    keys = re.findall(r'"([^"]+)"', passing.group(2))
    used = section.model_copy(update={"columns": _parse_columns(rows_body)}).used_keys()
    assert keys[: len(used)] == used, name
    return section.model_copy(update={"withheld": keys[len(used) :]})


def _parse_definitions(text: str) -> dict[str, TableSection]:
    """Each TableDefinitions method, read back into the catalog's TableSection."""
    methods = {name: (kind, body) for kind, name, _, body in _METHOD.findall(text)}
    result = {}
    for name, (kind, body) in methods.items():
        if kind == "TableDescriptor":
            connector = re.search(r'TableDescriptor\.forConnector\("([^"]+)"\)', body)
            fmt = re.search(r'table\.format\("([^"]+)"\);', body)
            passing = _PASS_THROUGH.search(body)
            assert connector, name
            written = _OPTION.findall(body)
            jaas = [key for key, value in written if value == _JAAS_LOGIN]
            section = TableSection(
                connector=connector.group(1),
                format=fmt.group(1) if fmt else None,
                options={key: _parse_option(value) for key, value in written if value != _JAAS_LOGIN},
                pass_through=passing.group(1) if passing else None,
                partition_by=_parse_partitioning(body),
                # The login's condition is not in the code; the expected section drops it too.
                jaas=TableJaas(option=jaas[0], when={}) if jaas else None,
            )
            section = _with_withheld(section, passing, methods.get(name + "Rows", ("", ""))[1], name)
        elif kind == "String" and name + "Catalog" in methods:
            catalog_body = methods[name + "Catalog"][1]
            options = {key: _parse_option(value) for key, value in _OPTION.findall(catalog_body)}
            catalog_type = options.pop("type")
            path = re.findall(r'properties\.get\("([^"]+)"\)', methods[name + "Path"][1])
            config = dict(re.findall(r'tableEnv\.getConfig\(\)\.set\("([^"]+)", "([^"]*)"\);', body))
            assert isinstance(catalog_type, str), name
            passing = _PASS_THROUGH.search(catalog_body)
            section = TableSection(
                catalog=TableCatalog(type=catalog_type, database=path[0], table=path[1], config=config),
                options=options,
                pass_through=passing.group(1) if passing else None,
                partition_by=_parse_partitioning(body),
            )
            section = _with_withheld(section, passing, methods.get(name + "Rows", ("", ""))[1], name)
        else:
            continue
        result[name] = section.model_copy(
            update={"columns": _parse_columns(methods.get(name + "Rows", ("", ""))[1])}
        )
    return result


def _method(connector_id: str, role: str) -> str:
    first, *rest = f"{connector_id}_{role}".split("_")
    return first + "".join(word.capitalize() for word in rest)


def _groups(rendered: Rendered) -> dict[str, PropertyGroupSpec]:
    _, _, source, sinks, options = rendered
    groups = property_groups(
        _CATALOG, source, sinks, aws_region="us-east-1", artifact_id="x", options=options, api="table"
    )
    return {g.group_id: g for g in groups}


def test_table_definitions_are_the_catalogs_table_sections(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, options = rendered
    definitions = _parse_definitions(_java(project, "TableDefinitions.java"))
    groups = _groups(rendered)
    expected: dict[str, TableSection] = {}
    for connector_id, role_name in [(source, "source"), *((s, "sink") for s in sinks)]:
        role = catalog.connectors[connector_id].role(role_name)  # type: ignore[arg-type]
        assert role is not None and role.table is not None
        if role.table.connector is not None or role.table.catalog is not None:
            group = groups[role.property_group]
            allowed = {p.key: list(p.allowed) if p.allowed else None for p in group.properties}
            chosen = catalog.options_for(connector_id, options)
            section = role.table.resolved(chosen, allowed)
            jaas = section.jaas
            applied = TableJaas(option=jaas.option, when={}) if jaas and applies(jaas.when, chosen) else None
            expected[_method(connector_id, role_name)] = section.model_copy(
                update={"readme": None, "local_location": None, "jaas": applied, "files": []}
            )
    assert definitions == expected


def test_the_job_defines_every_table_from_its_property_group(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, _ = rendered
    job = _java(project, "StreamingJob.java")
    tables = dict(
        re.findall(
            r'createTemporaryTable\("(\w+)",\s+TableDefinitions\.(\w+\(properties\.group\("\w+"\))', job
        )
    )
    catalogs = {
        table: f'{method}(properties.group("{group}")'
        for method, table, group in re.findall(
            r"insertInto\(TableDefinitions\.(\w+)\(\s*tableEnv,\s+"
            r'"(\w+)_catalog",\s+properties\.group\("(\w+)"\)',
            job,
        )
    }
    expected_tables: dict[str, str] = {}
    expected_catalogs: dict[str, str] = {}
    rows = [(f"{s}_sink", s, "prices") for s in sinks] + [("dead_letter_sink", sinks[0], "deadLetters")]
    inserted = []
    for table, sink, output in rows:
        role = catalog.connectors[sink].sink
        assert role is not None and role.table is not None
        group = "DeadLetterSink" if table == "dead_letter_sink" else role.property_group
        definition = f'{_method(sink, "sink")}(properties.group("{group}")'
        (expected_catalogs if role.table.catalog else expected_tables)[table] = definition
        if role.table.columns:
            variable = _method(table, "rows")
            # The rows method takes the property group only when a column reads a property.
            reads = any(c.name_property or re.search(r"\{[^{}]+\}", c.sql) for c in role.table.columns)
            argument = f'properties.group("{group}"), ' if reads else ""
            assert (
                f"Table {variable} = TableDefinitions.{_method(sink, 'sink')}Rows(\n"
                f"                {argument}output.{output}());"
            ) in job
            inserted.append(variable)
        else:
            inserted.append(f"output.{output}()")
    assert tables == expected_tables
    assert catalogs == expected_catalogs
    inserts = re.findall(r"statements\.add\(([\w.()]+?)\.insertInto\(", job)
    assert inserts == inserted
    assert "tableEnv.getConfig().setLocalTimeZone(ZoneOffset.UTC);" in job

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
