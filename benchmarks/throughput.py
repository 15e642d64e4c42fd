"""The generated job: records per second of StockPricePipeline, POJO serializers against Kryo.

A datagen -> print project for Flink 2.2 is generated into the run's temporary directory, and
``java/PipelineThroughputBenchmark.java.tmpl`` is written into its ``src/test/java`` (never into the
template). Each sample is a fresh JVM that starts a MiniCluster, runs a warm-up job, then the
measured job; the figure is records / the job's net runtime, so JVM and cluster start-up are
excluded. The baseline is the same job with ``pipeline.force-kryo`` set.
"""

from __future__ import annotations

import json
import re
import shlex
import statistics
from dataclasses import dataclass
from pathlib import Path
from string import Template

from benchmarks import maven
from benchmarks.stats import Table
from benchmarks.timing import BenchmarkError, Case, interleave, run
from benchmarks.workspace import Workspace

PACKAGE = "com.example.throughput"
MAIN = f"{PACKAGE}.PipelineThroughputBenchmark"
SOURCE = Path(__file__).with_name("java") / "PipelineThroughputBenchmark.java.tmpl"
CLASSPATH_FILE = "target/benchmark-classpath.txt"
_RESULT = re.compile(r"^BENCHMARK-RESULT records=(\d+) millis=(\d+) cpu-millis=(\d+)$", re.MULTILINE)
_SERIALIZER = re.compile(r"^BENCHMARK-SERIALIZER (\S+)$", re.MULTILINE)
#: The serializer each mode must use for StockPrice, checked on every run.
EXPECTED_SERIALIZER = {"pojo": "PojoSerializer", "kryo": "KryoSerializer"}


@dataclass(frozen=True)
class Sample:
    """One measured job."""

    records: int
    millis: int
    cpu_millis: int

    @property
    def records_per_second(self) -> float:
        """Records over the job's net runtime."""
        return self.records / (self.millis / 1000)

    @property
    def records_per_cpu_second(self) -> float:
        """Records over the CPU time the JVM used while the job ran."""
        return self.records / (self.cpu_millis / 1000)


@dataclass(frozen=True)
class JvmResult:
    """The measured jobs of one JVM and the serializer they used; a JVM's figure is their median."""

    jobs: tuple[Sample, ...]
    serializer: str

    @property
    def records_per_second(self) -> float:
        """Median records per second of the jobs."""
        return statistics.median(job.records_per_second for job in self.jobs)

    @property
    def records_per_cpu_second(self) -> float:
        """Median records per CPU second of the jobs."""
        return statistics.median(job.records_per_cpu_second for job in self.jobs)

    @classmethod
    def parse(cls, output: str) -> JvmResult:
        """Reads the benchmark class's output."""
        jobs = tuple(Sample(*(int(value) for value in match)) for match in _RESULT.findall(output))
        serializers = _SERIALIZER.findall(output)
        if not jobs or not serializers:
            raise BenchmarkError(f"no benchmark result in the output:\n{output[-2000:]}")
        return cls(jobs, serializers[-1])


def prepare(workspace: Workspace) -> tuple[Path, list[str]]:
    """Generates the project, adds the benchmark class, and returns it with the java command prefix."""
    project = workspace.generate(
        workspace.root / "throughput",
        {
            "flink_version": "2.2",
            "source": "datagen",
            "sinks": ["print"],
            "artifact_id": "throughput",
            "project_name": "Throughput",
            "package": PACKAGE,
        },
    )
    target = project / "src/test/java" / Path(*PACKAGE.split(".")) / SOURCE.name.removesuffix(".tmpl")
    target.write_text(
        Template(SOURCE.read_text(encoding="utf-8")).substitute(package=PACKAGE), encoding="utf-8"
    )
    goals = (
        "test-compile",
        "dependency:build-classpath",
        "-Dmdep.includeScope=test",
        f"-Dmdep.outputFile={CLASSPATH_FILE}",
    )
    maven.run_offline(lambda offline: maven.wrapper(*goals, offline=offline), project)
    classpath = ":".join(
        [
            "target/test-classes",
            "target/classes",
            (project / CLASSPATH_FILE).read_text(encoding="utf-8").strip(),
        ]
    )
    jvm_options = shlex.split(maven.pom_property(project / "pom.xml", "flink.jvm.options"))
    scratch = workspace.directory("throughput-tmp")  # MiniCluster's blob and spill directories
    return project, ["java", *jvm_options, f"-Djava.io.tmpdir={scratch}", "-cp", classpath, MAIN]


def datagen_floor(project: Path) -> float | None:
    """Seconds the local data generator needs at least: ``max.records / records.per.second``.

    Values come from the project's local properties file, else from the catalog's defaults.
    """
    from msf_scaffold.catalog import load_catalog  # noqa: PLC0415 - pydantic is slow to import

    path = project / "src/main/resources/flink-application-properties-dev.json"
    groups = {g["PropertyGroupId"]: g["PropertyMap"] for g in json.loads(path.read_text(encoding="utf-8"))}
    role = load_catalog().connectors["datagen"].source
    if role is None:
        return None
    values = {p.key: p.default for p in role.properties} | groups.get(role.property_group, {})
    try:
        return float(values["max.records"] or 0) / float(values["records.per.second"] or 0)
    except (KeyError, ValueError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class Workload:
    """What each JVM runs: a warm-up job, then ``jobs`` measured jobs of ``records`` records."""

    records: int
    warmup: int
    parallelism: int
    jobs: int

    def arguments(self, mode: str) -> list[str]:
        """The benchmark class's arguments."""
        return [mode, str(self.records), str(self.warmup), str(self.parallelism), str(self.jobs)]


def run_stage(workspace: Workspace, repeats: int, workload: Workload) -> list[Table]:
    """Stage 5: records per second with POJO serializers against forced Kryo."""
    project, java = prepare(workspace)
    samples: dict[str, list[JvmResult]] = {"kryo": [], "pojo": []}
    records, warmup, parallelism = workload.records, workload.warmup, workload.parallelism

    def case(mode: str) -> Case:
        def measure(_: int) -> float:
            result = JvmResult.parse(run([*java, *workload.arguments(mode)], project).stdout)
            if not result.serializer.endswith(EXPECTED_SERIALIZER[mode]):
                raise BenchmarkError(f"{mode} run used {result.serializer}, not {EXPECTED_SERIALIZER[mode]}")
            samples[mode].append(result)
            return result.records_per_second

        return Case(mode, measure)

    rates = interleave("throughput", [case("kryo"), case("pojo")], repeats)
    table = Table(
        "throughput",
        f"The generated job: StockPricePipeline on a MiniCluster, parallelism {parallelism}",
        "the same job with `pipeline.force-kryo: true` (generic Kryo serialization), same repetition",
    )
    table.add(
        "kryo", "Kryo for every type (`pipeline.force-kryo`)", "records/s", rates["kryo"], rates["kryo"]
    )
    table.add("pojo", "POJO serializers (as generated)", "records/s", rates["pojo"], rates["kryo"])
    cpu = {mode: [sample.records_per_cpu_second for sample in samples[mode]] for mode in samples}
    table.add("kryo-cpu", "Kryo, records per CPU second of the JVM", "records/s", cpu["kryo"], cpu["kryo"])
    table.add("pojo-cpu", "POJO, records per CPU second of the JVM", "records/s", cpu["pojo"], cpu["kryo"])
    table.notes.append(
        f"Each sample is one JVM: a {warmup:,}-record warm-up job, then {workload.jobs} measured jobs of "
        f"{records:,} records in the same MiniCluster, summarised by their median. The job: parse JSON -> "
        "normalise -> keyBy ticker -> discarding sink, Flink 2.2. Records/s is records over the job's net "
        "runtime; records per CPU second divides by the CPU time the JVM used meanwhile (all threads), "
        "which load from other processes disturbs less. Each run checks the serializer in use: "
        + ", ".join(f"{mode}: {samples[mode][0].serializer.rsplit('.', 1)[-1]}" for mode in ("pojo", "kryo"))
        + "."
    )
    table.facts["parallelism"] = parallelism
    floor = datagen_floor(project)
    if floor is not None:
        table.facts["datagen_floor_s"] = floor
    return [table]
