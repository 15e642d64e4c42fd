"""The Iceberg and file sinks render each of their options as the catalog says: the pom's
dependencies and exclusions, the local properties (checked against the Python twin), the Java start-up
spec, the generated factory and the README's IAM table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, iam_resource, load_catalog
from msf_scaffold.properties import property_groups
from tests.helpers import (
    POM_NS,
    Pom,
    answers_file,
    answers_for,
    assert_pom_has_the_catalog_dependencies,
    java_sources,
    local_properties,
    render,
)

CASES = [
    (line, sink, option, value)
    for line in load_catalog().flink.lines
    for sink, option, values in (
        ("iceberg", "catalog", ("GLUE", "S3_TABLES", "HADOOP")),
        ("files", "format", ("JSON", "PARQUET")),
    )
    for value in values
]


@pytest.fixture(scope="module", params=CASES, ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CASES])
def project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, str, dict[str, str]]:
    line, sink, option, value = request.param
    destination = tmp_path_factory.mktemp(f"{sink}-{value}")
    render(destination, answers_for(line, "kafka", (sink, "print"), **{f"{sink}_{option}": value}))
    return destination, line, sink, {option: value}


def _exclusions(pom: Pom) -> dict[str, list[str]]:
    result = {}
    for dep in pom.root.findall("m:dependencies/m:dependency", POM_NS):
        artifact = dep.findtext("m:artifactId", namespaces=POM_NS)
        excluded = [
            f"{e.findtext('m:groupId', namespaces=POM_NS)}:{e.findtext('m:artifactId', namespaces=POM_NS)}"
            for e in dep.findall("m:exclusions/m:exclusion", POM_NS)
        ]
        if excluded:
            assert artifact is not None
            result[artifact] = excluded
    return result


def test_pom_has_the_options_dependencies_and_exclusions(
    project: tuple[Path, str, str, dict[str, str]], catalog: Catalog
) -> None:
    path, line, sink, options = project
    pom = Pom(path / "pom.xml")
    expected = catalog.dependencies_for(["kafka", sink, "print"], {sink: options}, line=line)
    assert_pom_has_the_catalog_dependencies(pom, expected, catalog.pins(), line)
    assert _exclusions(pom) == {d.artifact: d.exclusions for d in expected if d.exclusions}
    artifacts = {d.artifact for d in pom.dependencies}
    if sink == "iceberg":
        # Iceberg's Flink module of the project's own line, and no other.
        runtimes = {a for a in artifacts if a.startswith("iceberg-flink-runtime-")}
        assert runtimes == {f"iceberg-flink-runtime-{line}"}
        # The AWS catalogs get the AWS SDK as modules that the SDK BOM pins, never as a bundle.
        aws = options["catalog"] != "HADOOP"
        assert ({"s3", "sts", "apache-client"} <= artifacts) == aws
        assert ("glue" in artifacts) == (options["catalog"] == "GLUE")
        assert "iceberg-aws-bundle" not in artifacts
        assert pom.managed[("software.amazon.awssdk", "bom")] == (pom.properties["aws-sdk.version"], "import")
        assert ("s3-tables-catalog-for-iceberg" in artifacts) == (options["catalog"] == "S3_TABLES")
        assert pom.properties["iceberg.version"] == catalog.pins()["iceberg"].value_for(line)
    else:
        parquet = options["format"] == "PARQUET"
        assert ("flink-parquet" in artifacts) == parquet
        # The Parquet writers' compression libraries are pinned, not declared.
        assert not {"zstd-jni", "commons-compress"} & artifacts
        assert (("com.github.luben", "zstd-jni") in pom.managed) == parquet
        scopes = {d.artifact: d.scope for d in pom.dependencies}
        assert scopes["flink-connector-files"] == "provided"
    # No logging binding of a dependency reaches the JAR: the shade plugin excludes slf4j and
    # log4j, and reload4j (Hadoop's) is excluded where it comes in.
    if "hadoop-client-runtime" in artifacts:
        assert "ch.qos.reload4j:reload4j" in _exclusions(pom)["hadoop-client-runtime"]


def test_local_properties_and_java_spec_follow_the_option(
    project: tuple[Path, str, str, dict[str, str]], catalog: Catalog
) -> None:
    path, _, sink, options = project
    answers = answers_file(path)
    assert answers[f"{sink}_{next(iter(options))}"] == next(iter(options.values()))
    groups = property_groups(
        catalog,
        "kafka",
        [sink, "print"],
        aws_region=answers["aws_region"],
        artifact_id=answers["artifact_id"],
        options={sink: options},
    )
    assert local_properties(path) == {g.group_id: g.local_map() for g in groups}
    spec = next(
        text for name, text in java_sources(path).items() if name.endswith("/RuntimePropertySpec.java")
    )
    java_keys = re.findall(r'new Key\("([^"]+)", (true|false), ("(?:[^"\\]|\\.)*"|null)', spec)
    assert java_keys == [
        (p.key, str(p.required).lower(), f'"{p.default}"' if p.default is not None else "null")
        for g in groups
        for p in g.properties
    ]
    sink_group = next(g for g in groups if g.connector == sink and g.role == "sink")
    keys = {p.key: p for p in sink_group.properties}
    if sink == "iceberg":
        catalog_type = keys["catalog.type"]
        assert catalog_type.default == options["catalog"]
        assert catalog_type.allowed == tuple(dict.fromkeys([options["catalog"], "HADOOP"]))
        # Local runs use a directory catalog, so they need no AWS account.
        assert local_properties(path)["IcebergSink"]["warehouse"].startswith("file:///tmp/")
        assert ("glue.catalog.id" in keys) == (options["catalog"] == "GLUE")
        assert keys["partition.by"].default == "EVENT_DAY"
        dead_letters = next(g for g in groups if g.group_id == "DeadLetterSink")
        assert {p.key: p.default for p in dead_letters.properties}["partition.by"] == "NONE"
    else:
        assert keys["bucket.pattern"].default == "yyyy-MM-dd--HH"


def test_the_factory_and_its_tests_match_the_option(project: tuple[Path, str, str, dict[str, str]]) -> None:
    path, _, sink, options = project
    sources = {Path(name).name: text for name, text in java_sources(path).items()}
    if sink == "iceberg":
        factory = sources["IcebergSinkFactory.java"]
        assert {"IcebergRecords.java", "IcebergRecordsTest.java", "IcebergSinkFactoryIT.java"} <= set(sources)
        for catalog_type, impl in (
            ("GLUE", "org.apache.iceberg.aws.glue.GlueCatalog"),
            ("S3_TABLES", "software.amazon.s3tables.iceberg.S3TablesCatalog"),
        ):
            assert (impl in factory) == (options["catalog"] == catalog_type)
        assert 'case "HADOOP":' in factory
        job = sources["StreamingJob.java"]
        assert (
            'IcebergSinkFactory.append(output.prices(), properties.group("IcebergSink"), StockPrice.class)'
            in job
        )
    else:
        factory = sources["FileSinkFactory.java"]
        assert "FileSinkFactoryIT.java" in sources
        parquet = options["format"] == "PARQUET"
        assert ("AvroParquetWriters.forReflectRecord(recordType)" in factory) == parquet
        assert ("FileSink.forRowFormat" in factory) == (not parquet)
        assert "OnCheckpointRollingPolicy.build()" in factory


def test_readme_lists_the_options_iam_statements(
    project: tuple[Path, str, str, dict[str, str]], catalog: Catalog
) -> None:
    path, _, sink, options = project
    readme = (path / "README.md").read_text()
    role = catalog.connectors[sink].sink
    assert role is not None
    rows = [
        line for line in readme.splitlines() if line.startswith(f"| {catalog.connectors[sink].label} (sink)")
    ]
    expected = [s for s in role.iam if s.when is None or all(options.get(k) in v for k, v in s.when.items())]
    assert len(rows) == len(expected)
    for row, statement in zip(rows, expected, strict=True):
        assert all(f"`{action}`" in row for action in statement.actions)
        if "{" in statement.resource:
            # A `|` would end the table cell, so the template escapes it (GitHub renders `\|` as `|`).
            escaped = statement.resource.replace("|", "\\|")
            assert f"`{escaped}` with the values of `{role.property_group}`" in row
            assert len(re.split(r"(?<!\\)\|", row)) == 5  # three cells between the outer pipes
        else:
            assert f"`{statement.resource}`" in row
    # The connector's own section, which says when data becomes visible (on checkpoints).
    assert role.readme.strip() in readme
    assert "checkpoint" in role.readme


def test_readme_iam_templates_resolve_for_deployed_values(catalog: Catalog) -> None:
    """The S3 and Glue ARNs the README describes, for values as they would be set on MSF."""
    iceberg = catalog.connectors["iceberg"].sink
    files = catalog.connectors["files"].sink
    assert iceberg is not None and files is not None
    glue_values = {
        "warehouse": "s3://lake-bucket/warehouse",
        "glue.catalog.id": "111122223333",
        "aws.region": "eu-west-1",
        "namespace": "streaming",
        "table": "stock_prices",
    }
    arns = {
        s.sid: iam_resource(s.resource, glue_values) for s in iceberg.iam if s.when == {"catalog": ["GLUE"]}
    }
    assert arns == {
        "GlueCatalog": "arn:aws:glue:eu-west-1:111122223333:catalog",
        "GlueDatabase": "arn:aws:glue:eu-west-1:111122223333:database/streaming",
        "GlueTable": "arn:aws:glue:eu-west-1:111122223333:table/streaming/stock_prices",
        "ListWarehouse": "arn:aws:s3:::lake-bucket",
        "WriteWarehouse": "arn:aws:s3:::lake-bucket/warehouse/*",
    }
    file_arns = {s.sid: iam_resource(s.resource, {"path": "s3://out-bucket/prices"}) for s in files.iam}
    assert file_arns == {
        "ListOutputBucket": "arn:aws:s3:::out-bucket",
        "WriteOutputFiles": "arn:aws:s3:::out-bucket/prices/*",
    }


def _local_output_rows(readme: str) -> list[tuple[str, str, str, str]]:
    """The README's table of local output directories: (sink label, group, key, directory)."""
    lines = readme.splitlines()
    start = lines.index("| Sink | Group | Key | Local directory |") + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        label, group, key, directory = (cell.strip().strip("`") for cell in line.strip("|").split("|"))
        rows.append((label, group, key, directory))
    return rows


def test_readme_lists_the_local_output_directories(
    project: tuple[Path, str, str, dict[str, str]], catalog: Catalog
) -> None:
    """Where a local run writes: every file: value of the sink groups, and when it appears (the
    local checkpoint interval of the generated StreamingJob)."""
    path, _, sink, _ = project
    readme = (path / "README.md").read_text()
    expected = [
        (catalog.connectors[sink].label, group, key, value)
        for group, values in local_properties(path).items()
        for key, value in values.items()
        if value.startswith("file:")
    ]
    role = catalog.connectors[sink].sink
    assert role is not None
    assert {group for _, group, _, _ in expected} == {role.property_group, "DeadLetterSink"}
    assert sorted(_local_output_rows(readme)) == sorted(expected)
    job = next(text for name, text in java_sources(path).items() if name.endswith("/StreamingJob.java"))
    interval = re.search(r"LOCAL_CHECKPOINT_INTERVAL_MS = ([0-9_]+)L;", job)
    assert interval is not None
    seconds = int(interval[1].replace("_", "")) // 1000
    assert f"a local run checkpoints every {seconds} seconds" in " ".join(readme.split())
    # The job reads from Kafka: the local run needs the broker.
    assert "The local run connects to the services named" in readme


@pytest.mark.parametrize("sink", ["iceberg", "files"])
def test_readme_local_run_with_the_generator_needs_no_service(sink: str, tmp_path: Path) -> None:
    """The data generator writing to local directories needs nothing else, and says so."""
    render(
        tmp_path,
        answers_for(
            "2.2", "datagen", (sink,), **({"iceberg_catalog": "HADOOP"} if sink == "iceberg" else {})
        ),
    )
    readme = (tmp_path / "README.md").read_text()
    assert "The local run needs nothing else" in readme
    assert "writes them to the local directories below, then stops" in readme
    assert "connects to the services" not in readme
    assert not (tmp_path / "docker-compose.yml").exists()
    assert _local_output_rows(readme)
