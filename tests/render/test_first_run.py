"""A first run that cannot hang or mislead.

- A local run checks, before it builds the job, that every endpoint its runtime properties name
  accepts a connection (``config/LocalEndpoints.java``): the generated check lists exactly the
  endpoint keys the catalog gives the project's groups (``endpoints`` of each role), the job calls
  it in local runs only, and the local properties point those keys at the Compose services.
- Every ``make <target>`` and ``./mvnw`` command a project mentions (README, Java comments,
  log4j2.properties, ``make help``, the CLI's next steps and copier's message) names a target of its
  Makefile (checked with real ``make -n``) and only Maven profiles of its pom; the next steps come
  in the order that works: local services, build, test, run, deploy.

The projects: a covering handful of the render tier's shared projects, chosen so that together
they use every catalog role with endpoints, plus a few rendered here for what that set does not
vary (the Table API, the IaC flavours, projects without endpoints or without local services).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import copier
import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.next_steps import next_steps, render_steps
from msf_scaffold.properties import PropertyGroupSpec
from tests.covering import Scenario
from tests.helpers import POM_NS, ROOT, Pom, answers_file, answers_for
from tests.render.conftest import SCENARIOS, Rendered, project_property_groups
from tests.render.test_generated_java_style import style_problems

LOCAL_COMPOSE = "src/main/resources/flink-application-properties-local-compose.json"
_CATALOG = load_catalog()


def _endpoint_roles(catalog: Catalog) -> set[tuple[str, str]]:
    return {
        (connector_id, name)
        for connector_id, connector in catalog.connectors.items()
        for name, role in (("source", connector.source), ("sink", connector.sink))
        if role is not None and role.endpoints
    }


def _roles(scenario: Scenario) -> set[tuple[str, str]]:
    return {(scenario.source, "source"), *((sink, "sink") for sink in scenario.sinks)}


def _covering_handful(scenarios: list[Scenario], catalog: Catalog) -> list[Scenario]:
    """Few shared projects that together use every role with endpoints (greedy set cover)."""
    needed, chosen = _endpoint_roles(catalog), []
    while needed:
        best = max(scenarios, key=lambda s: (len(_roles(s) & needed), s.value("iceberg.catalog") == "GLUE"))
        assert _roles(best) & needed, f"no shared project uses {sorted(needed)}"
        chosen.append(best)
        needed -= _roles(best)
    return chosen


HANDFUL = _covering_handful(SCENARIOS, _CATALOG)

#: (id, Flink line, source, sinks, other answers): what the shared projects do not vary.
EXTRA: list[tuple[str, str, str, tuple[str, ...], dict[str, Any]]] = [
    (
        "table-postgres-iceberg-firehose-dynamodb-cdk",
        "2.2",
        "postgres_cdc",
        ("iceberg", "firehose", "dynamodb"),
        {"api": "table", "iceberg_catalog": "GLUE", "iac": "cdk", "experience": "experienced"},
    ),
    ("table-kafka-kinesis-terraform", "2.3", "kafka", ("kinesis",), {"api": "table", "iac": "terraform"}),
    # Endpoint overrides only (no local service): the check runs, without `make local-up`.
    ("datagen-firehose-none", "2.2", "datagen", ("firehose",), {"iac": "none", "experience": "new_to_flink"}),
    # No endpoint at all: no check, no Compose file.
    ("datagen-print", "1.20", "datagen", ("print",), {}),
]
_EXTRA_RENDERED: dict[str, tuple[Path, str]] = {}


@pytest.fixture(params=EXTRA, ids=[p[0] for p in EXTRA])
def extra(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Rendered, str]:
    """A project rendered by copier with its message shown, and that message (once per session)."""
    name, line, source, sinks, answers = request.param
    if name not in _EXTRA_RENDERED:
        destination = tmp_path_factory.mktemp(name) / "orders-app"
        printed = io.StringIO()
        with contextlib.redirect_stderr(printed):
            copier.run_copy(
                str(ROOT),
                destination,
                data=answers_for(line, source, sinks, **answers),
                defaults=True,
                vcs_ref="HEAD",
                unsafe=False,
            )
        _EXTRA_RENDERED[name] = (destination, printed.getvalue())
    project, message = _EXTRA_RENDERED[name]
    options: dict[str, dict[str, str]] = {}
    for key, value in answers.items():
        for connector in _CATALOG.connectors:
            if key.startswith(f"{connector}_"):
                options.setdefault(connector, {})[key.removeprefix(f"{connector}_")] = value
    return (project, line, source, sinks, options), message


# A: the local endpoint check ---------------------------------------------------------------------


def _java(project: Path, name: str, tree: str = "main") -> Path | None:
    found = sorted((project / "src" / tree / "java").rglob(name))
    return found[0] if found else None


def _generated_endpoints(project: Path) -> list[tuple[str, str, str, str | None]]:
    path = _java(project, "LocalEndpoints.java")
    if path is None:
        return []
    listed = (
        path.read_text(encoding="utf-8").split("List<Endpoint> ENDPOINTS = List.of(", 1)[1].split(";", 1)[0]
    )
    return [
        (group, key, form.upper(), port or None)
        for form, group, key, port in re.findall(
            r'Endpoint\.(servers|url|host)\("([^"]+)", "([^"]+)"(?:, "([^"]+)")?\)', listed
        )
    ]


def _expected_endpoints(groups: list[PropertyGroupSpec]) -> list[tuple[str, str, str, str | None]]:
    return [(g.group_id, e.key, e.form.upper(), e.port) for g in groups for e in g.endpoints]


def _assert_endpoint_check(
    project: Path, groups: list[PropertyGroupSpec], catalog: Catalog, options: dict[str, dict[str, str]]
) -> None:
    expected = _expected_endpoints(groups)
    # Every group's endpoints are its role's in the catalog (a listed property only when it applies).
    for group in groups:
        connector = catalog.connectors[group.connector]
        role = connector.source if group.role == "source" else connector.sink
        assert role is not None
        applied = {p.key for p in group.properties}
        assert [e.key for e in group.endpoints] == [
            e.key for e in role.endpoints if e.key in applied or e.key not in {p.key for p in role.properties}
        ]
    assert _generated_endpoints(project) == expected
    job = _java(project, "StreamingJob.java")
    assert job is not None
    text = job.read_text(encoding="utf-8")
    test = _java(project, "LocalEndpointsTest.java", "test")
    if not expected:
        assert _java(project, "LocalEndpoints.java") is None
        assert test is None
        assert "LocalEndpoints" not in text
        return
    assert test is not None and "new ServerSocket(0" in test.read_text(encoding="utf-8")
    # Reads like the rest of the generated Java (test_generated_java_style.py's rules).
    for path in (job, test, _java(project, "LocalEndpoints.java")):
        assert path is not None
        assert style_problems(path.name, path.read_text(encoding="utf-8")) == []
    # Called once, in local runs only, after the properties are validated and before the graph is built.
    call = re.search(
        r"\.validate\(\);\n(?:\s*//.*\n)*\s*if \((?:local|ApplicationProperties\.isLocal\(env\))\) \{\n"
        r"\s*LocalEndpoints\.check\(properties\);\n\s*\}\n",
        text,
    )
    assert call is not None, "LocalEndpoints.check is not called in local runs right after validate()"
    assert text.count("LocalEndpoints.check") == 1
    assert call.end() < text.index("defineWorkflow(", call.start())

    main = _java(project, "LocalEndpoints.java")
    assert main is not None
    services = (project / "docker-compose.yml").is_file()
    assert ("`make local-up`" in main.read_text(encoding="utf-8")) == services
    if not services:
        return
    # The local-compose properties point every endpoint key they set at a service on this machine,
    # and every key a group's service sets to reach it is checked.
    local = {
        g["PropertyGroupId"]: g["PropertyMap"]
        for g in json.loads((project / LOCAL_COMPOSE).read_text(encoding="utf-8"))
    }
    for group in groups:
        checked = {e.key for e in group.endpoints}
        for service_id in _services(group, catalog, options):
            assert set(catalog.services.services[service_id].cluster_properties) <= checked
        for endpoint in group.endpoints:
            value = local.get(group.group_id, {}).get(endpoint.key)
            if value is None:
                continue
            first = value.split(",")[0].strip()
            host = urlsplit(first if endpoint.form == "url" else f"tcp://{first}").hostname
            assert host == "localhost", (group.group_id, endpoint.key, value)


def _services(group: PropertyGroupSpec, catalog: Catalog, options: dict[str, dict[str, str]]) -> list[str]:
    connector = catalog.connectors[group.connector]
    role = connector.source if group.role == "source" else connector.sink
    assert role is not None
    return role.services_for(catalog.options_for(group.connector, options))


def test_the_handful_uses_every_role_with_endpoints(catalog: Catalog) -> None:
    used = set().union(*(_roles(s) for s in HANDFUL))
    assert _endpoint_roles(catalog) <= used
    # Every form of the catalog is generated by at least one project here.
    forms = {
        e.form for c in catalog.connectors.values() for r in (c.source, c.sink) if r for e in r.endpoints
    }
    assert forms == {"servers", "url", "host"}


@pytest.mark.parametrize("rendered", HANDFUL, ids=[s.label for s in HANDFUL], indirect=True)
def test_local_runs_check_the_endpoints_the_catalog_names(rendered: Rendered, catalog: Catalog) -> None:
    _assert_endpoint_check(rendered[0], project_property_groups(rendered, catalog), catalog, rendered[4])


def test_local_runs_check_the_endpoints_of_every_api_and_flavour(
    extra: tuple[Rendered, str], catalog: Catalog
) -> None:
    rendered, _ = extra
    _assert_endpoint_check(rendered[0], project_property_groups(rendered, catalog), catalog, rendered[4])


# B: every command a project mentions exists, and the next steps come in the order that works --------


#: A command, not the verb: at a line's start (in a code block, a comment or make's output), in
#: backticks or {@code}, or after "(" or ", " (a list of ways to run the job).
_MAKE = re.compile(r"(?:^[\s#*/]*|`|\{@code |\(|, )make(?: (\.?[a-z][\w.-]*))?(?=[\s`}),]|$)", re.MULTILINE)
_MVNW = re.compile(r"\./mvnw((?: +-[\w.=-]+| +[a-z][\w-]*(?::[\w-]+)?)*)")


def _commands(text: str) -> tuple[set[str], list[str]]:
    """The make targets (``""`` for a bare ``make``) and the ./mvnw argument lists in ``text``."""
    targets = {match or "" for match in _MAKE.findall(text)}
    return targets, [args for args in _MVNW.findall(text)]


def _mentions(project: Path, cli: list[str], message: str | None) -> dict[str, str]:
    """Each place that tells the user a command, and its text."""
    texts = {
        "README.md": (project / "README.md").read_text(encoding="utf-8"),
        "log4j2.properties": (project / "src/main/resources/log4j2.properties").read_text(encoding="utf-8"),
        # `make help` lists one target a line: each is a command `make <target>`.
        "make help": re.sub(r"^\s*(\S+)", r"make \1", _make(project, "-s", "help"), flags=re.M),
        "CLI next steps": "\n".join(cli),
    }
    for path in sorted((project / "src").rglob("*.java")):
        comments = re.findall(
            r"/\*.*?\*/|//[^\n]*|\"(?:[^\"\\]|\\.)*\"", path.read_text(encoding="utf-8"), re.S
        )
        texts[path.name] = "\n".join(comments)
    if message is not None:
        texts["copier message"] = message.split("Next steps:", 1)[1]
    return texts


def _make(project: Path, *args: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    completed = subprocess.run(
        ["make", *args], cwd=project, env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, (args, completed.stderr)
    return completed.stdout


def _assert_commands_exist(project: Path, message: str | None) -> None:
    cli = render_steps(project)
    pom = Pom(project / "pom.xml")
    profiles = {(e.text or "").strip() for e in pom.root.findall("m:profiles/m:profile/m:id", POM_NS)}
    seen: set[str] = set()
    for where, text in _mentions(project, cli, message).items():
        targets, maven = _commands(text)
        for target in sorted(targets - seen):
            _make(project, "-n", *([target] if target else []))
            seen.add(target)
        for args in maven:
            named = re.findall(r"(?:^| )-P ?([\w.,!-]+)", args)
            for profile in (p.lstrip("!") for names in named for p in names.split(",")):
                assert profile in profiles, f"{where}: ./mvnw{args} names profile {profile!r}, not in pom.xml"
    # Every step the CLI prints is a command found above, so none was missed by the patterns.
    assert {s.command.removeprefix("make").strip() for s in next_steps(project)} <= seen


def _assert_order(project: Path, iac: str, message: str | None) -> None:
    steps = [s.command for s in next_steps(project)]
    local = (project / "docker-compose.yml").is_file()
    expected = [
        *(["make local-up"] if local else []),
        "make build",
        "make test",
        "make run-local" if local else "make run",
        *(["make deploy"] if iac != "none" else []),
        "make",
    ]
    assert steps == expected
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    for step in next_steps(project):
        if step.command != "make":
            assert f"## {step.command.removeprefix('make ')}: {step.purpose}\n" in makefile
    for text in (
        "\n".join(render_steps(project)),
        (project / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1].split("```", 2)[1],
        *([message.split("Next steps:", 1)[1]] if message is not None else []),
    ):
        shown = [m.group(1) or "" for m in re.finditer(r"^\s*make(?: ([a-z][\w-]*))?\s+#", text, re.M)]
        assert shown == [c.removeprefix("make").strip() for c in expected], text


@pytest.mark.parametrize("rendered", HANDFUL, ids=[s.label for s in HANDFUL], indirect=True)
def test_every_command_a_shared_project_mentions_exists(rendered: Rendered) -> None:
    project = rendered[0]
    _assert_commands_exist(project, None)
    _assert_order(project, answers_file(project)["iac"], None)


def test_every_command_a_project_mentions_exists_and_the_steps_come_in_order(
    extra: tuple[Rendered, str],
) -> None:
    rendered, message = extra
    project = rendered[0]
    _assert_commands_exist(project, message)
    _assert_order(project, answers_file(project)["iac"], message)
