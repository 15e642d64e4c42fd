"""One test per rule where it must fire, and where it must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from msf_scaffold.doctor import Severity, run_doctor
from tests.doctor.builders import (
    JOB,
    LOGGING_EXCLUDES,
    SERVICES,
    dep,
    findings,
    flink_deps,
    job,
    line_with,
    only,
    pom,
    shade,
    write_jar,
    write_project,
)

ERROR, WARNING = Severity.ERROR, Severity.WARNING


@pytest.mark.parametrize("flink", ["1.20.3", "2.2.0"])
def test_a_clean_project_has_no_findings(tmp_path: Path, flink: str) -> None:
    report = run_doctor(write_project(tmp_path, pom(flink=flink)))
    assert report.findings == ()
    assert report.flink_version == flink


# MSF001 connector-flink-mismatch ------------------------------------------------------------


def test_connector_for_an_older_minor_is_a_warning_at_the_property(tmp_path: Path) -> None:
    text = pom(flink="1.20.0", properties={"kafka.version": "3.2.0-1.19"})
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF001")
    assert finding.severity is WARNING
    assert finding.location == f"pom.xml:{line_with(text, '<kafka.version>')}"
    assert "built for Flink 1.19" in finding.message
    assert "3.4.0-1.20" in finding.fix  # the catalog's pin


def test_connector_for_another_major_is_an_error(tmp_path: Path) -> None:
    text = pom(flink="1.20.0", properties={"kafka.version": "4.0.1-2.0"})
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF001")
    assert finding.severity is ERROR
    assert finding.location == f"pom.xml:{line_with(text, '<kafka.version>')}"
    assert "release built for Flink 1.20" in finding.fix


def test_connector_for_a_newer_minor_is_an_error(tmp_path: Path) -> None:
    text = pom(flink="1.19.1", properties={"kafka.version": "3.4.0-1.20"})
    assert only(run_doctor(write_project(tmp_path, text)), "MSF001").severity is ERROR


def test_the_catalog_pin_for_a_line_is_accepted_without_a_matching_minor(tmp_path: Path) -> None:
    # No Kafka connector is built for 2.3; the catalog pins 5.0.0-2.2 for it.
    text = pom(flink="2.3.0", properties={"kafka.version": "5.0.0-2.2"})
    assert findings(run_doctor(write_project(tmp_path, text)), "MSF001") == []


def test_an_older_build_than_the_catalog_pins_is_a_warning(tmp_path: Path) -> None:
    # 4.0.1-2.0 runs on 2.2 but is not the release built for it (5.0.0-2.2 is).
    text = pom(flink="2.2.0", properties={"kafka.version": "4.0.1-2.0"})
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF001")
    assert finding.severity is WARNING
    assert "5.0.0-2.2" in finding.fix


def test_versions_resolve_through_nested_properties_and_dependency_management(tmp_path: Path) -> None:
    text = pom(
        flink="1.20.0",
        properties={"kafka.base": "4.0.1", "kafka.version": "${kafka.base}-2.0"},
        dependencies=[
            dep("org.apache.flink", "flink-streaming-java", "${flink.version}", "provided"),
            dep("org.apache.flink", "flink-connector-kafka"),
        ],
        managed=[dep("org.apache.flink", "flink-connector-kafka", "${kafka.version}")],
        namespace=False,
    )
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF001")
    assert finding.severity is ERROR
    assert "4.0.1-2.0" in finding.message


@pytest.mark.parametrize(
    ("artifact", "severity"),
    [
        ("iceberg-flink-runtime-1.19", WARNING),
        ("iceberg-flink-runtime-2.0", ERROR),
        ("iceberg-flink-1.20", None),
    ],
)
def test_iceberg_module_suffix(tmp_path: Path, artifact: str, severity: Severity | None) -> None:
    deps = [*flink_deps(), dep("org.apache.iceberg", artifact, "1.10.0")]
    text = pom(flink="1.20.3", dependencies=deps)
    found = findings(run_doctor(write_project(tmp_path, text)), "MSF001")
    assert [f.severity for f in found] == ([severity] if severity else [])
    if severity:
        assert found[0].location == f"pom.xml:{line_with(text, artifact)}"


def test_flink_cdc_versions(tmp_path: Path) -> None:
    deps = [
        *flink_deps(),
        dep("org.apache.flink", "flink-sql-connector-mysql-cdc", "3.6.0-1.20"),
        dep("org.apache.flink", "flink-connector-postgres-cdc", "3.4.0"),
    ]
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.0", dependencies=deps)))
    messages = {f.severity: f.message for f in findings(report, "MSF001")}
    assert set(messages) == {ERROR} and len(findings(report, "MSF001")) == 2
    assert any("no -X.Y suffix" in f.message for f in findings(report, "MSF001"))
    assert any("3.6.0-1.20" in f.message for f in findings(report, "MSF001"))


# MSF002 legacy-api --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flink", "artifact", "severity"),
    [
        ("1.20.3", "flink-connector-kinesis", WARNING),
        ("1.20.3", "flink-java", WARNING),
        ("2.2.0", "flink-streaming-scala_2.12", ERROR),
    ],
)
def test_legacy_dependency(tmp_path: Path, flink: str, artifact: str, severity: Severity) -> None:
    text = pom(flink=flink, dependencies=[*flink_deps(), dep("org.apache.flink", artifact, "1", "provided")])
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF002")
    assert finding.severity is severity
    assert finding.location == f"pom.xml:{line_with(text, artifact)}"
    assert artifact in finding.message and finding.fix


LEGACY_SNIPPETS = [
    ('env.addSource(new LegacySource()).uid("s");', "addSource"),
    ('in.addSink(new LegacySink()).uid("k");', "addSink"),
    ("class A implements SourceFunction<String> {}", "SourceFunction"),
    ("class B extends RichSinkFunction<String> {}", "SinkFunction"),
    ("Object c = new FlinkKinesisConsumer<>(null, null, null);", "FlinkKinesisConsumer"),
    ("Object d = new FlinkKafkaConsumer<>(null, null, null);", "FlinkKafkaConsumer"),
    ("Object e = new FlinkKafkaProducer<>(null, null, null);", "FlinkKafkaProducer"),
    ("Object f = org.apache.flink.streaming.api.windowing.time.Time.seconds(5);", "windowing.time.Time"),
    ("Object g = org.apache.flink.api.common.time.Time.seconds(5);", "common.time.Time"),
    ("Object h = org.apache.flink.api.java.utils.ParameterTool.fromArgs(null);", "ParameterTool"),
    ("env.setStreamTimeCharacteristic(TimeCharacteristic.EventTime);", "TimeCharacteristic"),
    ("env.getConfig().registerTypeWithKryoSerializer(A.class, B.class);", "Kryo registration"),
    ("env.getConfig().disableGenericTypes();", "disableGenericTypes"),
    ("class R { public void open(Configuration parameters) {} }", "open(Configuration)"),
    ("Object i = StreamingFileSink.forRowFormat(null, null);", "StreamingFileSink"),
    ('Object j = new FsStateBackend("s3://b/c");', "state backend"),
    ("Object k = RestartStrategies.noRestart();", "RestartStrategies"),
]


@pytest.mark.parametrize(("snippet", "what"), LEGACY_SNIPPETS)
def test_legacy_java_api(tmp_path: Path, snippet: str, what: str) -> None:
    source = job(snippet)
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.0"), {"Job.java": source}))
    finding = only(report, "MSF002")
    assert finding.severity is ERROR
    assert what in finding.message
    assert finding.location == f"src/main/java/com/example/Job.java:{line_with(source, snippet)}"
    assert "removed in Flink 2.0" in finding.message and finding.fix


def test_legacy_api_on_1x_is_a_warning_that_lists_every_line(tmp_path: Path) -> None:
    source = job("Object a = new FlinkKafkaConsumer<>(null);\nObject b = new FlinkKafkaConsumer<>(null);")
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF002")
    assert finding.severity is WARNING
    assert f"also on line {line_with(source, 'Object b')}" in finding.message
    assert "KafkaSource" in finding.fix


def test_legacy_api_in_comments_and_strings_is_ignored(tmp_path: Path) -> None:
    source = job(
        '// env.addSource(new LegacySource());\n/* FlinkKafkaConsumer */\nString s = "SourceFunction";'
    )
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.0"), {"Job.java": source}))
    assert findings(report, "MSF002") == []


# MSF003 runtime-bundled ---------------------------------------------------------------------


def test_flink_in_compile_scope_is_an_error(tmp_path: Path) -> None:
    deps = flink_deps()
    deps[0] = dep("org.apache.flink", "flink-streaming-java", "${flink.version}")
    text = pom(dependencies=deps)
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF003")
    assert finding.severity is ERROR
    assert finding.location == f"pom.xml:{line_with(text, 'flink-streaming-java')}"
    assert "<scope>provided</scope>" in finding.fix


def test_log4j_excluded_as_log4j_star_is_still_bundled(tmp_path: Path) -> None:
    text = pom(plugins=[shade(excludes=["org.slf4j:*", "log4j:*"])])
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF003")
    assert finding.severity is ERROR
    assert finding.location == f"pom.xml:{line_with(text, 'log4j-core')}"
    assert "`log4j:*`" in finding.message and "log4j-core (runtime)" in finding.message
    assert "<exclude>org.apache.logging.log4j:*</exclude>" in finding.fix


def test_slf4j_not_excluded_is_an_error(tmp_path: Path) -> None:
    deps = [*flink_deps(), dep("org.slf4j", "slf4j-simple", "1.7.36")]
    text = pom(dependencies=deps, plugins=[shade(excludes=["org.apache.logging.log4j:*"])])
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF003")
    assert "slf4j is packed" in finding.message and "org.slf4j:*" in finding.fix


def test_runtime_classes_in_the_built_jar_are_errors(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    write_jar(
        project / "target/app-1.0.jar",
        ["com/example/Job.class", "org/apache/flink/streaming/api/Foo.class", "org/slf4j/Logger.class"],
    )
    write_jar(project / "target/original-app-1.0.jar", ["org/apache/flink/runtime/Big.class", *"abcdefgh"])
    report = run_doctor(project)
    assert report.jar == "target/app-1.0.jar"
    found = findings(report, "MSF003")
    assert {(f.severity, f.location) for f in found} == {(ERROR, "target/app-1.0.jar")}
    assert len(found) == 2
    assert any("org/apache/flink/streaming/api/Foo.class" in f.message for f in found)
    assert all("dependency:tree" in f.fix for f in found)


def test_a_clean_built_jar_has_no_findings(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    write_jar(
        project / "target/app-1.0.jar", ["com/example/Job.class", "org/apache/flink/connector/kafka/A.class"]
    )
    assert run_doctor(project).findings == ()


# MSF004 shade-config ------------------------------------------------------------------------


def test_no_shade_plugin_is_an_error(tmp_path: Path) -> None:
    finding = only(run_doctor(write_project(tmp_path, pom(plugins=[]))), "MSF004")
    assert finding.severity is ERROR
    assert finding.location == "pom.xml"
    assert "maven-shade-plugin" in finding.fix


def test_missing_services_transformer_with_a_connector_is_an_error(tmp_path: Path) -> None:
    text = pom(plugins=[shade(transformers=[])])
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF004")
    assert finding.severity is ERROR
    assert "flink-connector-kafka" in finding.message
    assert finding.location == f"pom.xml:{line_with(text, 'maven-shade-plugin')}"
    assert SERVICES in finding.fix


def test_missing_services_transformer_without_connectors_is_a_warning(tmp_path: Path) -> None:
    text = pom(dependencies=flink_deps()[:2], plugins=[shade(transformers=[])])
    assert only(run_doctor(write_project(tmp_path, text)), "MSF004").severity is WARNING


def test_shade_configured_in_plugin_management_counts(tmp_path: Path) -> None:
    declared = "<plugin><artifactId>maven-shade-plugin</artifactId></plugin>"
    managed = f"</plugins><pluginManagement><plugins>{shade()}</plugins></pluginManagement></build>"
    text = pom(plugins=[declared]).replace("</plugins></build>", managed)
    assert run_doctor(write_project(tmp_path, text)).findings == ()


# MSF005 service-owned-config ----------------------------------------------------------------


def test_checkpointing_outside_a_local_guard_is_an_error(tmp_path: Path) -> None:
    source = job("env.enableCheckpointing(60_000);\nenv.getCheckpointConfig().setCheckpointTimeout(1);")
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": source}))
    found = findings(report, "MSF005")
    assert [(f.severity, f.line) for f in found] == [
        (ERROR, line_with(source, "enableCheckpointing")),
        (ERROR, line_with(source, "getCheckpointConfig")),
    ]
    assert "CheckpointConfiguration" in found[0].fix


@pytest.mark.parametrize(
    "body",
    [
        "if (isLocal(env)) {\n    env.setParallelism(2);\n    env.enableCheckpointing(1000);\n}",
        "if (env instanceof LocalStreamEnvironment) {\n    env.setMaxParallelism(8);\n}",
        "if (isLocal(env)) env.setParallelism(2);",
        "if (!isLocal(env)) {\n    log();\n} else {\n    env.setParallelism(2);\n}",
        "configureLocal(env);\n}\nstatic void configureLocal(StreamExecutionEnvironment env) {\n"
        "    env.enableCheckpointing(1000);",
    ],
)
def test_settings_inside_a_local_guard_are_fine(tmp_path: Path, body: str) -> None:
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": job(body)}))
    assert findings(report, "MSF005") == []


def test_the_msf_branch_of_a_negated_guard_is_checked(tmp_path: Path) -> None:
    source = job("if (!isLocal(env)) {\n    env.setParallelism(4);\n}")
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF005")
    assert (finding.severity, finding.line) == (ERROR, line_with(source, "setParallelism"))
    assert "ParallelismConfiguration" in finding.fix


def test_operator_parallelism_is_a_warning(tmp_path: Path) -> None:
    source = job('in.map(String::trim)\n        .uid("m")\n        .setParallelism(1);')
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF005")
    assert (finding.severity, finding.line) == (WARNING, line_with(source, "setParallelism"))
    assert "Remove it" in finding.fix


# MSF006 missing-uid -------------------------------------------------------------------------


def test_operator_without_uid_is_a_warning(tmp_path: Path) -> None:
    source = job('in.map(String::trim)\n        .name("trim");\nin.filter(s -> !s.isEmpty()).uid("f");')
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert (finding.severity, finding.line) == (WARNING, line_with(source, ".map("))
    assert ".uid(" in finding.fix


def test_sink_without_uid_is_an_error(tmp_path: Path) -> None:
    source = job('in.sinkTo(Sinks.kafka())\n        .name("sink");')
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert (finding.severity, finding.line) == (ERROR, line_with(source, "sinkTo"))


def test_uid_must_come_before_the_next_transformation(tmp_path: Path) -> None:
    source = job('in.map(String::trim)\n        .filter(s -> true)\n        .uid("filter");')
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert finding.line == line_with(source, ".map(")


def test_window_operator_needs_the_uid_after_the_aggregation(tmp_path: Path) -> None:
    source = job(
        "in.keyBy(s -> s)\n"
        "        .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))\n"
        "        .reduce((a, b) -> a);\n"
        'in.keyBy(s -> s).window(w).aggregate(new Agg()).name("agg").uid("agg");'
    )
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert finding.line == line_with(source, ".reduce(")


def test_java_streams_and_files_without_flink_are_not_checked(tmp_path: Path) -> None:
    source = job("List<String> l = list.stream().filter(s -> true).map(String::trim).collect(toList());")
    plain = (
        "package com.example;\nclass Util { Object f(Optional<String> o) { return o.map(String::trim); } }\n"
    )
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": source, "Util.java": plain}))
    assert findings(report, "MSF006") == []


# MSF007 java-release ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flink", "release", "severity"),
    [
        ("2.2.0", "11", ERROR),
        ("2.2.0", "21", ERROR),
        ("2.2.0", "17", None),
        ("1.20.3", "17", ERROR),
        ("1.20.3", "11", None),
        ("1.20.3", "1.8", None),
        ("1.19.1", "17", ERROR),  # not a catalog line: the 1.x line's Java release applies
    ],
)
def test_java_release(tmp_path: Path, flink: str, release: str, severity: Severity | None) -> None:
    text = pom(flink=flink, properties={"maven.compiler.release": release})
    found = findings(run_doctor(write_project(tmp_path, text)), "MSF007")
    assert [f.severity for f in found] == ([severity] if severity else [])
    if found:
        assert found[0].location == f"pom.xml:{line_with(text, '<maven.compiler.release>')}"
        assert "<maven.compiler.release>" in found[0].fix


def test_java_release_from_compiler_plugin_source_and_target(tmp_path: Path) -> None:
    compiler = (
        "<plugin><artifactId>maven-compiler-plugin</artifactId><configuration>"
        "<source>${target.java.version}</source><target>${target.java.version}</target>"
        "</configuration></plugin>"
    )
    text = pom(flink="2.2.0", plugins=[shade(), compiler]).replace(
        "<maven.compiler.release>17</maven.compiler.release>", "<target.java.version>11</target.java.version>"
    )
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF007")
    assert finding.severity is ERROR
    assert finding.location == f"pom.xml:{line_with(text, '<target.java.version>')}"
    assert "maven-compiler-plugin <target> = 11" in finding.message


# MSF008 iac-mismatch ------------------------------------------------------------------------

CFN = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: kinesisanalytics.amazonaws.com}
            Action: sts:AssumeRole
  Application:
    Type: AWS::KinesisAnalyticsV2::Application
    Properties:
      RuntimeEnvironment: FLINK-1_20
"""


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("infra/app.yaml", CFN, "FLINK-1_20"),
        ("infra/app.json", '{\n  "RuntimeEnvironment": "FLINK-1_20"\n}\n', "FLINK"),
        ("main.tf", 'resource "x" "y" {\n  runtime_environment = "FLINK-1_20"\n}\n', "FLINK"),
        (
            "cdk/lib/stack.ts",
            "new flink.Application(this, 'A', {\n  runtime: flink.Runtime.FLINK_1_20,\n});\n",
            "FLINK",
        ),
        ("cdk/stack.py", "app = Application(self, 'A',\n    runtime=Runtime.of('FLINK-1_19'))\n", "FLINK"),
    ],
)
def test_iac_runtime_that_does_not_match_the_pom(tmp_path: Path, name: str, text: str, needle: str) -> None:
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.0"), files={name: text}))
    finding = only(report, "MSF008")
    assert finding.severity is ERROR
    assert finding.location == f"{name}:{line_with(text, needle)}"
    assert "Use FLINK-2_2 here" in finding.fix


def test_iac_runtime_that_matches_the_pom_is_fine(tmp_path: Path) -> None:
    files = {"infra/app.yaml": CFN, "cdk/stack.ts": "runtime: Runtime.of('FLINK-1_20'),\n"}
    assert run_doctor(write_project(tmp_path, pom(flink="1.20.3"), files=files)).findings == ()


def test_iam_v2_action_prefix_and_wrong_principal(tmp_path: Path) -> None:
    policy = (
        '{\n  "Statement": [\n'
        '    {"Effect": "Allow", "Action": ["kinesisanalyticsv2:DescribeApplication"], "Resource": "*"},\n'
        '    {"Effect": "Allow", "Principal": {"Service": "kinesisanalyticsv2.amazonaws.com"}}\n'
        "  ]\n}\n"
    )
    report = run_doctor(write_project(tmp_path, files={"iam/role.json": policy}))
    found = findings(report, "MSF008")
    assert [(f.severity, f.location) for f in found] == [
        (ERROR, f"iam/role.json:{line_with(policy, 'Action')}"),
        (ERROR, f"iam/role.json:{line_with(policy, 'Principal')}"),
    ]
    assert "kinesisanalytics:DescribeApplication" in found[0].fix
    assert "kinesisanalytics.amazonaws.com" in found[1].fix


def test_step_functions_sdk_integration_kms_and_ignored_directories(tmp_path: Path) -> None:
    files = {
        "kms.yaml": "Condition:\n  kms:ViaService: kinesisanalytics.us-east-1.amazonaws.com\n"
        "Principal:\n  Service: infrastructure.kinesisanalytics.amazonaws.com\n",
        "sfn.json": '{"Resource": "arn:aws:states:::aws-sdk:kinesisanalyticsv2:describeApplication"}\n',
        "node_modules/x/policy.json": '{"Action": "kinesisanalyticsv2:UpdateApplication"}\n',
        "target/classes/app.yaml": "RuntimeEnvironment: FLINK-1_15\n",
    }
    assert run_doctor(write_project(tmp_path, files=files)).findings == ()


def test_the_aws_sample_job_is_clean(tmp_path: Path) -> None:
    """The builders' default job: guarded settings, uids everywhere."""
    assert "LocalStreamEnvironment" in JOB and LOGGING_EXCLUDES
    assert run_doctor(write_project(tmp_path)).findings == ()
