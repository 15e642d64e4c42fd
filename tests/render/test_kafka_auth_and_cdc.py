"""Kafka authentication (`kafka_auth`) and the CDC sources render what the catalog says.

Each `kafka_auth` value changes the Kafka groups' properties, the pom's dependencies, the files and
the IAM permissions; the rendered pom, local JSON, Java property spec and README table are compared
with the catalog and with the Python twin (`msf_scaffold.properties`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, applies, iam_resource
from msf_scaffold.properties import PropertyGroupSpec, property_groups
from tests.helpers import POM_NS, Pom, answers_for, java_sources, local_properties, render

AUTH_VALUES = ["IAM", "SCRAM", "TLS", "PLAINTEXT"]
REGION = "eu-west-1"
ARTIFACT = "orders"


def _render(tmp_path: Path, line: str, source: str, sinks: tuple[str, ...], **extra: Any) -> Path:
    answers = answers_for(line, source, sinks, aws_region=REGION, artifact_id=ARTIFACT, **extra)
    return render(tmp_path / "app", answers)


def _java(project: Path, name: str) -> str | None:
    return next((text for path, text in java_sources(project).items() if path.endswith(f"/{name}")), None)


def _spec_keys(project: Path) -> list[tuple[str, str, str | None]]:
    """(group, key, default) of every key in the generated RuntimePropertySpec, in order."""
    spec = _java(project, "RuntimePropertySpec.java")
    assert spec is not None
    result = []
    for group, body in re.findall(r'new Group\("([^"]+)", List\.of\((.*?)\n\s*\)\)', spec, re.S):
        for key, default in re.findall(r'new Key\("([^"]+)", (?:true|false), ("(?:[^"\\]|\\.)*"|null)', body):
            result.append((group, key, None if default == "null" else default[1:-1].replace('\\"', '"')))
    return result


def _twin_keys(groups: list[PropertyGroupSpec]) -> list[tuple[str, str, str | None]]:
    return [(g.group_id, p.key, p.default) for g in groups for p in g.properties]


def _iam_rows(project: Path) -> list[tuple[list[str], str]]:
    """(actions, resource) of each row of the README's permissions table; none for "(none)"."""
    readme = (project / "README.md").read_text(encoding="utf-8")
    table = readme.split("| Connector | Actions | Resource |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.splitlines():
        # Cells are split on the pipes Markdown does not escape (`\|` in ARN templates).
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip("|"))]
        if cells[0] == "(none)":
            continue
        actions, resource = cells[1], cells[2]
        rows.append((re.findall(r"`([^`]+)`", actions), resource))
    return rows


def _expected_iam(
    catalog: Catalog, source: str, sinks: tuple[str, ...], options: dict[str, dict[str, str]]
) -> list[list[str]]:
    roles = [(source, "source")] + [(sink, "sink") for sink in sinks] + [(sinks[0], "sink")]
    expected = []
    for connector_id, role_name in roles:
        role = catalog.connectors[connector_id].role(role_name)  # type: ignore[arg-type]
        assert role is not None
        chosen = catalog.options_for(connector_id, options)
        expected += [statement.actions for statement in role.iam if applies(statement.when, chosen)]
    return expected


@pytest.fixture(scope="module", params=AUTH_VALUES)
def kafka_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """kafka -> kafka on Flink 2.2, rendered once per `kafka_auth` value."""
    auth = request.param
    return _render(tmp_path_factory.mktemp(auth), "2.2", "kafka", ("kafka",), kafka_auth=auth), auth


def _groups(catalog: Catalog, auth: str) -> list[PropertyGroupSpec]:
    options = {"kafka": {"auth": auth}}
    return property_groups(
        catalog, "kafka", ["kafka"], aws_region=REGION, artifact_id=ARTIFACT, options=options
    )


def test_kafka_auth_properties_agree_with_the_python_twin(
    kafka_project: tuple[Path, str], catalog: Catalog
) -> None:
    project, auth = kafka_project
    groups = _groups(catalog, auth)
    assert local_properties(project) == {g.group_id: g.local_map() for g in groups}
    assert _spec_keys(project) == _twin_keys(groups)


def test_kafka_auth_sets_the_msk_client_settings(kafka_project: tuple[Path, str]) -> None:
    project, auth = kafka_project
    defaults = {(group, key): default for group, key, default in _spec_keys(project)}
    protocol = {"IAM": "SASL_SSL", "SCRAM": "SASL_SSL", "TLS": "SSL", "PLAINTEXT": "PLAINTEXT"}[auth]
    mechanism = {"IAM": "AWS_MSK_IAM", "SCRAM": "SCRAM-SHA-512"}.get(auth)
    iam_settings = {
        "sasl.jaas.config": "software.amazon.msk.auth.iam.IAMLoginModule required;",
        "sasl.client.callback.handler.class": "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
    }
    for group in ("KafkaSource", "KafkaSink", "DeadLetterSink"):
        keys = {key for g, key in defaults if g == group}
        assert defaults[(group, "security.protocol")] == protocol
        assert defaults.get((group, "sasl.mechanism")) == mechanism
        for key, value in iam_settings.items():
            assert defaults.get((group, key)) == (value if auth == "IAM" else None)
        assert ("cluster.arn" in keys) == (auth == "IAM")
        assert ({"secret.arn", "username", "password"} <= keys) == (auth == "SCRAM")
        if auth == "IAM":
            assert local_properties(project)[group]["cluster.arn"].startswith(f"arn:aws:kafka:{REGION}:")


def test_kafka_auth_adds_only_its_dependencies(kafka_project: tuple[Path, str], catalog: Catalog) -> None:
    project, auth = kafka_project
    pom = Pom(project / "pom.xml")
    deps = {d.artifact: d for d in pom.dependencies}
    wanted = catalog.dependencies_for(["kafka"], {"kafka": {"auth": auth}}, line="2.2")
    assert set(deps) == {d.artifact for d in wanted if d.declared}
    for pin in (d for d in wanted if not d.declared):
        assert pom.managed[(pin.group, pin.artifact)][0] == catalog.version_of(pin, "2.2")
    assert ("aws-msk-iam-auth" in deps) == (auth == "IAM")
    assert ("secretsmanager" in deps) == (auth == "SCRAM")
    if auth == "IAM":
        assert deps["aws-msk-iam-auth"].scope == "compile"
        assert deps["aws-msk-iam-auth"].version == catalog.pins()["msk_iam_auth"].value_for("2.2")


def test_kafka_scram_alone_uses_the_credentials_helper(kafka_project: tuple[Path, str]) -> None:
    project, auth = kafka_project
    assert (_java(project, "Credentials.java") is not None) == (auth == "SCRAM")
    for name in ("KafkaSourceFactory.java", "KafkaSinkFactory.java"):
        factory = _java(project, name)
        assert factory is not None
        # A SASL/SCRAM login only over a SASL protocol (the local broker listens in PLAINTEXT).
        assert ("Credentials.kafkaScramLogin(properties).ifPresent(" in factory) == (auth == "SCRAM")
        assert '"cluster.arn", "secret.arn", "username", "password"' in factory
    assert (_java(project, "CredentialsTest.java") is not None) == (auth == "SCRAM")


def test_kafka_auth_grants_the_matching_iam_permissions(
    kafka_project: tuple[Path, str], catalog: Catalog
) -> None:
    project, auth = kafka_project
    rows = _iam_rows(project)
    assert [actions for actions, _ in rows] == _expected_iam(
        catalog, "kafka", ("kafka",), {"kafka": {"auth": auth}}
    )
    every_action = {action for actions, _ in rows for action in actions}
    resources = {resource for _, resource in rows}
    if auth == "IAM":
        assert {
            "kafka-cluster:Connect",
            "kafka-cluster:ReadData",
            "kafka-cluster:AlterGroup",
            "kafka-cluster:WriteData",
            "kafka-cluster:WriteDataIdempotently",
        } <= every_action
        assert "`{cluster.arn|retype:cluster:topic}/{topic}` with the values of `KafkaSource`" in resources
        assert "`{cluster.arn|retype:cluster:group}/{group.id}` with the values of `KafkaSource`" in resources
        assert (
            "`{cluster.arn|retype:cluster:transactional-id}/{transactional.id.prefix}*`"
            " with the values of `KafkaSink`"
        ) in resources
    elif auth == "SCRAM":
        assert every_action == {"secretsmanager:GetSecretValue"}
        assert resources == {
            "value of `KafkaSource` / `secret.arn`",
            "value of `KafkaSink` / `secret.arn`",
            "value of `DeadLetterSink` / `secret.arn`",
        }
    else:
        assert rows == []
        assert "| (none) |" in (project / "README.md").read_text(encoding="utf-8")


def _text(element: ET.Element, name: str) -> str:
    return element.findtext(f"m:{name}", default="", namespaces=POM_NS)


def _exclusions(pom: Pom, artifact: str) -> list[str]:
    for dep in pom.root.findall("m:dependencies/m:dependency", POM_NS):
        if dep.findtext("m:artifactId", namespaces=POM_NS) == artifact:
            return [
                f"{_text(exclusion, 'groupId')}:{_text(exclusion, 'artifactId')}"
                for exclusion in dep.findall("m:exclusions/m:exclusion", POM_NS)
            ]
    raise AssertionError(f"{artifact} is not a dependency")


CDC_CASES = [
    ("mysql_cdc", ("kafka",), "flink-sql-connector-mysql-cdc", "MySqlCdcSource"),
    ("postgres_cdc", ("kafka", "print"), "flink-sql-connector-postgres-cdc", "PostgresCdcSource"),
]


@pytest.mark.parametrize("case", CDC_CASES, ids=[case[0] for case in CDC_CASES])
def test_cdc_source_renders_its_fat_connector_credentials_and_iam(
    tmp_path: Path, catalog: Catalog, case: tuple[str, tuple[str, ...], str, str]
) -> None:
    source, sinks, artifact, group = case
    project = _render(tmp_path, "1.20", source, sinks)
    pom = Pom(project / "pom.xml")
    deps = {d.artifact: d for d in pom.dependencies}
    pin = next(name for name, p in catalog.connectors[source].versions.items() if p.tracks.endswith(artifact))
    assert deps[artifact].version == catalog.pins()[pin].value_for("1.20")
    assert deps[artifact].scope == "compile"
    assert deps["secretsmanager"].scope == "compile"
    # The fat jar's pom drags in CDC pipeline modules; they are excluded and the runtime's
    # flink-shaded-guava copy inside the jar is left out of the application JAR.
    assert _exclusions(pom, artifact) == [
        "org.apache.flink:flink-cdc-runtime",
        "org.apache.flink:flink-cdc-common",
        "org.apache.flink:flink-shaded-guava",
    ]
    shade = pom.plugin("maven-shade-plugin")
    filters = {
        f.findtext("m:artifact", namespaces=POM_NS): [
            e.text for e in f.findall("m:excludes/m:exclude", POM_NS)
        ]
        for f in shade.findall(".//m:filters/m:filter", POM_NS)
    }
    assert filters[f"org.apache.flink:{artifact}"] == ["org/apache/flink/shaded/**"]
    if source == "mysql_cdc":
        assert _exclusions(pom, "mysql-connector-j") == ["com.google.protobuf:protobuf-java"]

    groups = property_groups(catalog, source, sinks, aws_region=REGION, artifact_id=ARTIFACT)
    assert local_properties(project) == {g.group_id: g.local_map() for g in groups}
    assert _spec_keys(project) == _twin_keys(groups)
    local = local_properties(project)[group]
    assert local["hostname"] == "localhost" and "secret.arn" not in local
    assert {"username", "database-name", "table-name"} <= set(local)
    assert "password" not in local, "a password is never a runtime property"

    files = java_sources(project)
    names = {Path(path).name for path in files}
    assert {"ChangeEventDeserializer.java", "Credentials.java", "CredentialsTest.java"} <= names
    factory = _java(project, f"{catalog.connectors[source].source.factory}.java")  # type: ignore[union-attr]
    assert factory is not None and "Credentials.from(properties)" in factory
    assert "new ChangeEventDeserializer()" in factory

    rows = _iam_rows(project)
    assert rows[0] == (["secretsmanager:GetSecretValue"], f"value of `{group}` / `secret.arn`")


def test_msk_topic_group_and_transactional_id_arns_derive_from_the_cluster_arn(catalog: Catalog) -> None:
    """The ARNs the IAM statements grant, for a cluster ARN: Amazon MSK's documented forms."""
    cluster = "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1"
    values = {
        "cluster.arn": cluster,
        "topic": "prices",
        "group.id": "orders",
        "transactional.id.prefix": "orders",
    }
    resources = {
        statement.sid: iam_resource(statement.resource, values)
        for role in (catalog.connectors["kafka"].source, catalog.connectors["kafka"].sink)
        if role is not None
        for statement in role.iam
        if statement.resource != "secret.arn"
    }
    uuid = "orders/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1"
    assert resources == {
        "ConnectToCluster": cluster,
        "ReadTopic": f"arn:aws:kafka:eu-west-1:111122223333:topic/{uuid}/prices",
        "UseConsumerGroup": f"arn:aws:kafka:eu-west-1:111122223333:group/{uuid}/orders",
        "WriteTopic": f"arn:aws:kafka:eu-west-1:111122223333:topic/{uuid}/prices",
        "UseTransactionalIds": f"arn:aws:kafka:eu-west-1:111122223333:transactional-id/{uuid}/orders*",
    }
    with pytest.raises(ValueError, match="is not an ARN of resource type cluster"):
        iam_resource("{cluster.arn|retype:cluster:topic}/{topic}", {**values, "cluster.arn": "orders"})


@pytest.mark.parametrize("auth", ["IAM", "SCRAM"])
def test_kafka_tables_keep_arns_and_credentials_out_of_the_connector_options(
    tmp_path: Path, auth: str
) -> None:
    """Table API: the Kafka tables pass the client settings on as `properties.*`, never the ARNs or
    the SCRAM user and password; with SCRAM the JAAS login comes from config/Credentials."""
    project = _render(tmp_path, "2.2", "kafka", ("kafka",), kafka_auth=auth, api="table")
    generated = _java(project, "TableDefinitions.java")
    assert generated is not None
    definitions = re.sub(r"\s+", " ", generated)  # calls wrap at 120 columns
    withheld = '"cluster.arn", "secret.arn", "username", "password"'
    assert definitions.count(f"{withheld}).forEach(table::option);") == 2
    jaas = (
        "Credentials.kafkaScramLogin(properties)"
        '.ifPresent(login -> table.option("properties.sasl.jaas.config", login));'
    )
    assert definitions.count(jaas) == (2 if auth == "SCRAM" else 0)
    assert ("import" in definitions and ".config.Credentials;" in definitions) == (auth == "SCRAM")
    assert (_java(project, "Credentials.java") is not None) == (auth == "SCRAM")
    assert _java(project, "KafkaSourceFactory.java") is None
    it = _java(project, "StreamingJobIT.java")
    assert it is not None
    # The IT builds the tables from the local properties, whose broker needs no login;
    # CredentialsTest covers the login over SASL.
    assert "scramJaasConfig()" not in it and "Credentials" not in it
