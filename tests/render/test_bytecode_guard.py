"""The generated pom's bytecode guard: the enforcer's enforceBytecodeVersion rule.

Every bundled class must load on the Java of the line's MSF runtime (a jar built for Java 17 fails
on FLINK-1_20 with UnsupportedClassVersionError). The compile tier proves that the rule fires
(tests/compile/test_bytecode_guard.py); here the rendered pom is checked as data.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from tests.helpers import POM_NS, Pom, answers_for, render
from tests.render.conftest import Rendered

LINES = list(load_catalog().flink.lines)
RULES_PLUGIN = ("org.codehaus.mojo", "extra-enforcer-rules")


def _bytecode_rule(pom: Pom) -> ET.Element:
    rules = pom.plugin("maven-enforcer-plugin").findall(".//m:rules/m:enforceBytecodeVersion", POM_NS)
    assert len(rules) == 1, "the enforcer has no (or more than one) enforceBytecodeVersion rule"
    return rules[0]


@pytest.fixture(scope="module", params=LINES)
def line_project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Pom]:
    """The cheapest project of each line (data generator to print)."""
    line: str = request.param
    project = render(tmp_path_factory.mktemp(f"f{line}"), answers_for(line, "datagen", ("print",)))
    return line, Pom(project / "pom.xml")


def test_the_rule_allows_the_java_of_the_lines_msf_runtime(
    line_project: tuple[str, Pom], catalog: Catalog
) -> None:
    line, pom = line_project
    flink_line = catalog.flink.lines[line]
    rule = _bytecode_rule(pom)
    assert pom.resolve(pom.texts(rule, "m:maxJdkVersion")[0]) == str(flink_line.java_release)
    # Only what the JAR bundles: the runtime provides `provided`, tests never ship.
    assert sorted(pom.texts(rule, "m:ignoredScopes/m:ignoredScope")) == ["provided", "test"]
    # Multi-release entries for a newer Java are skipped (the JVM skips them): not strict.
    assert pom.texts(rule, "m:strict") in ([], ["false"])
    message = pom.texts(rule, "m:message")[0]
    assert f"MSF {flink_line.msf_runtime} runs (Java {flink_line.java_release})" in message
    assert f"built for Java {flink_line.java_release} or older" in message
    assert "msf-scaffold catalog pins" in message


def test_the_rule_comes_from_the_catalogs_pin(line_project: tuple[str, Pom], catalog: Catalog) -> None:
    line, pom = line_project
    enforcer = pom.plugin("maven-enforcer-plugin")
    dependencies = {
        (pom.texts(d, "m:groupId")[0], pom.texts(d, "m:artifactId")[0]): pom.resolve(
            pom.texts(d, "m:version")[0]
        )
        for d in enforcer.findall("m:dependencies/m:dependency", POM_NS)
    }
    pin = next(p for p in catalog.build.versions.values() if p.tracks == ":".join(RULES_PLUGIN))
    assert dependencies == {RULES_PLUGIN: pin.value_for(line)}
    assert pom.texts(enforcer, "m:dependencies/m:dependency/m:version") == [f"${{{pin.property}}}"]


def test_the_rule_skips_exactly_what_the_shaded_jar_leaves_out(rendered: Rendered) -> None:
    """Artifacts the shade plugin excludes (logging for local runs, a jar's `contains`) never reach
    the JAR, so their bytecode does not matter; everything else bundled is checked."""
    project, *_ = rendered
    pom = Pom(Path(project) / "pom.xml")
    shade = pom.texts(pom.plugin("maven-shade-plugin"), ".//m:artifactSet/m:excludes/m:exclude")
    assert sorted(pom.texts(_bytecode_rule(pom), "m:excludes/m:exclude")) == sorted(shade)
