"""Every combination the questionnaire allows renders, and the output agrees with the catalog."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from msf_scaffold.catalog import Catalog, applies, load_catalog
from msf_scaffold.properties import property_groups
from tests.helpers import Pom, answers_file, answers_for, java_sources, local_properties, render

COMBINATIONS = list(load_catalog().valid_combinations())


def _id(combination: tuple[str, str, tuple[str, ...]]) -> str:
    line, source, sinks = combination
    return f"{line}-{source}-to-{'+'.join(sinks)}"


_RENDERED: dict[tuple[str, str, tuple[str, ...]], Path] = {}


@pytest.fixture(params=COMBINATIONS, ids=[_id(c) for c in COMBINATIONS])
def rendered(request: pytest.FixtureRequest, copie_session: Any) -> tuple[Path, str, str, tuple[str, ...]]:
    """Each combination is rendered once per test session (pytest-copie) and shared by the tests."""
    line, source, sinks = request.param
    if request.param not in _RENDERED:
        result = copie_session.copy(extra_answers=answers_for(line, source, sinks))
        assert result.exit_code == 0, result.exception
        _RENDERED[request.param] = result.project_dir
    return _RENDERED[request.param], line, source, sinks


def test_pom_dependencies_equal_the_catalog(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, line, source, sinks = rendered
    pom = Pom(project / "pom.xml")
    pins = catalog.pins()

    expected = {
        (d.group, d.artifact, pins[d.version].value_for(line) if d.version else None, d.scope)
        for d in catalog.dependencies_for([source, *sinks])
    }
    actual = {(d.group, d.artifact, d.version, d.scope) for d in pom.dependencies}
    assert actual == expected

    boms = {(g, a): v for (g, a), (v, scope) in pom.managed.items() if scope == "import"}
    assert boms == {(b.group, b.artifact): pins[b.version].value_for(line) for b in catalog.build.boms}


def test_pom_targets_the_lines_java_release(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, line, _, _ = rendered
    pom = Pom(project / "pom.xml")
    release = str(catalog.flink.lines[line].java_release)
    assert pom.properties["maven.compiler.release"] == release
    assert pom.properties["flink.version"] == catalog.build.versions["flink"].value_for(line)
    enforcer = pom.plugin("maven-enforcer-plugin")
    assert pom.texts(enforcer, ".//m:requireJavaVersion/m:version") == [f"[{release},)"]


def test_shaded_jar_keeps_flink_and_logging_out_and_merges_services(
    rendered: tuple[Path, str, str, tuple[str, ...]],
) -> None:
    project, *_ = rendered
    pom = Pom(project / "pom.xml")
    shade = pom.plugin("maven-shade-plugin")
    excludes = pom.texts(shade, ".//m:artifactSet/m:excludes/m:exclude")
    assert {"org.apache.logging.log4j:*", "org.slf4j:*", "log4j:*"} <= set(excludes)
    transformers = [
        t.get("implementation")
        for t in shade.findall(".//m:transformer", {"m": "http://maven.apache.org/POM/4.0.0"})
    ]
    assert "org.apache.maven.plugins.shade.resource.ServicesResourceTransformer" in transformers
    main_class = pom.resolve(pom.texts(shade, ".//m:mainClass")[0])
    package = answers_file(project)["package"]
    assert main_class == f"{package}.StreamingJob"
    # Everything the runtime provides is in provided scope, so shade never sees it.
    for dep in pom.dependencies:
        if dep.group == "org.apache.flink" and dep.artifact in {"flink-streaming-java", "flink-clients"}:
            assert dep.scope == "provided"


def test_maven_runs_with_a_quick_starting_jvm(rendered: tuple[Path, str, str, tuple[str, ...]]) -> None:
    project, *_ = rendered
    assert (project / ".mvn/jvm.config").read_text().split() == [
        "-XX:+TieredCompilation",
        "-XX:TieredStopAtLevel=1",
    ]


def test_ci_workflow_builds_with_the_lines_java(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, line, _, _ = rendered
    workflow = yaml.safe_load((project / ".github/workflows/build.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    java = next(step for step in steps if step.get("uses") == catalog.build.github_actions["setup_java"])
    assert java["with"]["java-version"] == str(catalog.flink.lines[line].java_release)
    assert any(step.get("run") == "./mvnw -B verify" for step in steps)
    assert {step["uses"] for step in steps if "uses" in step} == set(catalog.build.github_actions.values())


def test_backstage_entry_is_generated_only_when_asked(tmp_path: Path) -> None:
    plain = render(tmp_path / "plain", answers_for("2.2", "kafka", ("kafka",)))
    assert not (plain / "catalog-info.yaml").exists()
    project = render(
        tmp_path / "backstage",
        answers_for("2.2", "kafka", ("kafka", "print"), backstage=True, owner="data-platform"),
    )
    entry = yaml.safe_load((project / "catalog-info.yaml").read_text())
    assert entry["kind"] == "Component"
    assert entry["metadata"]["name"] == answers_file(project)["artifact_id"]
    assert entry["spec"]["owner"] == "data-platform"
    assert entry["metadata"]["tags"] == ["flink", "amazon-msf", "java", "kafka", "print"]
    for tag in entry["metadata"]["tags"]:
        assert re.fullmatch(r"[a-z0-9:+#]+(-[a-z0-9:+#]+)*", tag) and len(tag) <= 63
    assert Pom(project / "pom.xml").text("m:organization/m:name") == "data-platform"


def test_enforcer_bans_the_catalogs_legacy_artifacts(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, *_ = rendered
    pom = Pom(project / "pom.xml")
    enforcer = pom.plugin("maven-enforcer-plugin")
    banned = pom.texts(enforcer, ".//m:bannedDependencies/m:excludes/m:exclude")
    assert sorted(banned) == sorted(b.coordinate for b in catalog.build.banned)


def test_only_the_selected_connectors_code_is_generated(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, _, source, sinks = rendered
    files = {Path(path).name for path in java_sources(project)}
    # A file is kept when any selected role lists it (under its `when`, with default options), so
    # roles may share one (config/Credentials.java).
    kept: set[str] = set()
    unselected: set[str] = set()
    for connector_id, connector in catalog.connectors.items():
        options = catalog.options_for(connector_id)
        for role_name, selected in (("source", connector_id == source), ("sink", connector_id in sinks)):
            role = connector.role(role_name)  # type: ignore[arg-type]
            if role is None:
                continue
            for file in role.files:
                name = Path(file if isinstance(file, str) else file.path).name
                applies_here = isinstance(file, str) or applies(file.when, options)
                (kept if selected and applies_here else unselected).add(name)
    assert kept <= files
    assert not (unselected - kept) & files


def test_the_job_wires_each_selected_connector_with_name_and_uid(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, _, source, sinks = rendered
    job = next(text for path, text in java_sources(project).items() if path.endswith("/StreamingJob.java"))
    src = catalog.connectors[source].source
    assert src is not None
    assert f'{src.factory}.create(properties.group("{src.property_group}"))' in job
    assert f'.uid("{source}-source")' in job
    for sink in sinks:
        role = catalog.connectors[sink].sink
        assert role is not None
        assert f'{role.factory}.create(properties.group("{role.property_group}"), StockPrice.class)' in job
        assert f'.name("{sink}-sink")' in job
        assert f'.uid("{sink}-sink")' in job
    first = catalog.connectors[sinks[0]].sink
    assert first is not None
    assert f'{first.factory}.create(properties.group("DeadLetterSink"), DeadLetter.class)' in job
    # Every operator added in the job and the pipeline has a name and a uid.
    pipeline = next(
        text for path, text in java_sources(project).items() if path.endswith("/StockPricePipeline.java")
    )
    for text in (job, pipeline):
        assert text.count(".uid(") == text.count(".name(") + text.count("env\n                .fromSource(")


def test_property_groups_agree_everywhere(
    rendered: tuple[Path, str, str, tuple[str, ...]], catalog: Catalog
) -> None:
    project, _, source, sinks = rendered
    answers = answers_file(project)
    groups = property_groups(
        catalog, source, sinks, aws_region=answers["aws_region"], artifact_id=answers["artifact_id"]
    )
    assert local_properties(project) == {g.group_id: g.local_map() for g in groups}

    spec = next(
        text for path, text in java_sources(project).items() if path.endswith("/RuntimePropertySpec.java")
    )
    java_groups = re.findall(r'new Group\("([^"]+)"', spec)
    java_keys = re.findall(r'new Key\("([^"]+)", (true|false), ("(?:[^"\\]|\\.)*"|null)', spec)
    assert java_groups == [g.group_id for g in groups]
    expected_keys = [
        (p.key, str(p.required).lower(), f'"{p.default}"' if p.default is not None else "null")
        for g in groups
        for p in g.properties
    ]
    assert java_keys == expected_keys


def test_nothing_is_left_unrendered(rendered: tuple[Path, str, str, tuple[str, ...]]) -> None:
    project, *_ = rendered
    for path in project.rglob("*"):
        if path.is_file() and path.name not in {"mvnw", "mvnw.cmd"}:
            text = path.read_text(encoding="utf-8")
            assert "{{" not in text and "{%" not in text, path
            assert not path.name.endswith(".jinja"), path


def test_answers_file_records_answers_but_not_the_catalog(
    rendered: tuple[Path, str, str, tuple[str, ...]],
) -> None:
    project, line, source, sinks = rendered
    answers = answers_file(project)
    assert answers["flink_version"] == line
    assert answers["source"] == source
    assert answers["sinks"] == list(sinks)
    assert "_src_path" in answers and "_commit" in answers
    assert not any(key.startswith("catalog_") for key in answers)
    hidden = {"property_groups", "maven_versions", "maven_dependencies", "flink_line"}
    assert not (hidden | {"connector_options", "iam_statements"}) & set(answers)
