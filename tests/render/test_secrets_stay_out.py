"""Passwords are never runtime properties: no infrastructure parameter, no properties file, no
committed local password. On MSF a group's `secret.arn` names a Secrets Manager secret; local runs
read the password from an environment variable, and the local services' passwords are random, in
the git-ignored `.env` that `make local-up` writes.

The secret keys are the catalog's properties with `env`; every pipeline that has one is rendered
with each infrastructure flavour and the files are parsed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from cfnlint.decode.cfn_yaml import loads as cfn_loads

from msf_scaffold.catalog import Catalog
from msf_scaffold.properties import property_groups
from tests.helpers import POM_NS, answers_for, java_sources, render

#: The pipelines with a secret key: Kafka with SASL/SCRAM both ways, and each CDC source.
PIPELINES: dict[str, tuple[str, str, tuple[str, ...], dict[str, Any]]] = {
    "kafka-scram": ("2.2", "kafka", ("kafka",), {"kafka_auth": "SCRAM"}),
    "mysql-cdc": ("1.20", "mysql_cdc", ("kinesis",), {}),
    "postgres-cdc": ("2.2", "postgres_cdc", ("print",), {}),
}
FLAVOURS = ["cloudformation", "terraform", "cdk"]
PROPERTY_FILES = ["dev", "local-compose", "cluster"]


def _secrets(catalog: Catalog, pipeline: str) -> dict[str, tuple[str, str]]:
    """{group: (key, environment variable)} of the pipeline's secret keys, from the Python twin."""
    _line, source, sinks, options = PIPELINES[pipeline]
    groups = property_groups(
        catalog, source, sinks, aws_region="eu-west-1", artifact_id="app",
        options={"kafka": {"auth": options["kafka_auth"]}} if "kafka_auth" in options else None,
    )  # fmt: skip
    found = {g.group_id: (p.key, p.env) for g in groups for p in g.properties if p.env}
    return {group: (key, env) for group, (key, env) in found.items() if env is not None}


@pytest.fixture(scope="module", params=[(p, f) for p in PIPELINES for f in FLAVOURS], ids="-".join)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    pipeline, flavour = request.param
    line, source, sinks, options = PIPELINES[pipeline]
    answers = answers_for(line, source, sinks, iac=flavour, aws_region="eu-west-1", **options)
    return pipeline, render(tmp_path_factory.mktemp(f"{pipeline}-{flavour}") / "app", answers)


def _parameter_names(project: Path) -> list[str]:
    """The names of the infrastructure code's inputs, whichever flavour the project has."""
    infra = project / "infra"
    if (infra / "cloudformation").is_dir():
        template = cfn_loads((infra / "cloudformation/application.yml").read_text(encoding="utf-8"))
        settings = (infra / "cloudformation/parameters.env").read_text(encoding="utf-8")
        return [*template["Parameters"], *re.findall(r"^#? ?(\w+)=", settings, re.M)]
    if (infra / "terraform").is_dir():
        variables = hcl2.loads((infra / "terraform/variables.tf").read_text(encoding="utf-8"))
        values = (infra / "terraform/terraform.tfvars").read_text(encoding="utf-8")
        return [name for block in variables["variable"] for name in block] + re.findall(
            r"^#? ?(\w+) *=", values, re.M
        )
    stack = next((infra / "cdk/lib").glob("*.ts")).read_text(encoding="utf-8")
    return re.findall(r"parameter: \"(\w+)\"", stack) + re.findall(r"new CfnParameter\(this, '(\w+)'", stack)


def test_every_pipeline_here_has_a_secret(catalog: Catalog) -> None:
    for pipeline in PIPELINES:
        assert _secrets(catalog, pipeline), pipeline


def test_a_secret_is_no_infrastructure_input_but_its_secret_arn_is(
    project: tuple[str, Path], catalog: Catalog
) -> None:
    pipeline, path = project
    names = [name.replace("_", "").lower() for name in _parameter_names(path)]
    for group, (key, _) in _secrets(catalog, pipeline).items():
        stem = re.sub(r"[^a-z0-9]", "", group.lower())
        assert stem + re.sub(r"[^a-z0-9]", "", key) not in names, (group, key)
        assert stem + "secretarn" in names, group


def test_no_properties_file_holds_a_secret(project: tuple[str, Path], catalog: Catalog) -> None:
    pipeline, path = project
    for kind in PROPERTY_FILES:
        file = path / f"src/main/resources/flink-application-properties-{kind}.json"
        document = json.loads(file.read_text(encoding="utf-8"))
        groups = {g["PropertyGroupId"]: g["PropertyMap"] for g in document}
        for group, (key, _) in _secrets(catalog, pipeline).items():
            assert key not in groups.get(group, {}), (kind, group)


def test_the_job_knows_each_secrets_environment_variable(project: tuple[str, Path], catalog: Catalog) -> None:
    pipeline, path = project
    sources = java_sources(path)
    spec = next(text for name, text in sources.items() if name.endswith("/RuntimePropertySpec.java"))
    for group, (key, env) in _secrets(catalog, pipeline).items():
        body = spec.split(f'new Group("{group}"', 1)[1].split("))", 1)[0]
        assert re.search(rf'new Key\("{re.escape(key)}", false, null,.*?, "{env}"\)', body, re.S), group


def test_local_services_take_random_passwords_from_the_git_ignored_env_file(
    project: tuple[str, Path],
) -> None:
    _, path = project
    assert ".env" in (path / ".gitignore").read_text(encoding="utf-8").splitlines()
    compose = yaml.safe_load((path / "docker-compose.yml").read_text(encoding="utf-8"))
    referenced: set[str] = set()
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|PWD", variable):
                match = re.fullmatch(r"\$\{([A-Z_][A-Z0-9_]*):\?[^}]+\}", str(value))
                assert match, f"{name}: {variable} holds a password: {value!r}"
                referenced.add(match.group(1))
        check = " ".join(map(str, (service.get("healthcheck") or {}).get("test", [])))
        assert not re.search(r"-p(?!\"\$\$)\S", check), f"{name}: a password in the healthcheck: {check}"
    makefile = (path / "Makefile").read_text(encoding="utf-8")
    declared = re.search(r"^LOCAL_SECRETS := (.*)$", makefile, re.M)
    if not referenced:
        assert declared is None
        return
    assert declared is not None and set(declared.group(1).split()) == referenced
    assert re.search(r"^\.env:\n\t.*/dev/urandom", makefile, re.M)
    assert re.search(r"^local-up: \.env$", makefile, re.M)
    assert re.search(r"^run-local: \.env\n\tset -a && \. \./\.env && set \+a && ", makefile, re.M)


def test_the_tests_build_the_job_graph_with_a_stand_in_password(
    project: tuple[str, Path], catalog: Catalog
) -> None:
    """The generated tests build the job from the local properties, whose passwords come from the
    environment: the pom gives both test plugins a stand-in for each, never a real one."""
    pipeline, path = project
    pom = ET.parse(path / "pom.xml").getroot()
    wanted = {env for _, env in _secrets(catalog, pipeline).values()}
    for artifact in ("maven-surefire-plugin", "maven-failsafe-plugin"):
        [plugin] = [
            p for p in pom.iterfind(".//m:build/m:plugins/m:plugin", POM_NS)
            if p.findtext("m:artifactId", namespaces=POM_NS) == artifact
        ]  # fmt: skip
        variables = plugin.find("m:configuration/m:environmentVariables", POM_NS)
        assert variables is not None, artifact
        given = {child.tag.split("}")[1]: child.text for child in variables}
        assert set(given) == wanted, artifact
        assert set(given.values()) == {"not-a-password"}, artifact
