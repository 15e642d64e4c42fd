"""Every Maven coordinate of the catalog resolves on Maven Central (marker `network`).

For every Flink line and every connector it offers, every dependency (whatever option values its
`when` needs; in its BOM's version when it names none), every BOM, every Maven plugin the generated
pom pins and the Maven distribution of the generated wrapper: the .pom (or the distribution) must
answer HTTP 200. A coordinate the repository does not serve is accepted only when
tests/data/unresolvable-here.yml lists it with the evidence that it was released; a listed
coordinate that resolves, or that the catalog no longer uses, fails the test, so the list cannot go
stale.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from tests.helpers import POM_NS, Pom, answers_for, render
from tests.served_here import UNRESOLVABLE_FILE, substitutes_here, unresolvable_here

pytestmark = pytest.mark.network

REPOSITORY = os.environ.get("MSF_SCAFFOLD_MAVEN_REPOSITORY", "https://repo.maven.apache.org/maven2").rstrip(
    "/"
)
ATTEMPTS = 4


def _status(url: str) -> int:
    """The HTTP status of a HEAD request, retried on network errors and server errors."""
    for attempt in range(ATTEMPTS):
        request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "msf-scaffold-tests"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            if error.code < 500 and error.code != 429:
                return int(error.code)
        except (urllib.error.URLError, TimeoutError):
            pass
        time.sleep(2**attempt)
    raise AssertionError(f"{url} did not answer after {ATTEMPTS} attempts")


def _pom_url(coordinate: str) -> str:
    group, artifact, version = coordinate.split(":")
    return f"{REPOSITORY}/{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.pom"


def _catalog_coordinates(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """(group:artifact:version, where the catalog uses it) for dependencies and BOMs."""
    pins = catalog.pins()
    for line in catalog.flink.lines:
        for bom in catalog.build.boms:
            yield f"{bom.group}:{bom.artifact}:{pins[bom.version].value_for(line)}", f"BOM on Flink {line}"
        # A dependency without a version resolves to its BOM's: that coordinate must exist too.
        common = [(d, "build.yml") for d in catalog.build.dependencies]
        common += [
            (d, f"API {api_id}") for api_id, api in catalog.apis.apis.items() for d in api.dependencies
        ]
        for dependency, owner in common:
            yield f"{dependency.key}:{catalog.version_of(dependency, line)}", f"{owner} on Flink {line}"
        for connector_id in catalog.connectors:
            if line not in catalog.supported_lines(connector_id):
                continue
            # Every dependency, whatever option values its `when` needs (the values are choices).
            for dependency in catalog.connectors[connector_id].dependencies:
                if dependency.lines and line not in dependency.lines:
                    continue
                where = f"connector {connector_id} on Flink {line}"
                if dependency.when:
                    where += f" when {dependency.when}"
                yield f"{dependency.key}:{catalog.version_of(dependency, line)}", where


def _pom_plugins(project: Path) -> Iterator[tuple[str, str]]:
    """(group:artifact:version, where) of every plugin the generated pom pins, and of every
    dependency of a plugin (the enforcer's extra-enforcer-rules)."""
    pom = Pom(project / "pom.xml")
    for xpath in ("m:build/m:plugins/m:plugin", "m:build/m:pluginManagement/m:plugins/m:plugin"):
        for plugin in pom.root.findall(xpath, {"m": "http://maven.apache.org/POM/4.0.0"}):
            group = (pom.texts(plugin, "m:groupId") or ["org.apache.maven.plugins"])[0]
            artifact = pom.texts(plugin, "m:artifactId")[0]
            versions = pom.texts(plugin, "m:version")
            assert versions, f"plugin {artifact} of the generated pom has no pinned version"
            yield f"{group}:{artifact}:{pom.resolve(versions[0])}", "Maven plugin of the generated pom"
            for coordinate in _plugin_dependencies(pom, plugin):
                yield coordinate, f"dependency of the plugin {artifact} in the generated pom"


def _plugin_dependencies(pom: Pom, plugin: ET.Element) -> Iterator[str]:
    """group:artifact:version of each dependency of a plugin; each must pin its version."""
    for dependency in plugin.findall("m:dependencies/m:dependency", POM_NS):
        name = ":".join(pom.texts(dependency, "m:groupId") + pom.texts(dependency, "m:artifactId"))
        versions = pom.texts(dependency, "m:version")
        assert versions, f"{name}, a plugin dependency of the generated pom, has no pinned version"
        yield f"{name}:{pom.resolve(versions[0])}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> list[Path]:
    """One generated project per Flink line: the pom's plugins and the wrapper's distribution."""
    return [
        render(tmp_path_factory.mktemp(f"f{line}"), answers_for(line, "datagen", ("print",)))
        for line in catalog.flink.lines
    ]


def test_every_catalog_plugin_pin_is_a_plugin_of_the_generated_pom(
    generated: list[Path], catalog: Catalog
) -> None:
    properties = {
        pin.property for pin in catalog.build.versions.values() if pin.property.endswith("plugin.version")
    }
    for project in generated:
        text = (project / "pom.xml").read_text(encoding="utf-8")
        unused = {p for p in properties if f"<version>${{{p}}}</version>" not in text}
        assert not unused, f"{project.name}: plugin pins that no plugin uses: {sorted(unused)}"


def test_every_catalog_coordinate_resolves_on_maven_central(generated: list[Path]) -> None:
    catalog = load_catalog()
    uses: dict[str, set[str]] = {}
    for coordinate, where in _catalog_coordinates(catalog):
        uses.setdefault(coordinate, set()).add(where)
    for project in generated:
        for coordinate, where in _pom_plugins(project):
            uses.setdefault(coordinate, set()).add(where)
    listed = unresolvable_here()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = dict(
            zip(sorted(uses), pool.map(lambda c: _status(_pom_url(c)), sorted(uses)), strict=True)
        )
    problems = []
    for coordinate, users in sorted(uses.items()):
        status = statuses[coordinate]
        if status not in {200, 404}:
            problems.append(f"{coordinate}: HTTP {status} from {_pom_url(coordinate)}")
        elif status == 404 and coordinate not in listed:
            problems.append(f"{coordinate} (used by {', '.join(sorted(users))}) is not on {REPOSITORY}")
        elif status == 200 and coordinate in listed:
            problems.append(f"{coordinate} is served now: remove it from {UNRESOLVABLE_FILE.name}")
    problems += [
        f"{coordinate} is no longer used by the catalog: remove it from {UNRESOLVABLE_FILE.name}"
        for coordinate in sorted(set(listed) - set(uses))
    ]
    assert not problems, "\n".join(problems)


def test_the_wrappers_maven_distribution_exists(generated: list[Path], catalog: Catalog) -> None:
    maven = catalog.build.versions["maven"].value_for("2.2")
    for project in generated:
        properties = dict(
            line.split("=", 1)
            for line in (project / ".mvn/wrapper/maven-wrapper.properties").read_text().splitlines()
            if "=" in line
        )
        url = properties["distributionUrl"]
        assert url.endswith(f"/apache-maven-{maven}-bin.zip")
        assert _status(url) == 200, f"{url} (the Maven Wrapper's distributionUrl) does not resolve"


def test_every_substitute_resolves() -> None:
    """What the tiers that build projects use instead of a listed coordinate is served."""
    substitutes = []
    for coordinate, substitute in substitutes_here().items():
        group, artifact, _ = coordinate.split(":")
        substitutes.append(substitute if ":" in substitute else f"{group}:{artifact}:{substitute}")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = dict(zip(substitutes, pool.map(lambda c: _status(_pom_url(c)), substitutes), strict=True))
    missing = [coordinate for coordinate, status in statuses.items() if status != 200]
    assert not missing, f"substitutes in {UNRESOLVABLE_FILE.name} that {REPOSITORY} does not serve: {missing}"
