"""A covering set of the combinations the questionnaire allows renders, and agrees with the catalog.

Rendering every (line, source, sink subset) grows as 2^sinks; the tier renders instead a covering
set of strength 3 (tests/covering.py) over the factors that change code and build: source, each
sink, the API and every connector option with fixed choices.
Every three values that valid answers can hold together are rendered together at least once. The
experience level and the Backstage entry keep their defaults here; test_experience_levels.py and
the Backstage test below render them. Which combinations the questionnaire allows is checked for
every combination, without rendering, in tests/unit/test_questionnaire.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from msf_scaffold.catalog import Catalog, applies
from tests.helpers import (
    POM_NS,
    ROOT,
    Pom,
    answers_file,
    answers_for,
    assert_pom_has_the_catalog_dependencies,
    java_sources,
    local_properties,
    render,
)
from tests.render.conftest import Rendered, project_property_groups


def test_pom_dependencies_equal_the_catalog(rendered: Rendered, catalog: Catalog) -> None:
    project, line, source, sinks, options = rendered
    pom = Pom(project / "pom.xml")
    pins = catalog.pins()
    assert_pom_has_the_catalog_dependencies(
        pom, catalog.dependencies_for([source, *sinks], options, line=line), pins, line
    )

    boms = {(g, a): v for (g, a), (v, scope) in pom.managed.items() if scope == "import"}
    assert boms == {(b.group, b.artifact): pins[b.version].value_for(line) for b in catalog.build.boms}


def test_pom_targets_the_lines_java_release(rendered: Rendered, catalog: Catalog) -> None:
    project, line, *_ = rendered
    pom = Pom(project / "pom.xml")
    release = str(catalog.flink.lines[line].java_release)
    assert pom.properties["maven.compiler.release"] == release
    assert pom.properties["flink.version"] == catalog.build.versions["flink"].value_for(line)
    enforcer = pom.plugin("maven-enforcer-plugin")
    assert pom.texts(enforcer, ".//m:requireJavaVersion/m:version") == [f"[{release},)"]


def test_shaded_jar_keeps_flink_and_logging_out_and_merges_services(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, line, source, sinks, options = rendered
    pom = Pom(project / "pom.xml")
    shade = pom.plugin("maven-shade-plugin")
    excludes = pom.texts(shade, ".//m:artifactSet/m:excludes/m:exclude")
    logging = {"org.apache.logging.log4j:*", "org.slf4j:*", "log4j:*"}
    assert logging <= set(excludes)
    # An artifact that a bundled jar already holds (catalog `contains`) is left out, and only then.
    dependencies = catalog.dependencies_for([source, *sinks], options, line=line)
    contained = {artifact for d in dependencies for artifact in d.contains}
    general = {"org.apache.flink:flink-shaded-force-shading", "org.apache.flink:force-shading"}
    assert set(excludes) == logging | general | {"com.google.code.findbugs:jsr305"} | contained
    transformers = [
        t.get("implementation")
        for t in shade.findall(".//m:transformer", {"m": "http://maven.apache.org/POM/4.0.0"})
    ]
    resource = "org.apache.maven.plugins.shade.resource."
    assert {
        f"{resource}{name}" for name in ("ServicesResourceTransformer", "ManifestResourceTransformer")
    } <= set(transformers)
    # Files that describe one jar, or that several bundled jars carry, are left out or merged as
    # the catalog says (build.yml `shade`), so that the build prints no overlapping resources.
    everything = [
        f
        for f in shade.findall(".//m:filters/m:filter", POM_NS)
        if f.findtext("m:artifact", namespaces=POM_NS) == "*:*"
    ]
    assert [pom.texts(f, "m:excludes/m:exclude") for f in everything] == [catalog.build.shade.excludes]
    assert {
        f"{resource}ApacheLicenseResourceTransformer",
        f"{resource}ApacheNoticeResourceTransformer",
    } <= set(transformers)
    appended = [
        t.findtext("m:resource", namespaces=POM_NS)
        for t in shade.findall(".//m:transformer", POM_NS)
        if t.get("implementation") == f"{resource}AppendingTransformer"
    ]
    assert appended == catalog.build.shade.appended
    main_class = pom.resolve(pom.texts(shade, ".//m:mainClass")[0])
    package = answers_file(project)["package"]
    assert main_class == f"{package}.StreamingJob"
    # Everything the runtime provides is in provided scope, so shade never sees it.
    for dep in pom.dependencies:
        if dep.group == "org.apache.flink" and dep.artifact in {"flink-streaming-java", "flink-clients"}:
            assert dep.scope == "provided"


def test_no_folder_is_left_empty(rendered: Rendered) -> None:
    """Folders whose files the answers exclude (another API's, unselected connectors') are not
    created: copier makes a folder only for the files it writes into it."""
    project, *_ = rendered
    empty = sorted(
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_dir() and ".git" not in path.relative_to(project).parts and not any(path.iterdir())
    )
    assert not empty, f"empty folders: {empty}"


def test_maven_runs_with_a_quick_starting_jvm(rendered: Rendered) -> None:
    project, *_ = rendered
    assert (project / ".mvn/jvm.config").read_text().split() == [
        "-XX:+TieredCompilation",
        "-XX:TieredStopAtLevel=1",
    ]


def test_ci_workflow_builds_with_the_lines_java(rendered: Rendered, catalog: Catalog) -> None:
    project, line, *_ = rendered
    workflow = yaml.safe_load((project / ".github/workflows/build.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    java = next(step for step in steps if step.get("uses") == catalog.build.github_actions["setup_java"])
    assert java["with"]["java-version"] == str(catalog.flink.lines[line].java_release)
    assert any(step.get("run") == "./mvnw -B verify" for step in steps)
    actions = catalog.build.github_actions
    assert {step["uses"] for step in steps if "uses" in step} == {
        actions[name] for name in ("checkout", "setup_java", "upload_artifact")
    }
    used = {step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step}
    assert used <= set(actions.values())


def _actionlint() -> str:
    """actionlint from $ACTIONLINT, the .tools/bin that `make actionlint` fills, or PATH."""
    candidates = [
        os.environ.get("ACTIONLINT"),
        str(ROOT / ".tools/bin/actionlint"),
        shutil.which("actionlint"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise AssertionError("actionlint not found: run `make actionlint` (builds it with Go) or set ACTIONLINT")


def test_ci_workflow_passes_actionlint(rendered: Rendered) -> None:
    project, *_ = rendered
    workflow = project / ".github/workflows/build.yml"
    result = subprocess.run(
        [_actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


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


def test_enforcer_bans_the_catalogs_legacy_artifacts(rendered: Rendered, catalog: Catalog) -> None:
    project, *_ = rendered
    pom = Pom(project / "pom.xml")
    enforcer = pom.plugin("maven-enforcer-plugin")
    banned = pom.texts(enforcer, ".//m:bannedDependencies/m:excludes/m:exclude")
    assert sorted(banned) == sorted(b.coordinate for b in catalog.build.banned)


def test_only_the_selected_connectors_code_is_generated(rendered: Rendered, catalog: Catalog) -> None:
    project, _, source, sinks, options = rendered
    files = {Path(path).name for path in java_sources(project)}
    # A file is kept when any selected role lists it (under its `when`, with default options), so
    # roles may share one (config/Credentials.java).
    kept: set[str] = set()
    unselected: set[str] = set()
    for connector_id, connector in catalog.connectors.items():
        chosen = catalog.options_for(connector_id, options)
        for role_name, selected in (("source", connector_id == source), ("sink", connector_id in sinks)):
            role = connector.role(role_name)  # type: ignore[arg-type]
            if role is None:
                continue
            for file in role.files:
                name = Path(file if isinstance(file, str) else file.path).name
                applies_here = isinstance(file, str) or applies(file.when, chosen)
                (kept if selected and applies_here else unselected).add(name)
    assert kept <= files
    assert not (unselected - kept) & files


def test_the_job_wires_each_selected_connector_with_name_and_uid(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, _, source, sinks, _ = rendered
    job = next(text for path, text in java_sources(project).items() if path.endswith("/StreamingJob.java"))
    src = catalog.connectors[source].source
    assert src is not None
    assert f'{src.factory}.create(properties.group("{src.property_group}"))' in job
    assert f'.uid("{source}-source")' in job
    for sink in sinks:
        role = catalog.connectors[sink].sink
        assert role is not None
        group = f'properties.group("{role.property_group}")'
        if role.attaches_to_stream:
            assert f"{role.factory}.append(output.prices(), {group}, StockPrice.class)" in job
        else:
            assert f"{role.factory}.create({group}, StockPrice.class)" in job
        assert f'.name("{sink}-sink")' in job
        assert f'.uid("{sink}-sink")' in job
    first = catalog.connectors[sinks[0]].sink
    assert first is not None
    dead_letters = 'properties.group("DeadLetterSink"), DeadLetter.class)'
    if first.attaches_to_stream:
        assert f"{first.factory}.append(output.deadLetters(), {dead_letters}" in job
    else:
        assert f"{first.factory}.create({dead_letters}" in job
    # Every operator added in the job and the pipeline has a name and a uid.
    pipeline = next(
        text for path, text in java_sources(project).items() if path.endswith("/StockPricePipeline.java")
    )
    for text in (job, pipeline):
        assert text.count(".uid(") == text.count(".name(") + text.count("env\n                .fromSource(")


def test_property_groups_agree_everywhere(rendered: Rendered, catalog: Catalog) -> None:
    project = rendered[0]
    groups = project_property_groups(rendered, catalog)
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

    # The start-up check accepts other keys in exactly the groups whose role passes them on.
    flagged = dict(
        re.findall(
            r'new Group\("([^"]+)", List\.of\(.*?\n\s*\)\)(?:\.passingOtherKeysTo\(("(?:[^"\\]|\\.)*")\))?',
            spec,
            re.S,
        )
    )
    assert list(flagged) == [g.group_id for g in groups]
    roles = {
        g.group_id: getattr(catalog.connectors[g.connector], "sink" if g.role == "dead-letter" else g.role)
        for g in groups
    }
    assert {group: json.loads(what) if what else None for group, what in flagged.items()} == {
        group: role.passes_other_keys for group, role in roles.items()
    }
    assert [g.passes_other_keys for g in groups] == [role.passes_other_keys for role in roles.values()]
    # It refuses the keys under a connector's own prefix that the connector does not read (which it
    # would ignore) in exactly the groups whose role lists the connector's keys, and knows those keys.
    chunks = re.split(r"\n\s*new Group\(", spec.split("GROUPS = List.of(", 1)[1].split("\n    );", 1)[0])[1:]
    owned = {}
    for chunk in chunks:
        head = re.match(r'("[^"]+")', chunk)
        assert head is not None, chunk
        group_id = json.loads(head.group(1))
        own = re.search(r'\.withConnectorKeys\(("[^"]*"), List\.of\((.*?)\)\)', chunk, re.S)
        owned[group_id] = (json.loads(own.group(1)), re.findall(r'"([^"]+)"', own.group(2))) if own else None
    applied = {g.group_id: {p.key for p in g.properties} for g in groups}
    assert owned == {
        group: (
            role.connector_keys.prefix,
            [
                *(
                    p.key
                    for p in role.properties
                    if p.key.startswith(role.connector_keys.prefix) and p.key not in applied[group]
                ),
                *role.connector_keys.keys,
            ],
        )
        if role.connector_keys
        else None
        for group, role in roles.items()
    }


def test_nothing_is_left_unrendered(rendered: Rendered) -> None:
    project, *_ = rendered
    for path in project.rglob("*"):
        if path.is_file() and path.name not in {"mvnw", "mvnw.cmd"}:
            # GitHub Actions expressions (${{ ... }}) are meant to stay.
            text = path.read_text(encoding="utf-8").replace("${{", "$")
            assert "{{" not in text and "{%" not in text, path
            assert not path.name.endswith(".jinja"), path


def test_answers_file_records_answers_but_not_the_catalog(
    rendered: Rendered,
) -> None:
    project, line, source, sinks, options = rendered
    answers = answers_file(project)
    assert answers["flink_version"] == line
    assert answers["source"] == source
    assert answers["sinks"] == list(sinks)
    for connector_id, chosen in options.items():
        for option, value in chosen.items():
            assert answers[f"{connector_id}_{option}"] == value
    assert "_src_path" in answers and "_commit" in answers
    assert not any(key.startswith("catalog_") for key in answers)
    hidden = {"property_groups", "maven_versions", "maven_dependencies", "flink_line"}
    assert not (hidden | {"connector_options", "iam_statements"}) & set(answers)
