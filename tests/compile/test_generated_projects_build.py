"""The covering set of generated projects builds and passes its own tests with Maven.

All projects are built in one Maven reactor (`./mvnw -T 2 -fae verify`) so that Maven starts once
and two projects build at a time; each test then reads its project's outcome: the reactor status,
the Surefire and Failsafe reports and the shaded JAR.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from tests.covering import Scenario, covering_set
from tests.helpers import POM_NS, Pom, render

pytestmark = pytest.mark.compile

SCENARIOS = covering_set(load_catalog())
MSF_JAR_LIMIT = 512 * 1024 * 1024
MAVEN_TIMEOUT_S = 45 * 60
# Extra Maven arguments, e.g. "-Dmaven.repo.local=/path/to/repo" or "-s settings.xml" for a mirror.


@dataclass(frozen=True)
class ReactorBuild:
    """The outcome of building every scenario in one reactor."""

    root: Path
    log: str
    status: dict[str, str]
    seconds: float


@pytest.fixture(scope="session")
def reactor(tmp_path_factory: pytest.TempPathFactory) -> ReactorBuild:
    root = tmp_path_factory.mktemp("compile")
    for scenario in SCENARIOS:
        render(root / scenario.id, scenario.answers())
    first = root / SCENARIOS[0].id
    shutil.copy2(first / "mvnw", root / "mvnw")
    shutil.copytree(first / ".mvn", root / ".mvn")
    modules = "\n".join(f"    <module>{s.id}</module>" for s in SCENARIOS)
    (root / "pom.xml").write_text(
        f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>covering-set</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>
{modules}
  </modules>
</project>
""",
        encoding="utf-8",
    )
    command = [
        "./mvnw",
        "-B",
        "--no-transfer-progress",
        "-fae",
        "-T",
        "2",
        "verify",
        "dependency:list",
        "-DoutputAbsoluteArtifactFilename=true",
        "-DoutputFile=target/dependencies.txt",
        *shlex.split(os.environ.get("MSF_SCAFFOLD_MAVEN_ARGS", "")),
    ]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=MAVEN_TIMEOUT_S,
        env={**os.environ, "MAVEN_OPTS": os.environ.get("MAVEN_OPTS", "-Xmx2g")},
        check=False,
    )
    seconds = time.monotonic() - started
    log = result.stdout + result.stderr
    (root / "build.log").write_text(log, encoding="utf-8")
    status = dict(re.findall(r"\[INFO\] (Scenario \S+) [^\n]*?(SUCCESS|FAILURE|SKIPPED) \[", log))
    print(f"\ncompile tier: {len(SCENARIOS)} projects in {seconds:.0f} s; log at {root / 'build.log'}")
    return ReactorBuild(root, log, status, seconds)


def _unresolvable(log: str, scenario: Scenario) -> list[str]:
    """Artifacts Maven could not find for this project's module, from the reactor log."""
    missing: set[str] = set()
    marker = f"Failed to execute goal on project {scenario.id}: Could not resolve dependencies"
    for match in re.finditer(re.escape(marker), log):
        block = log[match.start() : log.find("-> [Help", match.start())]
        missing.update(re.findall(r"([\w.-]+:[\w.-]+:jar:[\w.-]+) was not found in", block))
        missing.update(re.findall(r"Could not find artifact ([\w.-]+:[\w.-]+:jar:[\w.-]+)", block))
    return sorted(missing)


@pytest.fixture(params=SCENARIOS, ids=[s.id for s in SCENARIOS])
def built(request: pytest.FixtureRequest, reactor: ReactorBuild) -> tuple[Scenario, Path]:
    scenario: Scenario = request.param
    name = f"Scenario {scenario.id}"
    outcome = reactor.status.get(name)
    if outcome != "SUCCESS":
        missing = _unresolvable(reactor.log, scenario)
        if missing:
            pytest.xfail(
                f"the Maven repository this build uses does not serve {', '.join(missing)}; "
                "the project cannot be built here"
            )
        module_log = "\n".join(
            line for line in reactor.log.splitlines() if scenario.id in line or "ERROR" in line
        )
        pytest.fail(f"{name} did not build ({outcome}):\n{module_log[-6000:]}")
    return scenario, reactor.root / scenario.id


def _report_totals(directory: Path) -> tuple[int, int]:
    tests = failures = 0
    for report in directory.glob("TEST-*.xml"):
        suite = ET.parse(report).getroot()
        tests += int(suite.get("tests", "0"))
        failures += int(suite.get("failures", "0")) + int(suite.get("errors", "0"))
    return tests, failures


def test_unit_tests_and_minicluster_tests_ran_and_passed(built: tuple[Scenario, Path]) -> None:
    _, project = built
    unit_tests, unit_failures = _report_totals(project / "target/surefire-reports")
    it_tests, it_failures = _report_totals(project / "target/failsafe-reports")
    assert unit_tests >= 15 and unit_failures == 0
    assert it_tests >= 2 and it_failures == 0


def _classes(jar: Path) -> set[str]:
    # META-INF/versions/** entries are ignored: flink-shaded-jackson leaves jackson-core's
    # multi-release classes unrelocated there, so they clash by name but are never loaded.
    with zipfile.ZipFile(jar) as archive:
        return {
            name
            for name in archive.namelist()
            if name.endswith(".class") and not name.startswith("META-INF/") and "module-info" not in name
        }


def test_shaded_jar_bundles_connectors_but_nothing_the_runtime_provides(built: tuple[Scenario, Path]) -> None:
    scenario, project = built
    jar = project / "target" / f"{scenario.id}-0.1.0-SNAPSHOT.jar"
    assert jar.stat().st_size < MSF_JAR_LIMIT
    with zipfile.ZipFile(jar) as archive:
        # Manifest lines wrap at 72 bytes; a continuation line starts with a space.
        manifest = archive.read("META-INF/MANIFEST.MF").decode().replace("\r\n ", "").replace("\n ", "")
    assert f"Main-Class: {scenario.package}.StreamingJob" in manifest
    bundled = _classes(jar)
    assert any(entry.startswith(scenario.package.replace(".", "/") + "/") for entry in bundled)
    assert not {e for e in bundled if e.startswith(("org/apache/logging/", "org/slf4j/"))}

    listing = (project / "target/dependencies.txt").read_text()
    provided: set[str] = set()
    for path in re.findall(r":provided:(\S+\.jar)", listing):
        provided |= _classes(Path(path))
    clashes = sorted(bundled & provided)
    assert not clashes, f"{len(clashes)} classes of runtime-provided jars are bundled, e.g. {clashes[:5]}"

    pom = Pom(project / "pom.xml")
    shade = pom.plugin("maven-shade-plugin")
    excluded = pom.texts(shade, ".//m:artifactSet/m:excludes/m:exclude")
    # Paths a shade filter leaves out of one artifact (catalog `jar_excludes`).
    filtered: dict[str, list[str]] = {}
    for shade_filter in shade.findall(".//m:filters/m:filter", POM_NS):
        artifact_pattern = shade_filter.findtext("m:artifact", default="", namespaces=POM_NS)
        filtered[artifact_pattern] = pom.texts(shade_filter, "m:excludes/m:exclude")
    compile_jars = re.findall(r"([\w.-]+):([\w.-]+):jar:[\w.-]+:compile:(\S+\.jar)", listing)
    assert compile_jars
    for group, artifact, path in compile_jars:
        if any(fnmatch.fnmatch(f"{group}:{artifact}", pattern) for pattern in excluded):
            continue
        left_out = filtered.get(f"{group}:{artifact}", [])
        expected = {c for c in _classes(Path(path)) if not any(fnmatch.fnmatch(c, p) for p in left_out)}
        missing = expected - bundled
        assert not missing, f"{group}:{artifact} is not bundled, e.g. {sorted(missing)[:3]}"
