"""The doctor's rules: small functions over a :class:`Project`, registered with their id.

Each rule yields :class:`Issue` objects (severity, what is wrong, how to fix it, where);
:func:`check` turns them into :class:`~msf_scaffold.doctor.report.Finding` objects with the rule's
id and name. docs/doctor.md describes every rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from msf_scaffold.catalog import DEAD_LETTER_GROUP, ConnectorRole
from msf_scaffold.doctor.iac import TRUST_PRINCIPAL
from msf_scaffold.doctor.jar import CLASS_MAJOR_OFFSET, RUNTIME_PREFIXES, ClassFile, MavenArtifact
from msf_scaffold.doctor.java import (
    Call,
    JavaFile,
    assigned_variable,
    block_end,
    blocks,
    calls,
    exclusive_ranges,
    following_calls,
    in_ranges,
    local_ranges,
    matching,
    method_body,
    receiver,
)
from msf_scaffold.doctor.pom import Dependency, Location
from msf_scaffold.doctor.project import FlinkVersion, Project
from msf_scaffold.doctor.remedies import (
    Remedy,
    SetScope,
    SetVersion,
    ShadeExclude,
    ShadeTransformer,
    uid_remedy,
)
from msf_scaffold.doctor.report import Finding, Severity
from msf_scaffold.properties import closest_name

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Issue:
    """What a rule found, before the rule's id and name are attached."""

    severity: Severity
    message: str
    fix: str
    where: Location
    #: What ``doctor --fix`` changes to fix it (docs/doctor.md), or None when it is not mechanical.
    remedy: Remedy | None = None


Check = Callable[[Project], Iterator[Issue]]


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    id: str
    name: str
    summary: str
    check: Check


RULES: list[Rule] = []


def rule(rule_id: str, name: str, summary: str) -> Callable[[Check], Check]:
    """Registers a check function as a rule."""

    def register(function: Check) -> Check:
        RULES.append(Rule(rule_id, name, summary, function))
        return function

    return register


def check(project: Project) -> list[Finding]:
    """Runs every rule on ``project``."""
    return [
        Finding(
            r.id, r.name, i.severity, i.message, i.fix, project.relative(i.where.file), i.where.line, i.remedy
        )
        for r in RULES
        for i in r.check(project)
    ]


def _plain(artifact: str) -> str:
    """The artifactId without a Scala suffix (``flink-streaming-scala_2.12`` -> ``flink-streaming-scala``)."""
    return re.sub(r"_2\.1\d$", "", artifact)


def _legacy_severity(project: Project) -> Severity:
    return ERROR if project.flink is not None and project.flink.major >= 2 else WARNING


def _breaks(project: Project) -> str:
    if project.flink is not None and project.flink.major >= 2:
        return (
            f"it was removed in Flink 2.0, so this project (Flink {project.flink.text}) does not build or run"
        )
    newer = [
        (version.major, version.minor, line.msf_runtime)
        for line_id, line in project.catalog.flink.lines.items()
        if (version := FlinkVersion.parse(line_id)) is not None and version.major >= 2
    ]
    target = f"MSF {max(newer)[2]}" if newer else "Flink 2"
    return f"it still works on Flink 1.x but was removed in Flink 2.0, so it blocks the move to {target}"


# MSF001 -------------------------------------------------------------------------------------

_SUFFIX = re.compile(r"-(\d+)\.(\d+)$")
_ICEBERG = re.compile(r"^iceberg-flink(?:-runtime)?-(\d+)\.(\d+)$")
_CDC = re.compile(r"^flink-(?:sql-)?connector-[\w-]+-cdc$")


@rule("MSF001", "connector-flink-mismatch", "connector built for another Flink line")
def connector_versions(project: Project) -> Iterator[Issue]:
    """Connector ``-X.Y`` version suffixes and Iceberg module suffixes against flink.version."""
    flink = project.flink
    if flink is None:
        return
    for dependency in project.pom.dependencies:
        version = dependency.version or ""
        if dependency.group == "org.apache.flink" and (suffix := _SUFFIX.search(version)):
            built = FlinkVersion.parse(f"{suffix.group(1)}.{suffix.group(2)}")
            yield from _compare_line(
                project, dependency, built, f"version {version}", dependency.version_where
            )
        elif dependency.group == "org.apache.flink" and _CDC.match(dependency.artifact) and flink.major >= 2:
            yield Issue(
                ERROR,
                f"{dependency.artifact} {version} has no -X.Y suffix: Flink CDC releases before 3.6 are"
                f" built for Flink 1.x and do not run on Flink {flink.text}.",
                f"Use Flink CDC 3.6 or newer built for this line, e.g. {dependency.artifact}"
                f":3.6.0-{flink.line}.",
                dependency.version_where,
            )
        elif dependency.group == "org.apache.iceberg" and (module := _ICEBERG.match(dependency.artifact)):
            built = FlinkVersion.parse(f"{module.group(1)}.{module.group(2)}")
            yield from _compare_line(project, dependency, built, "module", dependency.where)


def _compare_line(
    project: Project, dependency: Dependency, built: FlinkVersion | None, what: str, where: Location
) -> Iterator[Issue]:
    """Compares the Flink line a connector is built for with the project's line.

    A build for another major line or a newer minor line is an error. A build for an older minor
    line is a warning, unless the catalog pins a build of that line for the project's line (no
    connector release exists for every Flink minor, e.g. 4.0.1-2.0 is the Kafka connector for 2.2).
    """
    flink = project.flink
    assert flink is not None
    if built is None:
        return
    pinned = project.pinned_version(dependency.group, dependency.artifact)
    accepted = _SUFFIX.search(pinned or "")
    expected = FlinkVersion.parse(f"{accepted.group(1)}.{accepted.group(2)}") if accepted else flink
    assert expected is not None
    if (built.major, built.minor) in ((flink.major, flink.minor), (expected.major, expected.minor)):
        return
    example = f" ({pinned} is the version msf-scaffold pins for Flink {flink.line})" if pinned else ""
    fix = (
        f"Use the {dependency.artifact} release built for Flink {expected.line}{example}; check the"
        " connector's compatibility table before changing its major version."
    )
    name = f"{dependency.group}:{dependency.artifact} {what}"
    remedy = SetVersion(dependency, pinned) if pinned and what.startswith("version ") else None
    if built.major != flink.major or built.minor > flink.minor:
        newer = "a newer Flink" if built.major == flink.major else f"Flink {built.major}.x"
        yield Issue(
            ERROR,
            f"{name} is built for Flink {built.line}, but the project uses Flink {flink.text}: a connector"
            f" for {newer} fails at runtime with missing or changed Flink classes.",
            fix,
            where,
            remedy,
        )
    elif built.minor < expected.minor:
        yield Issue(
            WARNING,
            f"{name} is built for Flink {built.line}, older than the project's Flink {flink.text}: it"
            f" usually works, but it is not the release built for Flink {expected.line}.",
            fix,
            where,
            remedy,
        )


# MSF002 -------------------------------------------------------------------------------------

_LEGACY_APIS: tuple[tuple[str, str, str], ...] = (
    (
        r"\baddSource\s*\(",
        "env.addSource(SourceFunction)",
        "use env.fromSource(source, watermarkStrategy, name) with a FLIP-27 Source",
    ),
    (
        r"\baddSink\s*\(",
        "stream.addSink(SinkFunction)",
        "use stream.sinkTo(sink) with a Sink V2 (KafkaSink, KinesisStreamsSink, FileSink, ...)",
    ),
    (
        r"\b\w*SourceFunction\b",
        "SourceFunction",
        "implement a FLIP-27 Source, or use DataGeneratorSource or a connector's Source",
    ),
    (
        r"\b\w*SinkFunction\b",
        "SinkFunction",
        "implement org.apache.flink.api.connector.sink2.Sink, or use a connector's Sink",
    ),
    (
        r"\bFlinkKinesisConsumer\b",
        "FlinkKinesisConsumer",
        "use KinesisStreamsSource (flink-connector-aws-kinesis-streams); its state is not compatible, so"
        " give it a new uid, start AT_TIMESTAMP and restore with allowNonRestoredState",
    ),
    (r"\bFlinkKinesisProducer\b", "FlinkKinesisProducer", "use KinesisStreamsSink"),
    (r"\bFlinkKafkaConsumer\w*\b", "FlinkKafkaConsumer", "use KafkaSource"),
    (r"\bFlinkKafkaProducer\w*\b", "FlinkKafkaProducer", "use KafkaSink"),
    (
        r"\borg\.apache\.flink\.streaming\.api\.windowing\.time\.Time\b",
        "org.apache.flink.streaming.api.windowing.time.Time",
        "use java.time.Duration (TumblingEventTimeWindows.of(Duration.ofMinutes(1)), available since 1.19)",
    ),
    (
        r"\borg\.apache\.flink\.api\.common\.time\.Time\b",
        "org.apache.flink.api.common.time.Time",
        "use java.time.Duration",
    ),
    (
        r"\borg\.apache\.flink\.api\.java\.utils\.ParameterTool\b",
        "org.apache.flink.api.java.utils.ParameterTool",
        "use org.apache.flink.util.ParameterTool",
    ),
    (
        r"\bTimeCharacteristic\b",
        "TimeCharacteristic",
        "remove it: event time is the default; declare time with a WatermarkStrategy",
    ),
    (
        r"\b(?:registerTypeWithKryoSerializer|addDefaultKryoSerializer|enableForceKryo)\s*\(",
        "Kryo registration on ExecutionConfig",
        "make the types POJOs (or use @TypeInfo) or register serializers with pipeline.serialization-config",
    ),
    (
        r"\bdisableGenericTypes\s*\(\s*\)",
        "ExecutionConfig#disableGenericTypes()",
        "set pipeline.generic-types to false (SerializerConfig#setGenericTypes(false)),"
        " in tests or local runs only",
    ),
    (
        r"\bvoid\s+open\s*\(\s*(?:final\s+)?(?:org\s*\.\s*apache\s*\.\s*flink\s*\.\s*configuration\s*\.\s*)?"
        r"Configuration\b",
        "open(Configuration) in a rich function",
        "override open(OpenContext openContext) instead (available since Flink 1.19)",
    ),
    (r"\bStreamingFileSink\b", "StreamingFileSink", "use FileSink with stream.sinkTo(...)"),
    (
        r"\bsetStateBackend\s*\(|\bFsStateBackend\b|\bMemoryStateBackend\b",
        "the state backend API",
        "remove it: MSF configures the state backend (RocksDB) and checkpoint storage",
    ),
    (r"\bRestartStrategies\b", "RestartStrategies", "remove it: MSF configures the restart strategy"),
)
_LEGACY_PATTERNS = tuple((re.compile(p), what, fix) for p, what, fix in _LEGACY_APIS)


@rule("MSF002", "legacy-api", "legacy API or connector removed in Flink 2")
def legacy_apis(project: Project) -> Iterator[Issue]:
    """Banned legacy artifacts in the pom and removed APIs in src/main/java."""
    severity, breaks = _legacy_severity(project), _breaks(project)
    banned = {
        _plain(b.coordinate.split(":")[1]): b.why
        for b in project.catalog.build.banned
        if b.coordinate.startswith("org.apache.flink:")
    }
    for dependency in project.pom.dependencies:
        why = banned.get(_plain(dependency.artifact)) if dependency.group == "org.apache.flink" else None
        if why is not None:
            what, _, fix = why.partition("; ")
            fix = fix or "remove the dependency"
            yield Issue(
                severity,
                f"The pom depends on {dependency.key} ({what}): {breaks}.",
                fix[0].upper() + fix[1:] + ".",
                dependency.where,
            )
    for source in project.java:
        yield from _legacy_in(source, severity, breaks)


def _legacy_in(source: JavaFile, severity: Severity, breaks: str) -> Iterator[Issue]:
    for pattern, what, fix in _LEGACY_PATTERNS:
        lines = sorted({source.line_of(m.start()) for m in pattern.finditer(source.code)})
        if lines:
            more = (
                f" (also on line{'s' * (len(lines) > 2)} {', '.join(map(str, lines[1:]))})"
                if lines[1:]
                else ""
            )
            yield Issue(
                severity,
                f"Uses {what}{more}: {breaks}.",
                fix[0].upper() + fix[1:] + ".",
                Location(source.path, lines[0]),
            )


# MSF003 -------------------------------------------------------------------------------------

#: Flink artifacts the MSF runtime provides that the catalog does not declare ``provided`` itself:
#: flink-dist's modules and the jars of the Flink distribution's lib/ folder (flink-csv is there on
#: 1.20 and 2.x, like flink-json and flink-connector-files, which the catalog declares).
#: flink-avro, flink-parquet and flink-connector-datagen are not in lib/: projects bundle them.
_FLINK_RUNTIME_ARTIFACTS = frozenset(
    {
        "flink-streaming-java", "flink-clients", "flink-core", "flink-runtime", "flink-java",
        "flink-table-api-java", "flink-table-api-java-bridge", "flink-table-runtime", "flink-table-common",
        "flink-connector-base", "flink-runtime-web", "flink-csv",
    }
)  # fmt: skip
_LOGGING_GROUPS = {"org.apache.logging.log4j": "log4j 2", "org.slf4j": "slf4j"}


@rule("MSF003", "runtime-bundled", "Flink, log4j or slf4j packed into the application JAR")
def runtime_bundled(project: Project) -> Iterator[Issue]:
    """Non-provided Flink artifacts, logging jars the shade plugin lets in, and the built JAR."""
    provided = _runtime_provided(project)
    shade = project.pom.shade
    for dependency in project.pom.dependencies:
        artifact = _plain(dependency.artifact)
        runtime_artifact = artifact in provided or artifact.startswith("flink-table-planner")
        bundled = dependency.bundled and (
            shade is None or shade.bundles(dependency.group, dependency.artifact)
        )
        if dependency.group == "org.apache.flink" and runtime_artifact and bundled:
            yield Issue(
                ERROR,
                f"{dependency.key} has scope {dependency.scope}, so it is packed into the application"
                " JAR: the MSF runtime provides Flink, and a second copy causes class conflicts"
                " (ClassCastException, LinkageError) and a bigger JAR.",
                "Add <scope>provided</scope> to the dependency (for runs in the IDE, add provided"
                " dependencies to the run configuration's classpath).",
                dependency.where,
                SetScope(dependency),
            )
    if shade is not None:
        yield from _bundled_logging(project)
    if project.jar is not None:
        yield from _jar_findings(project)


def _runtime_provided(project: Project) -> frozenset[str]:
    """Flink artifacts the runtime provides.

    The list above, and every ``org.apache.flink`` artifact the catalog declares ``provided``
    (build.yml, and connectors such as flink-json and flink-connector-files) and never bundles.
    """
    catalog = project.catalog
    declared = [
        *catalog.build.dependencies,
        *(d for connector in catalog.connectors.values() for d in connector.dependencies),
    ]
    flink = [d for d in declared if d.group == "org.apache.flink"]
    bundled = {d.artifact for d in flink if d.scope in ("compile", "runtime")}
    return _FLINK_RUNTIME_ARTIFACTS | ({d.artifact for d in flink if d.scope == "provided"} - bundled)


def _bundled_logging(project: Project) -> Iterator[Issue]:
    shade = project.pom.shade
    assert shade is not None
    for group, label in _LOGGING_GROUPS.items():
        bundled = [
            d
            for d in project.pom.dependencies
            if d.group == group and d.bundled and shade.bundles(d.group, d.artifact)
        ]
        if not bundled:
            continue
        names = ", ".join(f"{d.artifact} ({d.scope})" for d in bundled)
        trap = ""
        if group == "org.apache.logging.log4j" and any(p.startswith("log4j:") for p in shade.excludes):
            trap = (
                " The shade plugin excludes `log4j:*`, but that pattern matches only log4j 1.x (groupId"
                " `log4j`); log4j 2 has the groupId org.apache.logging.log4j."
            )
        yield Issue(
            ERROR,
            f"{label} is packed into the application JAR: {names} are not excluded by the"
            f" maven-shade-plugin's artifactSet.{trap} MSF brings its own logging; a bundled copy"
            " conflicts with it and the bundled configuration is ignored.",
            f"Add <exclude>{group}:*</exclude> to the maven-shade-plugin's <artifactSet><excludes>"
            " (keep the dependencies for local runs, or give them provided scope).",
            bundled[0].where,
            ShadeExclude(shade.where, f"{group}:*"),
        )


def _jar_findings(project: Project) -> Iterator[Issue]:
    jar = project.jar
    assert jar is not None
    by_label: dict[str, list[str]] = defaultdict(list)
    for prefix, entries in jar.runtime_entries.items():
        by_label[RUNTIME_PREFIXES[prefix]].extend(entries)
    for label, found in by_label.items():
        prefixes = sorted(p for p in jar.runtime_entries if RUNTIME_PREFIXES[p] == label)
        yield Issue(
            ERROR,
            f"The built JAR contains {len(found)} {label} entries under {', '.join(prefixes)}"
            f" (e.g. {found[0]}), classes the MSF runtime already provides; this is evidence from the"
            " JAR itself, whatever the pom says.",
            "Find the dependency that brings them (`./mvnw dependency:tree`), give Flink artifacts"
            " provided scope and exclude org.apache.logging.log4j:* and org.slf4j:* in the shade"
            " plugin's artifactSet, then rebuild.",
            Location(jar.path, None),
        )


# MSF004 -------------------------------------------------------------------------------------


@rule("MSF004", "shade-config", "no fat JAR or META-INF/services not merged")
def shade_config(project: Project) -> Iterator[Issue]:
    """The shade plugin exists and merges ``META-INF/services`` with ServicesResourceTransformer."""
    shade = project.pom.shade
    if shade is None:
        yield Issue(
            ERROR,
            "The pom has no maven-shade-plugin: MSF runs one application JAR that must contain the job"
            " and every connector it uses.",
            "Add the maven-shade-plugin (goal shade, phase package) with a ServicesResourceTransformer and"
            " a ManifestResourceTransformer naming the main class, and exclude Flink, log4j and slf4j.",
            Location(project.pom.path, None),
        )
        return
    if shade.has_transformer("ServicesResourceTransformer"):
        return
    needs = _service_loader_users(project)
    yield Issue(
        ERROR if needs else WARNING,
        "The maven-shade-plugin has no ServicesResourceTransformer, so META-INF/services files of"
        " different JARs overwrite each other"
        + (f" ({needs} register factories there)" if needs else "")
        + ": Flink then cannot find connector, format or table factories at runtime.",
        '<transformer implementation="org.apache.maven.plugins.shade.resource.ServicesResourceTransformer"/>'
        " belongs in the shade plugin's <transformers>.",
        shade.where,
        ShadeTransformer(shade.where),
    )


def _service_loader_users(project: Project) -> str:
    users = [
        d.artifact
        for d in project.pom.dependencies
        if d.bundled
        and (
            "connector" in d.artifact
            or d.group == "org.apache.iceberg"
            or (
                d.group == "org.apache.flink"
                and d.artifact.startswith(("flink-table", "flink-sql", "flink-avro"))
            )
        )
    ]
    if any(re.search(r"\borg\.apache\.flink\.table\b", f.code) for f in project.java):
        users.append("the Table API")
    return ", ".join(users)


# MSF005 -------------------------------------------------------------------------------------

_SERVICE_OWNED = {
    "enableCheckpointing": "CheckpointConfiguration",
    "getCheckpointConfig": "CheckpointConfiguration",
    "setParallelism": "ParallelismConfiguration",
    "setMaxParallelism": "ParallelismConfiguration",
    "setStateBackend": "",
    "setRestartStrategy": "",
}
_ENVIRONMENT_FACTORY = re.compile(r"^[\w.]*\b(?:get|create)\w*Environment\([^()]*\)$")


@rule("MSF005", "service-owned-config", "checkpointing or parallelism set in code outside a local guard")
def service_owned_config(project: Project) -> Iterator[Issue]:
    """Calls that change what MSF's application configuration owns, outside local-only code."""
    names = frozenset(_SERVICE_OWNED)
    generators = {
        f"{source.path.stem}.{m.group(1)}"
        for source in project.java
        for m in _GENERATOR_FACTORY.finditer(source.code)
    }
    for source in project.java:
        ranges = local_ranges(source.code)
        environments = source.environment_variables()
        for call in calls(source.code, names):
            if in_ranges(call.start, ranges):
                continue
            line = source.line_of(call.start)
            target = re.sub(r"\s+", "", receiver(source.code, call.start))
            on_environment = target in environments or bool(_ENVIRONMENT_FACTORY.match(target))
            if call.name in ("setParallelism", "setMaxParallelism") and not on_environment:
                if _generator_source(source, receiver(source.code, call.start), generators):
                    continue  # a test or demo source: its parallelism is deliberate
                yield Issue(
                    WARNING,
                    f"{call.name}(...) on a single operator fixes its parallelism, so the application's"
                    " Parallelism and MSF autoscaling no longer apply to it.",
                    "Remove it unless the operator must run with a fixed parallelism (for example a"
                    " non-parallel sink); then keep it and say why in a comment.",
                    Location(source.path, line),
                )
                continue
            yield _service_owned_issue(call.name, source.path, line)


_GENERATOR_SOURCE_CALL = re.compile(r"\.\s*(fromSource|fromSequence)\s*\(")
#: A variable, field or method of type DataGeneratorSource: ``DataGeneratorSource<T> name =`` or ``(``.
_GENERATOR_DECLARATION = re.compile(r"\bDataGeneratorSource\s*<[^;=(){}]*>\s+(\w+)\s*[=;]")
_GENERATOR_FACTORY = re.compile(r"\bDataGeneratorSource\s*<[^;=(){}]*>\s+(\w+)\s*\(")


def _generator_source(source: JavaFile, target: str, factories: set[str]) -> bool:
    """Whether ``target`` (what setParallelism is called on) is a data generator source.

    That is ``env.fromSequence(...)``, or ``env.fromSource(...)`` of a ``new
    DataGeneratorSource<>(...)``, of a variable declared as a DataGeneratorSource, or of a method
    that returns one, followed only by settings such as ``.uid(...)`` and ``.name(...)``.
    """
    found = list(_GENERATOR_SOURCE_CALL.finditer(target))
    if not found:
        return False
    last = found[-1]
    close = matching(target, last.end() - 1)
    if any(c.name not in _MODIFIERS | {"uid", "setUidHash"} for c in following_calls(target, close + 1)):
        return False  # setParallelism applies to a later operator
    if last.group(1) == "fromSequence":
        return True
    return _generator_argument(
        source, re.sub(r"\s+", "", target[last.end() : close].split(",", 1)[0]), factories
    )


def _generator_argument(source: JavaFile, argument: str, factories: set[str]) -> bool:
    """Whether the first argument of ``fromSource`` (without spaces) makes a DataGeneratorSource."""
    if re.match(r"new\s*DataGeneratorSource\b", argument):
        return True
    if re.fullmatch(r"(?:this\.)?\w+", argument):  # a variable or field
        return argument.removeprefix("this.") in _GENERATOR_DECLARATION.findall(source.code)
    call = re.match(r"(?:[\w.]*\.)?(\w+)\.(\w+)\(|(\w+)\(", argument)
    if call is None:
        return False
    qualified = f"{call.group(1)}.{call.group(2)}" if call.group(2) else f"{source.path.stem}.{call.group(3)}"
    return qualified in factories


def _service_owned_issue(name: str, path: Path, line: int) -> Issue:
    setting = _SERVICE_OWNED[name]
    if setting:
        fix = (
            f"Call it only in local runs: `if (env instanceof LocalStreamEnvironment) {{ ... }}`; on MSF set"
            f" the application's {setting} (ConfigurationType CUSTOM)."
        )
    else:
        fix = "Remove it (or call it only in local runs): MSF manages the state backend and restart strategy."
    return Issue(
        ERROR,
        f"{name}(...) runs outside a local-only block: on MSF the application configuration owns"
        " checkpointing, parallelism, state backend and restart strategy, so the value is ignored or"
        " overrides the service (autoscaling stops), and Flink 2.2 on MSF rejects such changes.",
        fix,
        Location(path, line),
    )


# MSF006 -------------------------------------------------------------------------------------

_SOURCES_AND_SINKS = frozenset({"fromSource", "sinkTo", "addSource", "addSink"})
_OPERATORS = frozenset({"process", "map", "flatMap", "filter", "reduce", "aggregate", "apply"})
_MODIFIERS = frozenset(
    {
        "name", "setDescription", "returns", "setParallelism", "setMaxParallelism", "forceNonParallel",
        "setBufferTimeout", "disableChaining", "startNewChain", "slotSharingGroup",
    }
)  # fmt: skip
_JAVA_STREAM = re.compile(
    r"\.(?:stream|parallelStream|entrySet|keySet|values)\(\)|\b(?:Stream|IntStream|LongStream|Arrays|Optional"
    r"|CompletableFuture|Collectors)\b"
)
_STATE_OF = {
    "fromSource": "source's state (its read positions)",
    "addSource": "source's state (its read positions)",
    "sinkTo": "sink's state (pending writes or transactions)",
    "addSink": "sink's state (pending writes or transactions)",
}
_TERMINALS = frozenset(
    {"collect", "findFirst", "findAny", "toList", "orElse", "orElseGet", "forEach", "count"}
)


@rule("MSF006", "missing-uid", "operator without a uid")
def missing_uids(project: Project) -> Iterator[Issue]:
    """Sources, sinks and operators whose chain ends before a ``.uid(...)``."""
    for source in project.java:
        if source.uses_datastream:
            yield from _missing_uids_in(source)


def _missing_uids_in(source: JavaFile) -> Iterator[Issue]:
    code = source.code
    for call in calls(code, _SOURCES_AND_SINKS | _OPERATORS):
        on = receiver(code, call.start)
        chain = list(following_calls(code, call.end))
        if _JAVA_STREAM.search(on) or any(c.name in _TERMINALS for c in chain):
            continue  # java.util.stream or Optional, not a DataStream
        if call.name == "apply" and "window" not in on.lower():
            continue
        uid = False
        for following in chain:
            if following.name in ("uid", "setUidHash"):
                uid = True
                break
            if following.name not in _MODIFIERS:
                break
        if uid or _uid_set_later(code, call, chain):
            continue
        edge = call.name in _SOURCES_AND_SINKS
        yield Issue(
            ERROR if edge else WARNING,
            f".{call.name}(...) has no .uid(...): Flink then derives the operator id from the job graph,"
            " so after a change to the job this "
            + _STATE_OF.get(call.name, "operator's state")
            + " cannot be restored from the snapshot MSF takes on every update.",
            f'Add .uid("<stable-unique-id>") (and .name(...)) after .{call.name}(...); never change a uid'
            " once the job runs in production.",
            Location(source.path, source.line_of(call.start)),
            uid_remedy(source, call, chain, _MODIFIERS) if edge else None,
        )

    yield from _iceberg_flink_sinks(source)


def _uid_set_later(code: str, call: Call, chain: list[Call]) -> bool:
    """Whether the operator is assigned to a variable that a later statement gives a uid.

    ``s = env.fromSource(...);`` (only settings may follow the call) and then, in the same block,
    ``s.uid("x")`` or ``s.name("n").uid("x")``.
    """
    if any(c.name not in _MODIFIERS for c in chain):
        return False
    end = chain[-1].end if chain else call.end
    variable = assigned_variable(code, call.start)
    if variable is None or not code[end:].lstrip().startswith(";"):
        return False
    limit = block_end(code, end)
    for use in re.finditer(rf"(?<![\w.]){re.escape(variable)}(?=\s*\.)", code[end:limit]):
        for following in following_calls(code, end + use.end()):
            if following.name in ("uid", "setUidHash"):
                return True
            if following.name not in _MODIFIERS:
                break
    return False


_ICEBERG_FLINK_SINK = re.compile(r"\bFlinkSink\s*\.\s*(?:forRowData|forRow|builderFor)\s*\(")


def _iceberg_flink_sinks(source: JavaFile) -> Iterator[Issue]:
    """Iceberg's ``FlinkSink`` builder chains that reach ``.append()`` without ``.uidPrefix(...)``.

    The builder adds its own writer and committer operators (the committer keeps the pending
    commits in state); it sets their uids only from ``uidPrefix``. Iceberg's ``IcebergSink``
    derives its uids from the table name (or ``uidSuffix``), so it is fine without one.
    """
    code = source.code
    for match in _ICEBERG_FLINK_SINK.finditer(code):
        names = [c.name for c in following_calls(code, matching(code, match.end() - 1) + 1)]
        if "append" not in names or "uidPrefix" in names[: names.index("append")]:
            continue
        yield Issue(
            ERROR,
            "Iceberg's FlinkSink builder reaches .append() without .uidPrefix(...): its writer and"
            " committer then get ids derived from the job graph, so after a change to the job the"
            " committer's state (the pending Iceberg commits) cannot be restored from the snapshot MSF"
            " takes on every update.",
            'Add .uidPrefix("<stable-unique-prefix>") to the builder before .append() (or move to'
            " IcebergSink, which derives its uids from the table); never change it once the job runs"
            " in production.",
            Location(source.path, source.line_of(match.start())),
        )


# MSF010 -------------------------------------------------------------------------------------

_STRING_LITERAL = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*')


@dataclass(frozen=True)
class _Uid:
    value: str
    source: JavaFile
    offset: int


@rule("MSF010", "duplicate-uid", "the same uid on two operators")
def duplicate_uids(project: Project) -> Iterator[Issue]:
    """Literal ``.uid("x")`` values set twice in one method, outside exclusive branches."""
    for source in project.java:
        if not source.uses_datastream:
            continue
        code, all_blocks = source.code, blocks(source.code)
        groups = exclusive_ranges(code)
        by_key: dict[tuple[tuple[int, int] | None, str], list[_Uid]] = defaultdict(list)
        for call in calls(code, frozenset({"uid"})):
            literal = _STRING_LITERAL.fullmatch(source.text, code.find("(", call.start) + 1, call.end - 1)
            if literal is None:
                continue
            method = method_body(code, call.start, all_blocks)
            by_key[(method, literal.group(1))].append(_Uid(literal.group(1), source, call.start))
        for uids in by_key.values():
            for index, later in enumerate(uids[1:], start=1):
                first = next(
                    (u for u in uids[:index] if not _exclusive(groups, u.offset, later.offset)), None
                )
                if first is None:
                    continue
                first_place = f"{source.path.name}:{source.line_of(first.offset)}"
                yield Issue(
                    ERROR,
                    f'The uid "{later.value}" is already set on the operator at {first_place}: Flink'
                    " rejects the job at submission when two operators share a uid, so the application"
                    " does not start (and a uid changed later loses that operator's state).",
                    f"Give one of the two operators another uid (the one at {first_place} or this one);"
                    " keep the uid of the operator that already runs in production.",
                    Location(source.path, source.line_of(later.offset)),
                )


def _exclusive(groups: list[list[tuple[int, int]]], a: int, b: int) -> bool:
    """Whether offsets ``a`` and ``b`` lie in different ranges of one group (never both run)."""
    for ranges in groups:
        where_a = next((k for k, (start, end) in enumerate(ranges) if start <= a < end), None)
        where_b = next((k for k, (start, end) in enumerate(ranges) if start <= b < end), None)
        if where_a is not None and where_b is not None and where_a != where_b:
            return True
    return False


# MSF007 -------------------------------------------------------------------------------------


@rule("MSF007", "java-release", "Java release does not match the MSF runtime")
def java_release(project: Project) -> Iterator[Issue]:
    """The compiler's release/target against the Java version of the project's MSF runtime."""
    setting, line, flink = project.pom.java_release, project.catalog_line(), project.flink
    if setting is None or line is None or flink is None:
        return
    match = re.fullmatch(r"(?:1\.)?(\d+)", setting.value)
    if match is None:
        return
    release, expected = int(match.group(1)), line.java_release
    runtime = project.msf_runtime()
    if release > expected:
        problem = (
            f"compiles to Java {release} class files, but MSF {runtime} runs Java {expected}: the job fails"
            " with UnsupportedClassVersionError"
        )
    elif flink.major >= 2 and release < expected:
        problem = (
            f"compiles for Java {release}, but Flink {flink.line} on MSF ({runtime}) needs Java {expected}"
        )
    else:
        return
    yield Issue(
        ERROR,
        f"{setting.name} = {setting.value} {problem}.",
        f"Set <maven.compiler.release>{expected}</maven.compiler.release> (it replaces source and target)"
        f" and build with JDK {expected} or newer.",
        setting.where,
    )


# MSF008 -------------------------------------------------------------------------------------


@rule("MSF008", "iac-mismatch", "IaC runtime or IAM that does not match the project or MSF")
def iac_mismatch(project: Project) -> Iterator[Issue]:
    """Runtime ids in CloudFormation, Terraform and CDK against the pom; IAM prefix and principal."""
    flink, expected = project.flink, project.msf_runtime()
    seen: set[tuple[Path, int, str]] = set()
    for reference in project.iac.runtimes:
        key = (reference.file, reference.line, reference.runtime)
        if flink is None or key in seen or (reference.major, reference.minor) == (flink.major, flink.minor):
            continue
        seen.add(key)
        yield Issue(
            ERROR,
            f"Deploys MSF runtime {reference.runtime}, but pom.xml builds against Flink {flink.text}"
            f" ({expected}): a JAR built for another Flink line fails to start or to restore its state.",
            f"Use {expected} here, or move the pom (flink.version, connector versions, Java release) to"
            f" Flink {reference.major}.{reference.minor}.",
            Location(reference.file, reference.line),
        )
    for problem in project.iac.iam:
        if problem.kind == "action":
            action = problem.text.split(":", 1)[1]
            yield Issue(
                ERROR,
                f"Uses the IAM action {problem.text}: IAM knows MSF actions only under the kinesisanalytics:"
                " prefix (kinesisanalyticsv2 is the API and CLI name), so this statement grants nothing.",
                f"Write kinesisanalytics:{action}.",
                Location(problem.file, problem.line),
            )
        else:
            yield Issue(
                ERROR,
                f"Names the service principal {problem.text}: MSF assumes the execution role as"
                f" {TRUST_PRINCIPAL}, so the application cannot use a role that trusts another principal.",
                f"Use {TRUST_PRINCIPAL} as the Service principal in the execution role's trust policy.",
                Location(problem.file, problem.line),
            )


# MSF009 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RuntimeJava:
    """The Java release the application JAR must run on, and why."""

    release: int
    why: str


@dataclass(frozen=True)
class _Origin:
    """Where bundled classes come from: the project itself, artifacts of the JAR, or a package."""

    label: str
    artifacts: tuple[MavenArtifact, ...] = ()
    own: bool = False


_OWN_CLASSES = Path("target") / "classes"


@rule("MSF009", "class-version", "a class in the built JAR needs a newer Java than the MSF runtime")
def class_versions(project: Project) -> Iterator[Issue]:
    """Class-file versions in the built JAR against the Java of the project's MSF runtime."""
    jar, java = project.jar, _runtime_java(project)
    if jar is None or java is None:
        return
    too_new = [
        c for c in jar.classes if c.java > java.release and _loaded(c, jar.multi_release, java.release)
    ]
    by_origin: dict[_Origin, list[ClassFile]] = defaultdict(list)
    for found in too_new:
        by_origin[_origin(project, found)].append(found)
    for origin, classes in by_origin.items():
        newest = max(classes, key=lambda c: (c.major, c.entry))
        yield Issue(
            ERROR,
            f"The built JAR holds {len(classes)} class{'es' * (len(classes) > 1)} of {origin.label}"
            f" built for Java {newest.java} (class-file version {newest.major}, e.g. {newest.entry}),"
            f" but {java.why}: the JVM refuses to load {'them' if len(classes) > 1 else 'it'}"
            " (UnsupportedClassVersionError) and the job fails at start-up.",
            _class_version_fix(origin, java.release),
            Location(jar.path, None),
        )


def _runtime_java(project: Project) -> _RuntimeJava | None:
    """The Java release of the MSF runtime that runs the JAR.

    From the pom's Flink line; else from the runtime the IaC deploys (the oldest Java when it
    names several); else the compiler release the pom asks for.
    """
    line = project.catalog_line()
    if line is not None:
        return _RuntimeJava(line.java_release, f"MSF {project.msf_runtime()} runs Java {line.java_release}")
    lines = {line.msf_runtime: line for line in project.catalog.flink.lines.values()}
    deployed = sorted(
        (lines[r.runtime].java_release, r.runtime) for r in project.iac.runtimes if r.runtime in lines
    )
    if deployed:
        release, runtime = deployed[0]
        return _RuntimeJava(
            release, f"the infrastructure code deploys MSF {runtime}, which runs Java {release}"
        )
    setting = project.pom.java_release
    match = re.fullmatch(r"(?:1\.)?(\d+)", setting.value) if setting else None
    if setting is None or match is None:
        return None
    return _RuntimeJava(int(match.group(1)), f"the project builds for Java {match.group(1)} ({setting.name})")


def _loaded(found: ClassFile, multi_release: bool, release: int) -> bool:
    """Whether a JVM of ``release`` loads the entry.

    It loads a base class, and in a multi-release JAR an entry of ``META-INF/versions/N/`` with N
    up to ``release``; it skips newer ones, and every versioned entry of a JAR whose manifest
    does not say ``Multi-Release: true``.
    """
    if found.class_path.rsplit("/", 1)[-1] == "module-info.class":
        return False  # read only by the module system; on the class path it is never loaded
    directory = found.release_dir
    if directory is None:
        return not found.entry.startswith("META-INF/")
    return multi_release and directory <= release


def _origin(project: Project, found: ClassFile) -> _Origin:
    """Where a class of the JAR comes from.

    The project itself when its ``target/classes`` holds the class; else the artifacts whose
    ``pom.properties`` fit the class's package best; else the package.
    """
    if (project.root / _OWN_CLASSES / found.class_path).is_file():
        return _Origin("this project (its own code)", own=True)
    package = found.class_path.split("/")[:-1]
    assert project.jar is not None
    scored = [(_fit(artifact, package), artifact) for artifact in project.jar.artifacts]
    best = max((score for score, _ in scored), default=(0, 0))
    if best == (0, 0):
        return _Origin(f"package {'.'.join(package[:3]) or '(default)'}")
    artifacts = tuple(sorted((a for score, a in scored if score == best), key=str))
    names = ", ".join(map(str, artifacts[:3])) + (", ..." if len(artifacts) > 3 else "")
    return _Origin(names if len(artifacts) == 1 else f"one of {names}", artifacts)


def _fit(artifact: MavenArtifact, package: list[str]) -> tuple[int, int]:
    """How well an artifact fits a package (the segments of a class's directory), or (0, 0).

    An artifact fits when the package holds its whole groupId, at the start or further in (a
    relocated copy: ``org.apache.iceberg.shaded.com.fasterxml.jackson.core``), or starts with
    three or more segments of it and holds a word of the artifactId (jackson-databind, groupId
    com.fasterxml.jackson.core, in com.fasterxml.jackson.databind). The better fit matches more
    groupId segments, then more words of the artifactId.
    """
    group = artifact.group.split(".")
    words = sum(1 for word in re.split(r"[-_.]", artifact.artifact) if word in package)
    whole = any(package[start : start + len(group)] == group for start in range(len(package)))
    if whole:
        return len(group), words
    prefix = next((i for i, (a, b) in enumerate(zip(group, package, strict=False)) if a != b), len(group))
    return (prefix, words) if prefix >= 3 and words else (0, 0)


def _class_version_fix(origin: _Origin, release: int) -> str:
    if origin.own:
        return (
            f"Set <maven.compiler.release>{release}</maven.compiler.release> (it replaces source and"
            " target), then rebuild with `./mvnw package`."
        )
    which = origin.artifacts[0].artifact if len(origin.artifacts) == 1 else "the library that holds them"
    major = release + CLASS_MAJOR_OFFSET
    return (
        f"Use a release of {which} built for Java {release} (class-file version {major}) or older;"
        " for a connector's library, the version msf-scaffold pins for the line (`msf-scaffold"
        " versions`). `./mvnw dependency:tree` shows what brings it in; give it provided scope"
        " instead if the MSF runtime provides it. The enforcer rule enforceBytecodeVersion with"
        f" <maxJdkVersion>{release}</maxJdkVersion> fails the build on such a jar."
    )


# MSF011 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _KeyProblem:
    message: str
    fix: str


@rule("MSF011", "runtime-property-key", "a runtime property key or group no connector of the project reads")
def runtime_property_keys(project: Project) -> Iterator[Issue]:
    """Declared runtime property groups against the keys of the catalog's connector roles."""
    by_group: dict[str, list[ConnectorRole]] = defaultdict(list)
    for connector in project.catalog.connectors.values():
        for role in (connector.source, connector.sink):
            if role is not None:
                by_group[role.property_group].append(role)
    used = _used_roles(project, by_group)
    known_groups = [*by_group, DEAD_LETTER_GROUP]
    read_in_code = "\n".join(source.text for source in project.java)
    for declared in project.properties:
        severity = WARNING if declared.documentation else ERROR
        strict = declared.group in known_groups
        if declared.group == DEAD_LETTER_GROUP:
            sinks = [r for r in used if any(r is c.sink for c in project.catalog.connectors.values())]
            candidates = sinks or [c.sink for c in project.catalog.connectors.values() if c.sink is not None]
        elif strict:
            candidates = by_group[declared.group]
        else:
            near = closest_name(declared.group, known_groups)
            if near is not None and f'"{declared.group}"' not in read_in_code:
                yield Issue(
                    severity,
                    f"Property group '{declared.group}' is not a group of any connector; did you mean"
                    f" '{near}'? The job reads no group of that name, so none of its keys take effect"
                    " (a project generated by msf-scaffold refuses it at start-up).",
                    f"Rename the group to '{near}'{_where_else(declared.documentation)}.",
                    Location(declared.file, declared.line),
                )
                continue
            # An application's own group (InputStream0): checked only against the roles it resembles.
            candidates = [r for r in used if any(k.key in _listed(r) for k in declared.keys)]
        candidates = _closest_roles(candidates, [k.key for k in declared.keys])
        for key in declared.keys:
            problem = _key_problem(declared.group, key.key, key.valued, candidates, strict)
            if problem is not None:
                fix = problem.fix + _where_else(declared.documentation)
                yield Issue(severity, problem.message, fix + ".", Location(declared.file, key.line))


def _where_else(documentation: bool) -> str:
    return " (this is documentation: correct it where the application's runtime properties are set too)" * (
        documentation
    )


def _listed(role: ConnectorRole) -> list[str]:
    """The keys a role reads: its properties and, where the catalog lists them, its connector's own."""
    keys = list(dict.fromkeys(p.key for p in role.properties))
    return keys + (role.connector_keys.keys if role.connector_keys is not None else [])


def _used_roles(project: Project, by_group: dict[str, list[ConnectorRole]]) -> list[ConnectorRole]:
    """The roles of the connectors the pom depends on, and of the catalog groups the project declares.

    A connector counts when the pom has one of its compile dependencies that no other connector has.
    """

    def plain(artifact: str) -> str:
        return re.sub(r"-\d+\.\d+$", "", _plain(artifact))

    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for connector_id, connector in project.catalog.connectors.items():
        for dependency in connector.dependencies:
            if dependency.scope == "compile":
                owners[(dependency.group, plain(dependency.artifact))].add(connector_id)
    in_pom = {(d.group, plain(d.artifact)) for d in project.pom.dependencies}
    used = {next(iter(ids)) for coordinate, ids in owners.items() if len(ids) == 1 and coordinate in in_pom}
    connectors = [project.catalog.connectors[connector_id] for connector_id in sorted(used)]
    roles = [role for c in connectors for role in (c.source, c.sink) if role is not None]
    declared = [role for d in project.properties for role in by_group.get(d.group, [])]
    return list({id(role): role for role in [*roles, *declared]}.values())


def _closest_roles(roles: list[ConnectorRole], keys: list[str]) -> list[ConnectorRole]:
    """The roles that share the most keys with a group (all of them when none shares one)."""
    shared = [(sum(1 for key in set(keys) if key in _listed(role)), role) for role in roles]
    best = max((count for count, _ in shared), default=0)
    return [role for count, role in shared if count == best] if best else roles


def _key_problem(
    group: str, key: str, valued: bool, roles: list[ConnectorRole], strict: bool
) -> _KeyProblem | None:
    """What is wrong with ``key`` in a group read by one of ``roles``, or None.

    The rule of the generated start-up check (RuntimePropertySpec): a key no role lists is reported,
    with the closest listed key when it is a likely misspelling; a role that passes its other keys
    on accepts them, except near-misses, and except keys under the prefix its connector owns that it
    does not know (catalog ``connector_keys``). A group the catalog does not know (``strict`` False)
    may hold the application's own keys, so only near-misses and unknown keys under a connector's
    prefix are reported there.
    """
    listed = list(dict.fromkeys(k for role in roles for k in _listed(role)))
    if key in listed:
        secret = next((p.env for r in roles for p in r.properties if p.key == key and p.env), None)
        if secret is None or not valued:
            return None
        return _KeyProblem(
            f"Key '{key}' in property group '{group}' is a secret: runtime properties are visible to"
            " anyone who can describe the application, and a project generated by msf-scaffold refuses"
            " it at start-up.",
            f"Remove it and keep it in the Secrets Manager secret that 'secret.arn' names (for a local run,"
            f" in the environment variable {secret})",
        )
    ignored = "so the setting silently has no effect" + (
        " (a project generated by msf-scaffold refuses it at start-up)" * strict
    )
    near = closest_name(key, listed)
    if near is not None:
        return _KeyProblem(
            f"Key '{key}' in property group '{group}' is not a key of the group; did you mean '{near}'? No"
            f" connector reads '{key}', {ignored}.",
            f"Rename it to '{near}'",
        )
    owners = [r for r in roles if r.connector_keys is not None and key.startswith(r.connector_keys.prefix)]
    passing = [r for r in roles if r.passes_other_keys is not None and r not in owners]
    if owners and not passing:
        own = owners[0].connector_keys
        assert own is not None
        last = key.rsplit(".", 1)[-1]
        same_end = [k for k in listed if k.startswith(own.prefix) and k.rsplit(".", 1)[-1] == last]
        hint = f" ('{same_end[0]}' ends the same way)" if same_end else ""
        connector = re.sub(r"\s*\(.*\)$", "", owners[0].passes_other_keys or "the connector")
        return _KeyProblem(
            f"Key '{key}' in property group '{group}' is not a key of {connector}, which takes every"
            f" '{own.prefix}' key it knows from the group and ignores the others, so the setting silently"
            " has no effect.",
            f"Use the connector's key{hint}; its '{own.prefix}' keys are "
            + ", ".join(k for k in listed if k.startswith(own.prefix)),
        )
    if not strict or passing:
        return None
    return _KeyProblem(
        f"Key '{key}' in property group '{group}' is not a key of the group, {ignored}.",
        f"Remove it, or use one of the group's keys: {', '.join(listed)}",
    )
