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


# Reported misses ----------------------------------------------------------------------------


def test_open_with_the_fully_qualified_configuration_is_legacy(tmp_path: Path) -> None:
    snippet = "public void open(org.apache.flink.configuration.Configuration parameters) {}"
    source = job(f"}}\nstatic class R {{\n    {snippet}")
    finding = only(run_doctor(write_project(tmp_path, pom(flink="2.2.0"), {"Job.java": source})), "MSF002")
    assert (finding.severity, finding.line) == (ERROR, line_with(source, snippet))
    assert "open(Configuration)" in finding.message and "OpenContext" in finding.fix


def test_open_with_another_parameter_type_is_not_legacy(tmp_path: Path) -> None:
    source = job(
        "}\nstatic class R {\n    public void open(OpenContext context) {}\n    void open(Configured c) {}"
    )
    report = run_doctor(write_project(tmp_path, pom(flink="2.2.0"), {"Job.java": source}))
    assert findings(report, "MSF002") == []


@pytest.mark.parametrize(
    "artifact", ["flink-connector-files", "flink-json", "flink-csv", "flink-table-runtime"]
)
def test_artifacts_of_the_flink_distribution_lib_in_compile_scope_are_bundled_duplicates(
    tmp_path: Path, artifact: str
) -> None:
    text = pom(
        flink="2.2.0", dependencies=[*flink_deps(), dep("org.apache.flink", artifact, "${flink.version}")]
    )
    finding = only(run_doctor(write_project(tmp_path, text)), "MSF003")
    assert finding.severity is ERROR
    assert finding.location == f"pom.xml:{line_with(text, artifact)}"
    assert f"org.apache.flink:{artifact} has scope compile" in finding.message
    assert "<scope>provided</scope>" in finding.fix


@pytest.mark.parametrize("artifact", ["flink-avro", "flink-parquet", "flink-connector-datagen"])
def test_flink_artifacts_outside_the_distribution_may_be_bundled(tmp_path: Path, artifact: str) -> None:
    text = pom(
        flink="2.2.0", dependencies=[*flink_deps(), dep("org.apache.flink", artifact, "${flink.version}")]
    )
    assert findings(run_doctor(write_project(tmp_path, text)), "MSF003") == []


DATAGEN_PARALLELISM = [
    'env.fromSource(new DataGeneratorSource<>(g, 10, Types.LONG), WatermarkStrategy.noWatermarks(), "gen")\n'
    '        .uid("gen")\n        .setParallelism(1);',
    'env.fromSequence(1, 100).uid("seq").setParallelism(1);',
    "DataGeneratorSource<Long> generator = new DataGeneratorSource<>(g, 10, Types.LONG);\n"
    'env.fromSource(generator, WatermarkStrategy.noWatermarks(), "gen").name("gen").uid("gen")\n'
    "        .setParallelism(1);",
    'env.fromSource(DataGenSourceFactory.create(properties), WatermarkStrategy.noWatermarks(), "gen")\n'
    '        .uid("gen").setParallelism(1);',
]


@pytest.mark.parametrize("body", DATAGEN_PARALLELISM)
def test_parallelism_of_a_data_generator_source_is_not_a_warning(tmp_path: Path, body: str) -> None:
    factory = (
        "package com.example;\n\nimport org.apache.flink.connector.datagen.source.DataGeneratorSource;\n\n"
        "final class DataGenSourceFactory {\n"
        "    static DataGeneratorSource<String> create(Object properties) { return null; }\n}\n"
    )
    java = {"Job.java": job(body), "DataGenSourceFactory.java": factory}
    report = run_doctor(write_project(tmp_path, pom(), java))
    assert findings(report, "MSF005") == []


def test_parallelism_of_a_source_from_another_factory_method_still_warns(tmp_path: Path) -> None:
    factory = (
        "package com.example;\n\nfinal class DataGenSourceFactory {\n"
        "    static DataGeneratorSource<String> create(Object p) { return null; }\n}\n"
    )
    source = job(
        'env.fromSource(KafkaSourceFactory.create(p), WatermarkStrategy.noWatermarks(), "k")\n'
        '        .uid("k").setParallelism(1);'
    )
    java = {"Job.java": source, "DataGenSourceFactory.java": factory}
    finding = only(run_doctor(write_project(tmp_path, pom(), java)), "MSF005")
    assert (finding.severity, finding.line) == (WARNING, line_with(source, ".setParallelism(1)"))


def test_parallelism_after_a_data_generator_source_still_warns_for_the_next_operator(tmp_path: Path) -> None:
    source = job(
        'env.fromSource(new DataGeneratorSource<>(g, 10, Types.LONG), noWatermarks(), "gen")\n'
        '        .uid("gen")\n        .map(String::valueOf)\n        .uid("m")\n        .setParallelism(1);\n'
        'env.fromSource(Sources.kafka(), noWatermarks(), "kafka").uid("k").setParallelism(1);'
    )
    found = findings(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF005")
    assert [(f.severity, f.line) for f in found] == [
        (WARNING, line_with(source, ".setParallelism(1);")),
        (WARNING, line_with(source, '"kafka"')),
    ]


ICEBERG_IMPORTS = (
    "import org.apache.iceberg.flink.sink.FlinkSink;\nimport org.apache.iceberg.flink.sink.IcebergSink;\n"
)


def test_iceberg_flink_sink_without_uid_prefix_is_an_error(tmp_path: Path) -> None:
    source = job(
        "FlinkSink.forRowData(rows)\n        .tableLoader(loader)\n        .append();\n"
        'FlinkSink.forRowData(rows).tableLoader(loader).uidPrefix("orders").append();\n'
        "FlinkSink.Builder builder = FlinkSink.forRowData(rows).tableLoader(loader);",
        ICEBERG_IMPORTS,
    )
    finding = only(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert (finding.severity, finding.line) == (ERROR, line_with(source, "FlinkSink.forRowData(rows)\n"[:-1]))
    assert "FlinkSink" in finding.message and "committer" in finding.message
    assert '.uidPrefix("<stable-unique-prefix>")' in finding.fix


def test_iceberg_sink_v2_derives_its_uids_from_the_table(tmp_path: Path) -> None:
    source = job(
        "IcebergSink.forRowData(rows).tableLoader(loader).append();\n"
        'IcebergSink.forRowData(rows).tableLoader(loader).uidSuffix("orders").append();',
        ICEBERG_IMPORTS,
    )
    assert findings(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006") == []


@pytest.mark.parametrize(
    "body",
    [
        'DataStream<String> s = env.fromSource(src, WatermarkStrategy.noWatermarks(), "s");\ns.uid("s");',
        'SingleOutputStreamOperator<String> m = in.map(String::trim).name("m");\nm.uid("m").name("trim");',
        'DataStreamSink<String> k;\nk = in.sinkTo(Sinks.kafka());\nk.name("k").uid("k");',
    ],
)
def test_a_uid_set_later_on_the_variable_counts(tmp_path: Path, body: str) -> None:
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": job(body)}))
    assert findings(report, "MSF006") == []


def test_a_uid_on_another_variable_does_not_count(tmp_path: Path) -> None:
    source = job(
        'SingleOutputStreamOperator<String> m = in.map(String::trim);\nother.uid("m");\n'
        'DataStream<String> t = in.filter(s -> true).map(String::trim);\nt.uid("t");'
    )
    found = findings(run_doctor(write_project(tmp_path, pom(), {"Job.java": source})), "MSF006")
    assert [f.line for f in found] == [line_with(source, "in.map("), line_with(source, "in.filter(")]


def test_the_same_uid_twice_in_a_job_is_an_error_naming_both_places(tmp_path: Path) -> None:
    source = job(
        'DataStream<String> a = in.map(String::trim).uid("parse");\n'
        'DataStream<String> b = a.filter(s -> true).uid("filter");\n'
        'b.map(String::toUpperCase).name("upper").uid("parse");'
    )
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": source}))
    finding = only(report, "MSF010")
    first, second = line_with(source, 'uid("parse")'), line_with(source, 'uid("parse")', 2)
    assert (finding.name, finding.severity, finding.line) == ("duplicate-uid", ERROR, second)
    assert 'uid "parse"' in finding.message and f"Job.java:{first}" in finding.message
    assert "rejects the job" in finding.message


def test_the_same_uid_in_exclusive_branches_or_other_methods_is_fine(tmp_path: Path) -> None:
    source = job(
        "DataStream<String> s;\n"
        "if (isLocal(env)) {\n"
        '    s = env.fromSource(generator(), WatermarkStrategy.noWatermarks(), "s").uid("source");\n'
        "} else {\n"
        '    s = env.fromSource(kafka(), WatermarkStrategy.noWatermarks(), "s").uid("source");\n'
        "}\n"
        "switch (kind) {\n"
        '    case "a":\n        in.sinkTo(a()).uid("sink");\n        break;\n'
        '    default:\n        in.sinkTo(b()).uid("sink");\n'
        "}\n"
        "}\n"
        'static void other(DataStream<String> in) {\n    in.map(String::trim).uid("parse");\n}\n'
        'static void another(DataStream<String> in) {\n    in.map(String::trim).uid("parse");'
    )
    report = run_doctor(write_project(tmp_path, pom(), {"Job.java": source}))
    assert findings(report, "MSF010") == []
