"""Small builders of Maven Flink projects for the doctor's tests."""

from __future__ import annotations

import textwrap
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from msf_scaffold.catalog import load_catalog
from msf_scaffold.doctor import DoctorReport, Finding, Severity

SERVICES = "org.apache.maven.plugins.shade.resource.ServicesResourceTransformer"
LOGGING_EXCLUDES = (
    "org.apache.flink:flink-shaded-force-shading",
    "org.slf4j:*",
    "org.apache.logging.log4j:*",
)


def dep(group: str, artifact: str, version: str | None = None, scope: str | None = None) -> str:
    """One ``<dependency>`` element."""
    parts = [f"<groupId>{group}</groupId>", f"<artifactId>{artifact}</artifactId>"]
    if version is not None:
        parts.append(f"<version>{version}</version>")
    if scope is not None:
        parts.append(f"<scope>{scope}</scope>")
    return "<dependency>" + "".join(parts) + "</dependency>"


def flink_deps(*, connector: str = "flink-connector-kafka", version: str = "${kafka.version}") -> list[str]:
    """The usual dependencies: Flink provided, one connector bundled, log4j for local runs."""
    return [
        dep("org.apache.flink", "flink-streaming-java", "${flink.version}", "provided"),
        dep("org.apache.flink", "flink-clients", "${flink.version}", "provided"),
        dep("org.apache.flink", connector, version),
        dep("org.apache.logging.log4j", "log4j-core", "2.24.3", "runtime"),
        dep("org.slf4j", "slf4j-api", "1.7.36", "provided"),
    ]


def shade(excludes: Iterable[str] = LOGGING_EXCLUDES, transformers: Iterable[str] = (SERVICES,)) -> str:
    """A maven-shade-plugin element in the style of the Flink quickstart."""
    exclude_xml = "".join(f"<exclude>{e}</exclude>" for e in excludes)
    transformer_xml = "".join(f'<transformer implementation="{t}"/>' for t in transformers)
    return (
        "<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-shade-plugin</artifactId>"
        "<version>3.6.1</version><executions><execution><phase>package</phase><goals><goal>shade</goal>"
        f"</goals><configuration><artifactSet><excludes>{exclude_xml}</excludes></artifactSet>"
        f"<transformers>{transformer_xml}</transformers></configuration></execution></executions></plugin>"
    )


def pom(
    *,
    flink: str = "1.20.3",
    properties: Mapping[str, str] | None = None,
    dependencies: Iterable[str] | None = None,
    plugins: Iterable[str] | None = None,
    managed: Iterable[str] = (),
    namespace: bool = True,
) -> str:
    """A pom.xml: one element per line, so tests can point at lines."""
    props = {
        "flink.version": flink,
        # The Kafka connector the catalog pins for the pom's Flink line.
        "kafka.version": _kafka_pin(flink),
        "maven.compiler.release": "17" if flink.startswith("2.") else "11",
        **(properties or {}),
    }
    deps = flink_deps() if dependencies is None else list(dependencies)
    plugin_list = [shade()] if plugins is None else list(plugins)
    xmlns = ' xmlns="http://maven.apache.org/POM/4.0.0"' if namespace else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<project{xmlns}>",
        "<modelVersion>4.0.0</modelVersion>",
        "<groupId>com.example</groupId>",
        "<artifactId>app</artifactId>",
        "<version>1.0</version>",
        "<properties>",
        *(f"<{k}>{v}</{k}>" for k, v in props.items()),
        "</properties>",
        "<dependencyManagement><dependencies>",
        *managed,
        "</dependencies></dependencyManagement>",
        "<dependencies>",
        *deps,
        "</dependencies>",
        "<build><plugins>",
        *plugin_list,
        "</plugins></build>",
        "</project>",
    ]
    return "\n".join(lines) + "\n"


JOB = """\
package com.example;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

public final class Job {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (env instanceof LocalStreamEnvironment) {
            env.enableCheckpointing(10_000);
            env.setParallelism(2);
        }
        DataStream<String> in = env
                .fromSource(Sources.kafka(), WatermarkStrategy.noWatermarks(), "source")
                .uid("source");
        in.map(String::trim)
                .name("trim")
                .uid("trim")
                .sinkTo(Sinks.kafka())
                .name("sink")
                .uid("sink");
        env.execute("job");
    }
}
"""


def job(body: str, imports: str = "") -> str:
    """A Job class whose main method holds ``body`` (environment ``env``, a stream ``in``)."""
    return (
        "package com.example;\n\n"
        "import org.apache.flink.streaming.api.datastream.DataStream;\n"
        "import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;\n"
        f"{imports}\n"
        "public final class Job {\n"
        "    static void main(StreamExecutionEnvironment env, DataStream<String> in) throws Exception {\n"
        + textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
        + "\n    }\n}\n"
    )


def write_project(
    root: Path,
    pom_xml: str | None = None,
    java: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """Writes a project: pom.xml, Java sources below src/main/java/com/example, and other files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pom.xml").write_text(pom() if pom_xml is None else pom_xml, encoding="utf-8")
    for name, text in ({"Job.java": JOB} if java is None else java).items():
        path = root / "src/main/java/com/example" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def write_jar(path: Path, entries: Iterable[str]) -> Path:
    """A JAR (zip) with empty entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name in entries:
            archive.writestr(name, b"x" * 100)
    return path


def line_with(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` line of ``text`` that contains ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not in text"
    return hits[nth - 1]


def findings(report: DoctorReport, rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in report.findings if f.rule == rule]


def only(report: DoctorReport, rule: str) -> Finding:
    """The single finding of ``rule``; fails with the whole report otherwise."""
    found = findings(report, rule)
    assert len(found) == 1, [(f.rule, f.location, f.message) for f in report.findings]
    return found[0]


def summary(report: DoctorReport) -> set[tuple[str, Severity, str]]:
    """(rule, severity, location) of every finding."""
    return {(f.rule, f.severity, f.location) for f in report.findings}


def _kafka_pin(flink: str) -> str:
    """The catalog's Kafka connector pin for the line of Flink version ``flink``: its own line, else
    the oldest line of its major version (1.19.1 -> 1.20's), else the default line's."""
    lines = load_catalog().flink.lines
    line = ".".join(flink.split(".")[:2])
    if line not in lines:
        major = [offered for offered in lines if offered.split(".")[0] == line.split(".")[0]]
        line = major[-1] if major else load_catalog().flink.default_line
    value = load_catalog().pins()["kafka_connector"].value_for(line)
    assert value is not None
    return value
