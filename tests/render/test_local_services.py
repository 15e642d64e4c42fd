"""docker-compose.yml, the Makefile and the local-compose properties of every combination."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from msf_scaffold.catalog import Catalog
from tests.helpers import answers_file, compose_errors, local_properties
from tests.render.conftest import Rendered, project_property_groups

LOCAL_COMPOSE = "src/main/resources/flink-application-properties-local-compose.json"
CLUSTER = "src/main/resources/flink-application-properties-cluster.json"


def _compose(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_file_follows_the_compose_specification(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, options = rendered
    needed = catalog.local_services(source, sinks, options)
    if not needed:
        for name in ("docker-compose.yml", LOCAL_COMPOSE):
            assert not (project / name).exists(), name
        # The Makefile (build, test, run: test_makefile.py) has no target for local services.
        assert "COMPOSE" not in (project / "Makefile").read_text(encoding="utf-8")
        return
    document = _compose(project)
    assert compose_errors(document) == []
    assert "version" not in document  # obsolete in the Compose Specification
    services = document["services"]
    assert isinstance(services, dict)
    assert list(services) == [
        *(name for service in needed for name in (service, f"{service}-init")),
        "jobmanager",
        "taskmanager",
    ]
    for service_id in needed:
        service, init = services[service_id], services[f"{service_id}-init"]
        assert "healthcheck" in service
        assert init["depends_on"] == {service_id: {"condition": "service_healthy"}}
        for image in (service["image"], init["image"]):
            assert re.fullmatch(r"[\w./-]+:\d[\w.-]*", image), image
        assert "profiles" not in service


def test_the_flink_profile_runs_the_projects_flink_version_with_the_cluster_properties(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, line, source, sinks, options = rendered
    needed = catalog.local_services(source, sinks, options)
    if not needed:
        assert not (project / CLUSTER).exists()
        return
    services = _compose(project)["services"]
    assert isinstance(services, dict)
    flink = catalog.build.versions["flink"].value_for(line)
    java = catalog.flink.lines[line].java_release
    environment = {
        k: v for service_id in needed for k, v in catalog.services.services[service_id].environment.items()
    }
    for role in ("jobmanager", "taskmanager"):
        service = services[role]
        assert service["image"] == f"flink:{flink}-java{java}"
        assert service["profiles"] == ["flink"]
        assert service["command"] == role
        settings = dict(
            line.split(": ", 1) for line in service["environment"]["FLINK_PROPERTIES"].splitlines()
        )
        assert settings == catalog.services.flink_cluster.properties
        assert service["environment"] == {
            "FLINK_PROPERTIES": service["environment"]["FLINK_PROPERTIES"],
            "FLINK_APPLICATION_PROPERTIES": "/opt/flink/usrlib/application-properties.json",
            **environment,
        }
        assert f"./{CLUSTER}:/opt/flink/usrlib/application-properties.json:ro" in service["volumes"]
    assert services["taskmanager"]["depends_on"] == {"jobmanager": {"condition": "service_healthy"}}

    # The cluster file is the local-compose file with the services addressed by their names.
    local = {
        e["PropertyGroupId"]: e["PropertyMap"] for e in json.loads((project / LOCAL_COMPOSE).read_text())
    }
    cluster = {e["PropertyGroupId"]: e["PropertyMap"] for e in json.loads((project / CLUSTER).read_text())}
    assert list(cluster) == list(local)
    changed = {
        (group, key)
        for group, values in cluster.items()
        for key in values
        if values[key] != local[group][key]
    }
    expected = set()
    for group, values in local.items():
        for service_id in needed:
            for key in catalog.services.services[service_id].cluster_properties:
                if key in values and service_id in _services(catalog, rendered, group):
                    expected.add((group, key))
    assert changed == expected and changed
    assert all("localhost" not in value for group, key in changed for value in [cluster[group][key]])


def _services(catalog: Catalog, rendered: Rendered, group: str) -> list[str]:
    """The local services the property group's role runs against, under the project's options."""
    _, _, source, sinks, options = rendered
    roles = {"DeadLetterSink": (sinks[0], catalog.connectors[sinks[0]].sink)}
    for connector_id, role in [
        (source, catalog.connectors[source].source),
        *((s, catalog.connectors[s].sink) for s in sinks),
    ]:
        assert role is not None
        roles[role.property_group] = (connector_id, role)
    connector_id, role = roles[group]
    assert role is not None
    return role.services_for(catalog.options_for(connector_id, options))


def test_init_steps_create_every_resource_the_job_uses_and_seed_its_input(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, _, source, sinks, options = rendered
    needed = catalog.local_services(source, sinks, options)
    if not needed:
        return
    groups = project_property_groups(rendered, catalog)
    services = _compose(project)["services"]
    assert isinstance(services, dict)
    for service_id in needed:
        spec = catalog.services.services[service_id]
        script = services[f"{service_id}-init"]["command"][0]
        lines = script.strip().splitlines()
        expected = []
        seed = None
        for group in groups:
            if service_id in _services(catalog, rendered, group.group_id):
                name = spec.resource_name(group.local_map())
                assert name is not None
                expected.append(name) if name not in expected else None
                seed = name if group.role == "source" else seed
        creates = [spec.init.create.replace("{name}", name) for name in expected]
        assert lines[: len(creates)] == creates
        if seed is None:
            assert len(lines) == len(creates)
            continue
        printed, command = lines[-1].split(" | ", 1)
        words = shlex.split(printed)
        assert words[:2] == ["printf", "%s\\n"]
        assert words[2:] == catalog.services.sample_records
        assert spec.init.seed is not None
        assert command == spec.init.seed.replace("{name}", seed)


def test_local_compose_properties_point_the_connectors_at_the_services(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, _, source, sinks, options = rendered
    if not catalog.local_services(source, sinks, options):
        return
    document = json.loads((project / LOCAL_COMPOSE).read_text(encoding="utf-8"))
    compose = {entry["PropertyGroupId"]: entry["PropertyMap"] for entry in document}
    dev = local_properties(project)
    assert list(compose) == list(dev)
    for group_id, values in compose.items():
        extra: dict[str, str] = {}
        for service_id in _services(catalog, rendered, group_id):
            extra.update(catalog.services.services[service_id].properties)
        assert values == {**dev[group_id], **extra}


def test_makefile_starts_seeds_runs_and_stops_the_services(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, options = rendered
    needed = catalog.local_services(source, sinks, options)
    if not needed:
        return
    text = (project / "Makefile").read_text(encoding="utf-8")
    targets: dict[str, list[str]] = {}
    prerequisites: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if match := re.match(r"^([a-z.-]+):(?: (.*))?$", line):
            current = match.group(1)
            targets[current] = []
            prerequisites[current] = match.group(2) or ""
        elif line.startswith("\t"):
            targets[current].append(line[1:])
    # The services' passwords: random, in the git-ignored .env that Compose reads; never in the Makefile.
    secrets = [name for service in needed for name in catalog.services.services[service].secrets]
    env_file = ".env" if secrets else ""
    with_env = ("local-up", "local-seed", "run-local", "run-cluster")
    assert {name: prerequisites[name] for name in with_env} == dict.fromkeys(with_env, env_file)
    assert (".env" in targets) == bool(secrets)
    assert targets["local-up"] == [
        f"$(COMPOSE) up --detach --wait {' '.join(needed)}",
        *(f"$(COMPOSE) run --rm {service}-init" for service in needed),
    ]
    # The init steps only create what is missing, so local-seed can run them again.
    assert targets["local-seed"] == [f"$(COMPOSE) run --rm {service}-init" for service in needed]
    environment = {
        name: value
        for service in needed
        for name, value in catalog.services.services[service].environment.items()
        if name not in secrets
    }
    command = targets["run-local"][0]
    if secrets:
        loads = "set -a && . ./.env && set +a && "
        assert command.startswith(loads)
        command = command.removeprefix(loads)
    run = shlex.split(command)
    assert run[-4:] == ["./mvnw", "-B", "-q", "compile", "exec:exec"][-4:]
    assert dict(word.split("=", 1) for word in run if "=" in word) == {
        "FLINK_APPLICATION_PROPERTIES": "$(LOCAL_PROPERTIES)",
        **environment,
    }
    assert f"LOCAL_PROPERTIES := {LOCAL_COMPOSE}" in text
    assert targets["local-down"] == ["$(COMPOSE) --profile flink down --volumes --remove-orphans"]
    artifact = answers_file(project)["artifact_id"]
    assert targets["run-cluster"] == [
        "./mvnw -B -q package -DskipTests",
        "$(COMPOSE) --profile flink up --detach --wait jobmanager taskmanager",
        f"$(COMPOSE) exec jobmanager sh -c 'flink run --detached /opt/flink/usrlib/target/{artifact}-*.jar'",
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d["services"]["kafka"].update(image=42), "image"),
        (lambda d: d["services"]["kafka"].update(healthcheck={"test": 5}), "healthcheck"),
        (lambda d: d["services"]["kafka"].update(imagez="apache/kafka:4.1.1"), "imagez"),
    ],
)
def test_the_schema_check_rejects_a_broken_compose_file(change: object, error: str) -> None:
    document: dict[str, object] = {"services": {"kafka": {"image": "apache/kafka:4.1.1"}}}
    assert compose_errors(document) == []
    change(document)  # type: ignore[operator]
    assert any(error in message for message in compose_errors(document))
