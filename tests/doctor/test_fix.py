"""``msf-scaffold doctor --fix``: mechanical fixes as a reviewable diff, written with --write."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from msf_scaffold.cli import main
from msf_scaffold.doctor import run_doctor
from msf_scaffold.doctor.fix import FixPlan, plan_fixes, render_diff, write_fixes
from tests.doctor.builders import SERVICES, dep, job, line_with, pom, shade, summary, write_project
from tests.helpers import POM_WITH_A_DOCTOR_ERROR, answers_for, maven_verify, render

NS = {"m": "http://maven.apache.org/POM/4.0.0"}
LOG4J = "org.apache.logging.log4j:*"


def _diff(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """A unified diff as {file: (removed lines, added lines)}, checking its headers and hunks."""
    files: dict[str, tuple[list[str], list[str]]] = {}
    current: tuple[list[str], list[str]] | None = None
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("--- a/"):
            name = line[len("--- a/") :]
            assert lines[number + 1] == f"+++ b/{name}"
            current = files.setdefault(name, ([], []))
        elif line.startswith("+++ ") or line.startswith("@@ ") or line.startswith("\\ "):
            assert (
                line.startswith("+++ b/")
                or re.match(r"@@ -\d+(,\d+)? \+\d+(,\d+)? @@", line)
                or line[0] == "\\"
            )
        elif line.startswith("-"):
            assert current is not None
            current[0].append(line[1:])
        elif line.startswith("+"):
            assert current is not None
            current[1].append(line[1:])
        else:
            assert line.startswith(" "), line
    return files


def _rules(path: Path) -> set[str]:
    return {f.rule for f in run_doctor(path).findings}


def _fixed(plan: FixPlan) -> list[tuple[str, str]]:
    return [(o.finding.rule, o.what) for o in plan.outcomes if o.fixed]


def _left(plan: FixPlan) -> list[tuple[str, str]]:
    return [(o.finding.rule, o.what) for o in plan.outcomes if not o.fixed]


def _scope(project: ET.Element, artifact: str, under: str = "m:dependencies") -> str | None:
    for element in project.findall(f"{under}/m:dependency", NS):
        if element.findtext("m:artifactId", namespaces=NS) == artifact:
            return element.findtext("m:scope", namespaces=NS)
    raise AssertionError(f"no dependency {artifact}")


# A generated project, broken in five ways --------------------------------------------------


def _break(project: Path) -> tuple[str, str]:
    """Breaks a generated Flink 1.20 Kafka project; returns the original pom and job texts."""
    pom_path, job_path = project / "pom.xml", next(project.rglob("StreamingJob.java"))
    original_pom, original_job = pom_path.read_text(), job_path.read_text()
    broken = original_pom.replace(
        "<kafka-connector.version>3.4.0-1.20<", "<kafka-connector.version>3.2.0-1.18<"
    )
    clients = "<artifactId>flink-clients</artifactId>\n            <scope>provided</scope>\n"
    assert broken.count(clients) == 1
    broken = broken.replace(clients, "<artifactId>flink-clients</artifactId>\n")
    transformer = f'                                <transformer implementation="{SERVICES}"/>\n'
    broken = broken.replace(transformer, "")
    # the shade plugin's log4j exclude (the enforcer's rules list the same patterns earlier)
    exclude = f"                                    <exclude>{LOG4J}</exclude>\n"
    at = broken.rindex(exclude)
    broken = broken[:at] + broken[at + len(exclude) :]
    pom_path.write_text(broken)
    uid = '.name("kafka-sink")\n                .uid("kafka-sink");'
    assert original_job.count(uid) == 1
    job_path.write_text(original_job.replace(uid, '.name("kafka-sink");'))
    return original_pom, original_job


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("generated") / "orders", answers_for("1.20", "kafka", ("kafka", "print"))
    )


def _broken_copy(generated: Path, tmp_path: Path) -> tuple[Path, str, str]:
    import shutil  # noqa: PLC0415

    project = tmp_path / "orders"
    shutil.copytree(generated, project)
    original_pom, original_job = _break(project)
    return project, original_pom, original_job


def test_the_diff_of_a_broken_generated_project_changes_only_the_broken_lines(
    generated: Path, tmp_path: Path
) -> None:
    project, _, _ = _broken_copy(generated, tmp_path)
    before_pom = (project / "pom.xml").read_text()
    assert _rules(project) == {"MSF001", "MSF003", "MSF004", "MSF006"}

    plan = plan_fixes(project)
    changes = _diff(render_diff(plan))

    job = "src/main/java/com/example/orders/StreamingJob.java"
    assert set(changes) == {"pom.xml", job}
    removed, added = changes["pom.xml"]
    assert removed == ["        <kafka-connector.version>3.2.0-1.18</kafka-connector.version>"]
    assert added == [
        "        <kafka-connector.version>3.4.0-1.20</kafka-connector.version>",
        "            <scope>provided</scope>",
        f"                                    <exclude>{LOG4J}</exclude>",
        f'                                <transformer implementation="{SERVICES}"/>',
    ]
    assert changes[job] == ([], ['                .uid("kafka-sink")'])
    assert _left(plan) == []
    assert (project / "pom.xml").read_text() == before_pom  # a diff writes nothing


def test_write_restores_every_line_of_the_generated_project_and_doctor_passes(
    generated: Path, tmp_path: Path
) -> None:
    project, original_pom, original_job = _broken_copy(generated, tmp_path)

    write_fixes(plan_fixes(project))

    fixed_pom = (project / "pom.xml").read_text()
    fixed_job = next(project.rglob("StreamingJob.java")).read_text()
    # Formatting, comments and indentation are kept: the same lines as generated, some reordered.
    assert sorted(fixed_pom.splitlines()) == sorted(original_pom.splitlines())
    assert fixed_job == original_job.replace(
        '.name("kafka-sink")\n                .uid("kafka-sink");',
        '.uid("kafka-sink")\n                .name("kafka-sink");',
    )
    root = ET.fromstring(fixed_pom)
    assert _scope(root, "flink-clients") == "provided"
    assert root.findtext("m:properties/m:kafka-connector.version", namespaces=NS) == "3.4.0-1.20"
    shade_plugin = next(
        p
        for p in root.findall("m:build/m:plugins/m:plugin", NS)
        if p.findtext("m:artifactId", namespaces=NS) == "maven-shade-plugin"
    )
    configuration = shade_plugin.find("m:executions/m:execution/m:configuration", NS)
    assert configuration is not None
    excludes = [e.text for e in configuration.findall("m:artifactSet/m:excludes/m:exclude", NS)]
    assert excludes[-1] == LOG4J
    transformers = [
        t.get("implementation") for t in configuration.findall("m:transformers/m:transformer", NS)
    ]
    assert SERVICES in transformers
    assert run_doctor(project).findings == ()
    # idempotent: a second --fix has nothing to change
    again = plan_fixes(project)
    assert render_diff(again) == ""
    assert again.outcomes == ()


@pytest.mark.compile
def test_the_fixed_generated_project_still_builds(generated: Path, tmp_path: Path) -> None:
    project, _, _ = _broken_copy(generated, tmp_path)
    write_fixes(plan_fixes(project))
    build = maven_verify(project)
    assert build.returncode == 0, build.stdout[-4000:]


# Multi-module builds, parents and profiles -------------------------------------------------

PARENT = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>parent</artifactId>
  <version>1.0</version>
  <packaging>pom</packaging>
  <modules>
{modules}
  </modules>
  <properties>
    <flink.version>1.20.3</flink.version>
    <!-- the Kafka connector of every module -->
    <kafka.version>{kafka}</kafka.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.flink</groupId>
        <artifactId>flink-clients</artifactId>
        <version>${{flink.version}}</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
</project>
"""

MODULE = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.example</groupId>
    <artifactId>parent</artifactId>
    <version>1.0</version>
  </parent>
  <artifactId>app</artifactId>
  <dependencies>
    <dependency>
      <groupId>org.apache.flink</groupId>
      <artifactId>flink-streaming-java</artifactId>
      <version>${flink.version}</version>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>org.apache.flink</groupId>
      <artifactId>flink-clients</artifactId> <!-- version from the parent -->
    </dependency>
    <dependency>
      <groupId>org.apache.flink</groupId>
      <artifactId>flink-connector-kafka</artifactId>
      <version>${kafka.version}</version>
    </dependency>
  </dependencies>
  <profiles>
    <profile>
      <id>ide</id>
      <dependencies>
        <dependency>
          <groupId>org.apache.flink</groupId>
          <artifactId>flink-clients</artifactId>
          <scope>compile</scope>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-shade-plugin</artifactId>
        <version>3.6.1</version>
        <executions>
          <execution>
            <goals><goal>shade</goal></goals>
            <configuration>
              <artifactSet>
                <excludes>
                  <exclude>org.slf4j:*</exclude>
                  <exclude>org.apache.logging.log4j:*</exclude>
                </excludes>
              </artifactSet>
              <transformers>
                <transformer implementation="SERVICES"/>
              </transformers>
            </configuration>
          </execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
""".replace("SERVICES", SERVICES)


def _multi_module(root: Path, *, listed: bool = True, kafka: str = "3.2.0-1.18") -> Path:
    modules = "    <module>app</module>\n    <module>lib</module>" if listed else "    <module>lib</module>"
    (root / "pom.xml").parent.mkdir(parents=True, exist_ok=True)
    (root / "pom.xml").write_text(PARENT.format(modules=modules, kafka=kafka))
    return write_project(
        root / "app", MODULE, java={"Job.java": job('in.sinkTo(Sinks.kafka()).name("out").uid("out");')}
    )


def test_a_module_gets_its_fixes_and_the_parent_build_its_property(tmp_path: Path) -> None:
    app = _multi_module(tmp_path / "build")
    assert summary(run_doctor(app)) >= {
        ("MSF001", "warning", "../pom.xml:15"),
        ("MSF003", "error", "pom.xml:17"),
    }

    plan = plan_fixes(app)
    changes = _diff(render_diff(plan))

    assert plan.base == (tmp_path / "build").resolve()
    assert changes == {
        "pom.xml": (
            ["    <kafka.version>3.2.0-1.18</kafka.version>"],
            ["    <kafka.version>3.4.0-1.20</kafka.version>"],
        ),
        "app/pom.xml": ([], ["      <scope>provided</scope>"]),
    }
    write_fixes(plan)
    module = ET.parse(app / "pom.xml").getroot()
    assert _scope(module, "flink-clients") == "provided"
    # the profile's dependency is not checked, so it is left as it is
    assert _scope(module, "flink-clients", "m:profiles/m:profile/m:dependencies") == "compile"
    parent = ET.parse(tmp_path / "build" / "pom.xml").getroot()
    assert parent.findtext("m:properties/m:kafka.version", namespaces=NS) == "3.4.0-1.20"
    assert "<!-- the Kafka connector of every module -->" in (tmp_path / "build" / "pom.xml").read_text()
    assert "<!-- version from the parent -->" in (app / "pom.xml").read_text()
    assert {"MSF001", "MSF003"}.isdisjoint(_rules(app))
    assert render_diff(plan_fixes(app)) == ""


def test_a_parent_outside_the_build_is_left_alone_and_said_so(tmp_path: Path) -> None:
    app = _multi_module(tmp_path / "build", listed=False)
    parent_before = (tmp_path / "build" / "pom.xml").read_bytes()

    plan = plan_fixes(app)
    write_fixes(plan)

    assert (tmp_path / "build" / "pom.xml").read_bytes() == parent_before
    assert [rule for rule, _ in _fixed(plan)] == ["MSF003"]
    [(rule, why)] = _left(plan)
    assert rule == "MSF001"
    assert why.startswith("../pom.xml is a parent pom outside this project's build")
    assert "MSF001" in _rules(app)


def test_a_version_built_from_properties_is_left_alone(tmp_path: Path) -> None:
    app = _multi_module(tmp_path / "build", kafka="${kafka.base}-1.18")
    parent = tmp_path / "build" / "pom.xml"
    parent.write_text(
        parent.read_text().replace("<properties>", "<properties>\n    <kafka.base>3.2.0</kafka.base>")
    )

    plan = plan_fixes(app)

    assert (
        "MSF001",
        "the version is built from properties (${kafka.base}-1.18); set it to 3.4.0-1.20 where they are"
        " defined",
    ) in _left(plan)
    assert _diff(render_diff(plan)) == {
        "pom.xml": ([], ["      <scope>provided</scope>"])
    }  # the module's pom
    assert plan.base == app.resolve()


# The one-line pom and the missing shade configuration --------------------------------------


def test_a_one_line_pom_gets_its_scope_on_the_same_line(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(POM_WITH_A_DOCTOR_ERROR)

    plan = plan_fixes(tmp_path)
    write_fixes(plan)

    text = (tmp_path / "pom.xml").read_text()
    assert text.count("\n") == 0
    assert "<version>${flink.version}</version><scope>provided</scope></dependency>" in text
    assert _scope(ET.fromstring(text), "flink-streaming-java") == "provided"
    assert "MSF003" not in _rules(tmp_path)


def test_shade_excludes_and_transformers_are_created_where_missing(tmp_path: Path) -> None:
    plugin = shade(excludes=(), transformers=()).replace(
        "<artifactSet><excludes></excludes></artifactSet>", ""
    )
    plugin = plugin.replace(
        "<transformers></transformers>", "<createDependencyReducedPom>false</createDependencyReducedPom>"
    )
    project = write_project(tmp_path, pom(plugins=[plugin]))

    write_fixes(plan_fixes(project))

    root = ET.parse(project / "pom.xml").getroot()
    configuration = root.find("m:build/m:plugins/m:plugin/m:executions/m:execution/m:configuration", NS)
    assert configuration is not None
    assert [e.text for e in configuration.findall("m:artifactSet/m:excludes/m:exclude", NS)] == [
        "org.apache.logging.log4j:*"
    ]
    assert [t.get("implementation") for t in configuration.findall("m:transformers/m:transformer", NS)] == [
        SERVICES
    ]
    assert {"MSF003", "MSF004"}.isdisjoint(_rules(project))


def test_crlf_line_endings_are_kept(tmp_path: Path) -> None:
    text = pom(dependencies=[dep("org.apache.flink", "flink-clients", "${flink.version}")])
    text = text.replace("<version>${flink.version}</version>", "\n<version>${flink.version}</version>\n")
    java = job('in.sinkTo(printSink)\n        .name("print");')
    write_project(tmp_path, text.replace("\n", "\r\n"), java={"Job.java": java.replace("\n", "\r\n")})
    pom_path, job_path = tmp_path / "pom.xml", tmp_path / "src/main/java/com/example/Job.java"
    pom_path.write_bytes(text.replace("\n", "\r\n").encode())  # write_text would translate newlines
    job_path.write_bytes(java.replace("\n", "\r\n").encode())

    write_fixes(plan_fixes(tmp_path))

    data = pom_path.read_bytes()
    assert b"\r\n<version>${flink.version}</version>\r\n<scope>provided</scope>\r\n</dependency>" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    code = job_path.read_bytes()
    assert b'in.sinkTo(printSink)\r\n                .uid("print")\r\n                .name("print");' in code
    assert b"\n" not in code.replace(b"\r\n", b"")
    assert {"MSF003", "MSF006"}.isdisjoint(_rules(tmp_path))


# Java: which sinks get a uid, and their names ----------------------------------------------


def test_uids_are_derived_from_names_and_skipped_where_ambiguous(tmp_path: Path) -> None:
    body = """\
    in.sinkTo(Sinks.kafka())
            .name("Orders to Kafka");
    DataStream<String> s = env.fromSource(src, WatermarkStrategy.noWatermarks(), "orders source");
    in.sinkTo(kafkaSink);
    in.sinkTo(new KafkaSink<>());
    env.fromSource(files, WatermarkStrategy.noWatermarks(), name).map(String::trim).name("trim").uid("trim");
    in.uid("kafka-sink");
    for (String name : names) {
        in.sinkTo(print(name));
    }
    run(in.sinkTo(other));
    """
    project = write_project(tmp_path, java={"Job.java": job(body)})

    plan = plan_fixes(project)

    assert [what for rule, what in _fixed(plan) if rule == "MSF006"] == [
        '.sinkTo(...) gets .uid("orders-to-kafka")',
        '.fromSource(...) gets .uid("orders-source")',
        '.sinkTo(...) gets .uid("kafka-sink-2")',
        '.sinkTo(...) gets .uid("kafka-sink-3")',
        '.fromSource(...) gets .uid("files-source")',
    ]
    assert [what for rule, what in _left(plan) if rule == "MSF006"] == [
        "the call is in a loop, lambda or nested class; a uid there may repeat",
        "the call is part of a larger expression; add the uid by hand",
    ]
    removed, added = _diff(render_diff(plan))["src/main/java/com/example/Job.java"]
    assert added == [
        '                .uid("orders-to-kafka")',
        "        DataStream<String> s = env.fromSource(src, WatermarkStrategy.noWatermarks(),"
        ' "orders source").uid("orders-source");',
        '        in.sinkTo(kafkaSink).uid("kafka-sink-2");',
        '        in.sinkTo(new KafkaSink<>()).uid("kafka-sink-3");',
        "        env.fromSource(files, WatermarkStrategy.noWatermarks(), name)"
        '.uid("files-source").map(String::trim).name("trim").uid("trim");',
    ]
    assert len(removed) == 4
    write_fixes(plan)
    fixed = (project / "src/main/java/com/example/Job.java").read_text()
    assert [f.line for f in run_doctor(project).findings if f.rule == "MSF006"] == [
        line_with(fixed, "in.sinkTo(print(name));"),
        line_with(fixed, "run(in.sinkTo(other));"),
    ]


# The command line --------------------------------------------------------------------------


def test_fix_prints_the_diff_writes_nothing_and_keeps_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pom.xml").write_text(POM_WITH_A_DOCTOR_ERROR)

    assert main(["doctor", str(tmp_path), "--fix"]) == 1
    out, err = capsys.readouterr()
    assert _diff(out) == {
        "pom.xml": (
            [POM_WITH_A_DOCTOR_ERROR],
            [
                POM_WITH_A_DOCTOR_ERROR.replace(
                    "</version></dependency>", "</version><scope>provided</scope></dependency>"
                )
            ],
        )
    }
    assert (
        "would fix MSF003 pom.xml:1: org.apache.flink:flink-streaming-java scope compile -> provided" in err
    )
    assert "nothing was written" in err
    assert (tmp_path / "pom.xml").read_text() == POM_WITH_A_DOCTOR_ERROR
    assert main(["doctor", str(tmp_path), "--fix", "--diff"]) == 1
    assert capsys.readouterr().out == out


def test_fix_write_applies_and_checks_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(
        tmp_path, pom(dependencies=[dep("org.apache.flink", "flink-clients", "${flink.version}")])
    )

    assert main(["doctor", str(project), "--fix", "--write"]) == 0
    out = capsys.readouterr().out
    assert "fixed MSF003 pom.xml:" in out
    assert "No findings" in out
    assert main(["doctor", str(project), "--fix"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--write"], "--write needs --fix"),
        (["--diff"], "--diff needs --fix"),
        (["--fix", "--diff", "--write"], "--diff and --write exclude each other"),
        (["--fix", "--json"], "--json does not combine with --fix"),
    ],
)
def test_option_mistakes_are_usage_errors(
    tmp_path: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pom.xml").write_text(POM_WITH_A_DOCTOR_ERROR)
    assert main(["doctor", str(tmp_path), *options]) == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "pom.xml").read_text() == POM_WITH_A_DOCTOR_ERROR


def test_an_unparsable_pom_is_left_untouched_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = POM_WITH_A_DOCTOR_ERROR.replace("</dependencies>", "")
    (tmp_path / "pom.xml").write_text(broken)

    assert main(["doctor", str(tmp_path), "--fix", "--write"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert "is not well-formed XML" in err
    assert (tmp_path / "pom.xml").read_text() == broken
