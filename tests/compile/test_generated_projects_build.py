"""The covering sets of generated projects build and pass their own tests with Maven.

Two sets: the covering set of every value the questionnaire offers, and the projects added so
that every combination of values that the Maven repository here can build is built
(``served_covering_set``; tests/served_here.py reads what that repository lacks). The second
set's ids are ``f<line>-h<n>``; the test ids of every project of the second set, including the
first set's projects it counts, contain ``here`` (``pytest -m compile -k here``).

Projects that need a coordinate this repository lacks without a substitute are xfailed from the
data alone, never rendered nor built. The others are built in one Maven reactor
(`./mvnw -T 2 -fae verify`) so that Maven
starts once and two projects build at a time; a second, quick run writes each project's verbose
dependency tree of the bundled scope. Under pytest-xdist the workers share that one reactor. Each
test then reads its project's outcome: the reactor status, the Surefire and Failsafe reports, the
shaded JAR and the dependency tree.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import json
import multiprocessing
import os
import re
import shlex
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from tests.build_log import javac_warnings, shade_overlaps
from tests.covering import Scenario, covering_set, missing_here, served_covering_set
from tests.helpers import POM_NS, Pom
from tests.maven_tree import bundled_conflicts
from tests.served_here import Served, render_here

pytestmark = pytest.mark.compile

CATALOG = load_catalog()
SERVED = Served.here(CATALOG)
COVERING = covering_set(CATALOG)
HERE = served_covering_set(CATALOG, SERVED, COVERING)
SCENARIOS = COVERING + HERE


def _test_id(scenario: Scenario) -> str:
    return f"{scenario.id}:{'' if missing_here(SERVED, scenario) else 'here:'}{scenario.label}"


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

    @classmethod
    def read(cls, path: Path) -> ReactorBuild:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(Path(data["root"]), data["log"], data["status"], data["seconds"])

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({**asdict(self), "root": str(self.root)}), encoding="utf-8")


def _maven(root: Path, *goals: str) -> str:
    """Runs the reactor at ``root`` with two threads, going on after failures; returns the log.

    A reactor that outlives the time limit is stopped and its log returned with a last line that
    says so: the projects it did not finish fail as not built, and no other xdist worker starts the
    build again."""
    try:
        result = subprocess.run(
            [
                "./mvnw",
                "-B",
                "--no-transfer-progress",
                "-fae",
                "-T",
                "2",
                *goals,
                *shlex.split(os.environ.get("MSF_SCAFFOLD_MAVEN_ARGS", "")),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=MAVEN_TIMEOUT_S,
            env={**os.environ, "MAVEN_OPTS": os.environ.get("MAVEN_OPTS", "-Xmx2g")},
            check=False,
        )
    except subprocess.TimeoutExpired as stopped:
        outputs = (stopped.stdout, stopped.stderr)
        partial = b"".join(out if isinstance(out, bytes) else (out or "").encode() for out in outputs)
        return partial.decode(errors="replace") + f"\n[ERROR] Maven stopped after {MAVEN_TIMEOUT_S} s\n"
    return result.stdout + result.stderr


def _selected(session: pytest.Session) -> list[Scenario]:
    """The projects whose tests this run selected (``-k``), in set order."""
    wanted = [
        item.callspec.params.get("built")
        for item in session.items
        if isinstance(item, pytest.Function) and hasattr(item, "callspec")
    ]
    return [s for s in SCENARIOS if s in wanted]


@pytest.fixture(scope="session")
def reactor(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> ReactorBuild:
    scenarios = _selected(request.session)
    if worker_id == "master":
        return _build(tmp_path_factory.mktemp("compile"), scenarios)
    # pytest-xdist: every worker has this session fixture; the first builds, the others read its
    # outcome. The workers' temporary directories share a parent that belongs to this run.
    shared = tmp_path_factory.getbasetemp().parent
    with (shared / "compile.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        outcome = shared / "compile-reactor.json"
        if not outcome.is_file():
            _build(shared / "compile", scenarios).write(outcome)
        return ReactorBuild.read(outcome)


def _build(root: Path, selected: list[Scenario]) -> ReactorBuild:
    root.mkdir(exist_ok=True)
    # A project that needs a coordinate this repository lacks (and has no substitute for) cannot
    # resolve its dependencies: it is not rendered nor built (the network tier proves the
    # coordinate is absent, and `built` marks its tests xfail naming it).
    scenarios = [scenario for scenario in selected if not missing_here(SERVED, scenario)]
    if not scenarios:
        return ReactorBuild(root, "", {}, 0.0)
    # Rendering is Python and Maven waits for all of it: one process per core. Pins this Maven
    # repository does not serve are built with their listed substitutes.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=spawn) as pool:
        list(pool.map(render_here, [root / s.id for s in scenarios], [s.answers() for s in scenarios]))
    first = root / scenarios[0].id
    shutil.copy2(first / "mvnw", root / "mvnw")
    shutil.copytree(first / ".mvn", root / ".mvn")
    modules = "\n".join(f"    <module>{s.id}</module>" for s in scenarios)
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
    started = time.monotonic()
    log = _maven(
        root,
        "verify",
        "dependency:list",
        "-DoutputAbsoluteArtifactFilename=true",
        "-DoutputFile=target/dependencies.txt",
    )
    tree_log = _maven(
        root, "dependency:tree", "-Dverbose", "-Dscope=runtime", "-DoutputFile=target/dependency-tree.txt"
    )
    seconds = time.monotonic() - started
    (root / "tree.log").write_text(tree_log, encoding="utf-8")
    (root / "build.log").write_text(log, encoding="utf-8")
    status = dict(re.findall(r"\[INFO\] (Scenario \S+) [^\n]*?(SUCCESS|FAILURE|SKIPPED) \[", log))
    print(f"\ncompile tier: {len(scenarios)} projects in {seconds:.0f} s; log at {root / 'build.log'}")
    return ReactorBuild(root, log, status, seconds)


def _unresolvable(log: str, scenario: Scenario) -> list[str]:
    """Artifacts Maven could not find for this project's module, from the reactor log."""
    missing: set[str] = set()
    # Maven's own resolution, or the enforcer's bytecode rule, which resolves the bundled jars in
    # the validate phase, before Maven does: a missing jar fails that rule first.
    markers = (
        f"Failed to execute goal on project {scenario.id}: Could not resolve dependencies",
        f"(msf-guardrails) on project {scenario.id}: ",
    )
    for match in re.finditer("|".join(map(re.escape, markers)), log):
        block = log[match.start() : log.find("-> [Help", match.start())]
        missing.update(re.findall(r"([\w.-]+:[\w.-]+:jar:[\w.-]+) was not found in", block))
        missing.update(re.findall(r"Could not find artifact ([\w.-]+:[\w.-]+:jar:[\w.-]+)", block))
    return sorted(missing)


@pytest.fixture(params=SCENARIOS, ids=[_test_id(s) for s in SCENARIOS])
def built(request: pytest.FixtureRequest, reactor: ReactorBuild) -> tuple[Scenario, Path]:
    scenario: Scenario = request.param
    absent = missing_here(SERVED, scenario)
    if absent:
        pytest.xfail(
            f"the Maven repository this build uses does not serve {', '.join(absent)} "
            "(tests/data/unresolvable-here.yml); the project cannot be built here"
        )
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


def test_build_prints_no_compiler_or_shade_warnings(
    built: tuple[Scenario, Path], reactor: ReactorBuild
) -> None:
    """The generated code uses nothing deprecated or unchecked (javac's warnings name this
    project's files), and the shade plugin finds no overlapping resources or classes. Two projects
    build at a time, so a shade warning, which names jars, fails every project of the run."""
    _, project = built
    assert javac_warnings(reactor.log, f"{project}/") == []
    assert shade_overlaps(reactor.log) == []


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

    assert re.search(r":jar:[\w.-]+:compile:", listing)
    left_out = _shade_filters(project)
    for key, path in _bundled_jars(project).items():
        # Paths a shade filter leaves out of one artifact (catalog `jar_excludes`) are not expected.
        patterns = left_out.get(key, [])
        missing = {c for c in _classes(path) if not any(fnmatch.fnmatch(c, p) for p in patterns)} - bundled
        assert not missing, f"{key} is not bundled, e.g. {sorted(missing)[:3]}"


def _shade_filters(project: Path) -> dict[str, list[str]]:
    """group:artifact -> the paths the shade plugin's filters leave out of that artifact."""
    pom = Pom(project / "pom.xml")
    shade = pom.plugin("maven-shade-plugin")
    return {
        shade_filter.findtext("m:artifact", default="", namespaces=POM_NS): pom.texts(
            shade_filter, "m:excludes/m:exclude"
        )
        for shade_filter in shade.findall(".//m:filters/m:filter", POM_NS)
    }


def _shade_excludes(project: Path) -> list[str]:
    """The group:artifact patterns the shade plugin leaves out of the JAR."""
    pom = Pom(project / "pom.xml")
    return pom.texts(pom.plugin("maven-shade-plugin"), ".//m:artifactSet/m:excludes/m:exclude")


def _bundled_jars(project: Path) -> dict[str, Path]:
    """group:artifact -> jar of each compile- and runtime-scope dependency that the shade plugin
    bundles."""
    excluded = _shade_excludes(project)
    listing = (project / "target/dependencies.txt").read_text()
    return {
        f"{group}:{artifact}": Path(path)
        for group, artifact, path in re.findall(
            r"([\w.-]+):([\w.-]+):jar:[\w.-]+:(?:compile|runtime):(\S+\.jar)", listing
        )
        if not any(fnmatch.fnmatch(f"{group}:{artifact}", pattern) for pattern in excluded)
    }


def test_each_bundled_class_comes_from_one_artifact(built: tuple[Scenario, Path]) -> None:
    """What the shade plugin warns about as "overlapping classes", as an assertion: two bundled
    artifacts holding the same class leave one copy in the JAR, chosen by classpath order. Copies
    with the same bytes are one class whichever is kept (Parquet's jars each carry the same
    minimised, relocated fastutil); copies that differ are a conflict."""
    _, project = built
    jars = _bundled_jars(project)
    owners: dict[str, list[str]] = {}
    for key, jar in jars.items():
        for name in _classes(jar):
            owners.setdefault(name, []).append(key)
    with contextlib.ExitStack() as stack:
        archives = {key: stack.enter_context(zipfile.ZipFile(jar)) for key, jar in jars.items()}
        overlapping = {
            name: keys
            for name, keys in owners.items()
            if len(keys) > 1 and len({archives[key].read(name) for key in keys}) > 1
        }
    pairs = sorted({" and ".join(keys) for keys in overlapping.values()})
    assert not overlapping, f"{len(overlapping)} classes differ between bundled artifacts: {pairs}"


def test_bundled_dependencies_converge(built: tuple[Scenario, Path]) -> None:
    """No bundled artifact is requested in two versions that Maven mediates to an older one or
    across a major version (see tests/maven_tree.py)."""
    _, project = built
    tree = project / "target/dependency-tree.txt"
    assert tree.is_file(), "dependency:tree wrote no tree; see tree.log beside the projects"
    # Artifacts the shade plugin leaves out of the JAR (jsr305, logging) never reach it.
    excluded = _shade_excludes(project)
    conflicts = [
        c
        for c in bundled_conflicts(tree.read_text(encoding="utf-8"))
        if not any(fnmatch.fnmatch(c.artifact, pattern) for pattern in excluded)
    ]
    assert not conflicts, "\n".join(str(c) for c in conflicts)
