"""Building generated projects against the archetype's project with the same connectors added by hand.

Every build is clean (``target/`` removed first) and offline: ``./mvnw -B -o -q package -DskipTests``.
The archetype's projects get the generated projects' Maven Wrapper, so both sides build with the
same Maven (the wrapper's, from the catalog) on the same JDK. Projects with the Kinesis connector
are not built: the Maven repository in use lacks ``flink-connector-aws-kinesis-streams`` for the
offered Flink lines.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks import archetype, maven
from benchmarks.stats import Table
from benchmarks.timing import BenchmarkError, Case, interleave, run
from benchmarks.workspace import Workspace, copy_wrapper, remove

LINE = "2.2"
#: JVM flags that shorten short-lived JVMs (C1 compiler only). The experiment builds project (a) with
#: and without them in ``.mvn/jvm.config``, which Maven (and so the wrapper) reads on every run.
FAST_JVM = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
_C1_FLAG = "TieredStopAtLevel=1"


@dataclass(frozen=True)
class Project:
    """A project to build, and the key of its baseline project."""

    key: str
    label: str
    path: Path
    baseline: str


def _package(offline: bool) -> list[str]:
    return maven.wrapper("package", "-DskipTests", offline=offline)


def _ours(workspace: Workspace, parent: Path, name: str, source: str, sinks: list[str]) -> Path:
    answers = {
        "flink_version": LINE,
        "source": source,
        "sinks": sinks,
        "artifact_id": name,
        "project_name": name,
        "package": "com.example." + name.replace("-", ""),
    }
    return workspace.generate(parent / name, answers)


def _quickstart(parent: Path, name: str, wrapper_from: Path, dependency: tuple[str, str, str]) -> Path:
    """The archetype's project with ``dependency`` (group, artifact, version) added by hand."""
    project = archetype.generate(parent, name)
    maven.add_dependency(project / "pom.xml", *dependency)
    copy_wrapper(wrapper_from, project)
    return project


def ships_c1(project: Path) -> bool:
    """Whether the generated project already runs Maven's JVM with the C1 compiler only."""
    config = project / ".mvn" / "jvm.config"
    return config.is_file() and _C1_FLAG in config.read_text(encoding="utf-8")


def _other_jvm(project: Path) -> Path:
    """A copy of ``project`` with the other Maven JVM: C1-only if it has the default, else the default."""
    config = Path(".mvn") / "jvm.config"
    copy = project.with_name(project.name + "-other-jvm")
    shutil.copytree(project, copy)
    if ships_c1(project):
        (copy / config).unlink()
    else:
        (copy / config).write_text(FAST_JVM + "\n", encoding="utf-8")
    return copy


def projects(workspace: Workspace) -> list[Project]:
    """The generated projects, the archetype's, and the JVM-flag experiment."""
    from msf_scaffold.catalog import load_catalog  # noqa: PLC0415 - pydantic is slow to import

    kafka_version = load_catalog().pins()["kafka_connector"].value_for(LINE)
    if kafka_version is None:
        raise BenchmarkError(f"the catalog has no Kafka connector for Flink {LINE}")
    parent = workspace.directory("build")
    ours_a = _ours(workspace, parent, "ours-datagen-print", "datagen", ["print"])
    ours_b = _ours(workspace, parent, "ours-kafka-kafka", "kafka", ["kafka"])
    run(["./mvnw", "-B", "-v"], ours_a)  # installs the wrapper's Maven on first use (untimed)
    datagen = ("org.apache.flink", "flink-connector-datagen", "${flink.version}")
    quick_a = _quickstart(parent, "quickstart-datagen", ours_a, datagen)
    kafka = ("org.apache.flink", "flink-connector-kafka", kafka_version)
    quick_b = _quickstart(parent, "quickstart-kafka", ours_a, kafka)
    flink = archetype.flink_version(quick_a)
    return [
        Project("quickstart-a", f"(a) archetype + flink-connector-datagen {flink}", quick_a, "quickstart-a"),
        Project("ours-a", "(a) msf-scaffold datagen -> print, Flink 2.2", ours_a, "quickstart-a"),
        Project(
            "quickstart-b", f"(b) archetype + flink-connector-kafka {kafka_version}", quick_b, "quickstart-b"
        ),
        Project("ours-b", "(b) msf-scaffold kafka -> kafka, Flink 2.2", ours_b, "quickstart-b"),
        Project("ours-a-other-jvm", "(a) with the other Maven JVM", _other_jvm(ours_a), "ours-a"),
    ]


def _case(project: Project, sizes: dict[str, list[float]]) -> Case:
    def measure(_: int) -> float:
        seconds = maven.timed_offline(
            _package, project.path, prepare=lambda: remove(project.path / "target")
        ).seconds
        sizes.setdefault(project.key, []).append(maven.shaded_jar(project.path).stat().st_size / 1e6)
        return seconds

    return Case(project.key, measure)


def java_files(project: Path) -> int:
    """Java source files of a project (main and test), all compiled by ``package``."""
    return sum(1 for _ in (project / "src").rglob("*.java"))


def run_stage(workspace: Workspace, repeats: int) -> list[Table]:
    """Stage 3: build time and shaded JAR size, and the ``.mvn/jvm.config`` experiment."""
    built = projects(workspace)
    by_key = {project.key: project for project in built}
    sizes: dict[str, list[float]] = {}
    samples = interleave("build", [_case(p, sizes) for p in built], repeats)
    times = Table(
        "build",
        "Build: clean `./mvnw -B -o -q package -DskipTests`",
        "the archetype's project with the same connector added by hand, same repetition",
    )
    jars = Table(
        "jar", "Build: shaded JAR size", "the archetype project's shaded JAR with the same connector"
    )
    for project in built:
        if project.key == "ours-a-other-jvm":
            continue
        times.add(project.key, project.label, "s", samples[project.key], samples[project.baseline])
        jars.add(project.key, project.label, "MB", sizes[project.key], sizes[project.baseline])
    for key in ("ours-a", "quickstart-a"):
        times.facts[f"java_files_{key}"] = java_files(by_key[key].path)
    times.notes.append(
        f"The archetype is {archetype.COORDINATE} (Flink {archetype.flink_version(built[0].path)}, Java 11 "
        "target); its projects build with the generated projects' Maven Wrapper, so Maven and JDK are the "
        f"same on both sides. `package` compiles {times.facts['java_files_ours-a']:.0f} Java files (main and "
        f"test) of project (a) against {times.facts['java_files_quickstart-a']:.0f} of the archetype's, and "
        "runs the enforcer rules. Kinesis projects are not built: the Maven repository in use lacks "
        "`org.apache.flink:flink-connector-aws-kinesis-streams` for Flink 1.20 and 2.x."
    )
    jars.notes.append(
        "msf-scaffold's JARs bundle jackson-databind (JSON parsing of records); the quickstart's skeleton "
        "parses nothing. Both keep Flink and logging out of the JAR."
    )
    times.notes.append(
        "The archetype's projects get the wrapper only (`mvnw`, `.mvn/wrapper`), not a generated "
        "project's `.mvn/jvm.config`."
    )
    return [times, jars, jvm_table(by_key["ours-a"].path, samples)]


def jvm_table(generated: Path, samples: dict[str, list[float]]) -> Table:
    """Project (a) with a C1-only Maven JVM against the default JVM, whichever the template ships."""
    shipped = ships_c1(generated)
    c1, default = ("ours-a", "ours-a-other-jvm") if shipped else ("ours-a-other-jvm", "ours-a")
    table = Table(
        "build-jvm",
        "Build: a C1-only Maven JVM via `.mvn/jvm.config` (experiment)",
        "project (a) with the default Maven JVM (no `.mvn/jvm.config`), same repetition",
    )
    table.add("jvm-default", "(a) default Maven JVM", "s", samples[default], samples[default])
    table.add("jvm-c1", f"(a) `.mvn/jvm.config`: `{FAST_JVM}`", "s", samples[c1], samples[default])
    table.facts["template_ships_c1"] = float(shipped)
    if shipped:
        origin = (
            "The template ships this file: the C1 row is project (a) as generated, the default row a copy"
        )
        origin += " without it."
    else:
        origin = "The template has no such file: the default row is project (a) as generated, the C1 row a"
        origin += " copy with it."
    table.notes.append(
        origin + " Maven reads `.mvn/jvm.config` on every `./mvnw` run; forked test JVMs are not affected."
    )
    return table
