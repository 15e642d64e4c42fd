"""MSF011: runtime property keys and groups that no connector of the project reads."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from msf_scaffold.doctor import Finding, Severity, run_doctor
from msf_scaffold.doctor.runtime_properties import declared_groups
from msf_scaffold.properties import MAX_DISTANCE, closest_name
from tests.doctor.builders import dep, findings, flink_deps, line_with, pom, write_project

KINESIS = dep("org.apache.flink", "flink-connector-aws-kinesis-streams", "5.1.0-1.20")
PROPERTIES_JSON = "src/main/resources/flink-application-properties-dev.json"

# The runtime configuration table of aws-samples/amazon-managed-service-for-apache-flink-examples
# java/KinesisConnectors/README.md, which names the EFO lifecycle key wrongly.
SAMPLE_README = """\
### Runtime configuration

| Group ID         | Key                             | Description                                    |
|------------------|---------------------------------|------------------------------------------------|
| `InputStream0`   | `stream.arn`                    | ARN of the input stream.                       |
| `InputStream0`   | `aws.region`                    | Region of the input stream.                    |
| `InputStream0`   | `source.init.position`          | (optional) Starting position. Default `LATEST` |
| `InputStream0`   | `source.reader.type`            | (optional) `POLLING` or `EFO`.                 |
| `InputStream0`   | `source.efo.consumer.name`      | (optional) Name of the EFO consumer.           |
| `InputStream0`   | `source.efo.consumer.lifecycle` | (optional) `JOB_MANAGED` or `SELF_MANAGED`.    |
| `OutputStream0`  | `stream.arn`                    | ARN of the output stream.                      |
| `OutputStream0`  | `aws.region`                    | Region of the output stream.                   |
| `FlinkApplicationProperties` | `window.size`       | The application's own setting.                 |

Every parameter in the `InputStream0` group is passed to the Kinesis consumer.
"""


def _kinesis_project(root: Path, files: dict[str, str]) -> Path:
    dependencies = [*flink_deps(), KINESIS]
    return write_project(root, pom(dependencies=dependencies), files=files)


def _messages(found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.location, f.message) for f in found]


def test_the_aws_sample_readme_lifecycle_key_is_reported(tmp_path: Path) -> None:
    project = _kinesis_project(tmp_path, {"README.md": SAMPLE_README})
    found = findings(run_doctor(project), "MSF011")
    line = line_with(SAMPLE_README, "source.efo.consumer.lifecycle")
    assert [f.location for f in found] == [f"README.md:{line}"], _messages(found)
    assert found[0].severity == Severity.WARNING  # documentation: it misleads, it does not deploy
    assert "'source.efo.consumer.lifecycle' in property group 'InputStream0'" in found[0].message
    assert "the Kinesis source connector" in found[0].message
    assert "'source.efo.lifecycle' ends the same way" in found[0].fix


def test_a_readme_json_block_and_a_local_file_with_the_same_key(tmp_path: Path) -> None:
    groups = [
        {
            "PropertyGroupId": "InputStream0",
            "PropertyMap": {
                "stream.arn": "arn:aws:kinesis:us-east-1:111122223333:stream/in",
                "source.reader.type": "EFO",
                "source.efo.consumer.name": "app",
                "source.efo.consumer.lifecycle": "SELF_MANAGED",
                "aws.endpoint": "http://localhost:4567",
            },
        }
    ]
    text = json.dumps(groups, indent=2)
    readme = f"# App\n\nRuntime properties:\n\n```json\n{text}\n```\n"
    project = _kinesis_project(tmp_path, {"README.md": readme, PROPERTIES_JSON: text})
    found = findings(run_doctor(project), "MSF011")
    assert {(f.location, f.severity) for f in found} == {
        (f"README.md:{line_with(readme, 'source.efo.consumer.lifecycle')}", Severity.WARNING),
        (f"{PROPERTIES_JSON}:{line_with(text, 'source.efo.consumer.lifecycle')}", Severity.ERROR),
    }


CLOUDFORMATION = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  StreamArn:
    Type: String
Resources:
  Application:
    Type: AWS::KinesisAnalyticsV2::Application
    Properties:
      RuntimeEnvironment: FLINK-1_20
      ApplicationConfiguration:
        EnvironmentProperties:
          PropertyGroups:
            - PropertyGroupId: KinesisSource
              PropertyMap:
                "straem.arn": !Ref StreamArn
                "aws.region": !Ref AWS::Region
                "aws.endpoint": https://kinesis.example
            - PropertyGroupId: !Sub "${AWS::StackName}-group"
              PropertyMap:
                "anything": "not a literal group id: skipped"
"""


def test_a_typo_in_a_cloudformation_property_group(tmp_path: Path) -> None:
    project = _kinesis_project(tmp_path, {"infra/application.yml": CLOUDFORMATION})
    found = findings(run_doctor(project), "MSF011")
    assert [(f.location, f.severity) for f in found] == [
        (f"infra/application.yml:{line_with(CLOUDFORMATION, 'straem.arn')}", Severity.ERROR)
    ]
    assert "did you mean 'stream.arn'?" in found[0].message
    assert found[0].fix == "Rename it to 'stream.arn'."


def test_cloudformation_json_is_read_too(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "App": {
                "Type": "AWS::KinesisAnalyticsV2::Application",
                "Properties": {
                    "ApplicationConfiguration": {
                        "EnvironmentProperties": {
                            "PropertyGroups": [
                                {"PropertyGroupId": "PrintSink", "PropertyMap": {"prefx": "out"}}
                            ]
                        }
                    }
                },
            }
        }
    }
    text = json.dumps(template, indent="\t")  # tabs: not YAML, read as JSON
    project = _kinesis_project(tmp_path, {"template.json": text})
    found = findings(run_doctor(project), "MSF011")
    assert [f.location for f in found] == [f"template.json:{line_with(text, 'prefx')}"]
    assert "did you mean 'prefix'?" in found[0].message


TERRAFORM = """\
resource "aws_kinesisanalyticsv2_application" "app" {
  name                   = "app"
  runtime_environment    = "FLINK-1_20"
  application_configuration {
    environment_properties {
      property_group {
        property_group_id = "KafkaSource"
        property_map = {
          "bootstrap.servers" = var.bootstrap_servers
          "group.idd"         = "orders"   # a typo of group.id
          "max.poll.records"  = "500"      # a Kafka client setting: passed on
          "topic" = join(",", [
            "a",
            "b",
          ])
        }
      }
      property_group {
        property_group_id = "FileSink"
        property_map = {
          "path"        = "s3://bucket/out"
          "compression" = "gzip"
        }
      }
      property_group {
        property_group_id = "PrintSink"
        property_map      = merge(var.print, { "prefx" = "x" })
      }
      dynamic "property_group" {
        for_each = var.groups
        content {
          property_group_id = property_group.key
          property_map      = property_group.value
        }
      }
    }
  }
}
"""


def test_terraform_property_groups(tmp_path: Path) -> None:
    project = _kinesis_project(tmp_path, {"infra/main.tf": TERRAFORM})
    found = findings(run_doctor(project), "MSF011")
    assert [f.location for f in found] == [
        f"infra/main.tf:{line_with(TERRAFORM, 'group.idd')}",
        f"infra/main.tf:{line_with(TERRAFORM, 'compression')}",
    ], _messages(found)
    typo, unknown = found
    assert "did you mean 'group.id'?" in typo.message
    # FileSink passes nothing on: every key it does not list is reported, with the ones it has.
    assert "'compression' in property group 'FileSink' is not a key of the group" in unknown.message
    assert "path, bucket.pattern, file.prefix" in unknown.fix


def test_a_local_json_file(tmp_path: Path) -> None:
    groups = [
        {"PropertyGroupId": "KinesisSourc", "PropertyMap": {"stream.arn": "x"}},
        {"PropertyGroupId": "DataGen", "PropertyMap": {"records.per.secnod": "10", "max.records": "5"}},
        {"PropertyGroupId": "KafkaSink", "PropertyMap": {"topic": "t", "password": "hunter2"}},
        {"PropertyGroupId": "MyOwnSettings", "PropertyMap": {"threshold": "3"}},
    ]
    text = json.dumps(groups, indent=2)
    project = _kinesis_project(tmp_path, {PROPERTIES_JSON: text})
    found = findings(run_doctor(project), "MSF011")
    assert [f.location.rsplit(":", 1)[1] for f in found] == [
        str(line_with(text, '"KinesisSourc"')),
        str(line_with(text, "records.per.secnod")),
        str(line_with(text, "password")),
    ], _messages(found)
    group, key, secret = found
    assert "did you mean 'KinesisSource'?" in group.message
    assert "did you mean 'records.per.second'?" in key.message
    assert "is a secret" in secret.message
    assert "KAFKA_SINK_PASSWORD" in secret.fix or "environment variable" in secret.fix


def test_a_group_id_the_code_reads_is_not_a_typo(tmp_path: Path) -> None:
    text = json.dumps([{"PropertyGroupId": "KafkaSource0", "PropertyMap": {"topic": "t"}}])
    job = 'package com.example;\nfinal class Config { static final String GROUP = "KafkaSource0"; }\n'
    project = write_project(tmp_path, pom(), java={"Config.java": job}, files={PROPERTIES_JSON: text})
    assert findings(run_doctor(project), "MSF011") == []


@pytest.mark.parametrize(
    ("key", "reported"),
    [
        ("max.poll.records", False),  # unlisted and far from every listed key: the Kafka client's
        ("client.id", False),
        ("bootstrap.server", True),  # a near-miss of bootstrap.servers
        ("tpoic", True),  # an adjacent swap is one edit
    ],
)
def test_a_pass_through_group(tmp_path: Path, key: str, reported: bool) -> None:
    text = json.dumps([{"PropertyGroupId": "KafkaSource", "PropertyMap": {key: "x", "topic": "t"}}])
    project = write_project(tmp_path, pom(), files={PROPERTIES_JSON: text})
    found = findings(run_doctor(project), "MSF011")
    assert [f.location for f in found] == ([f"{PROPERTIES_JSON}:1"] if reported else []), _messages(found)


CDK_TS = """\
new CfnApplication(this, 'App', {
  applicationConfiguration: {
    environmentProperties: {
      propertyGroups: [
        {
          propertyGroupId: 'KinesisSource',
          propertyMap: {
            'stream.arn': stream.streamArn,
            'source.init.postion': 'LATEST', // a typo
            ...extra,
          },
        },
        { propertyGroupId, propertyMap: Object.fromEntries(map) },
      ],
    },
  },
});
"""

CDK_PY = """\
CfnApplication.PropertyGroupProperty(
    property_group_id="PrintSink",
    property_map={"prefix": "out", "prefixx": "x", key: "skipped"},
)
"""

CDK_JAVA = """\
PropertyGroupProperty.builder()
        .propertyGroupId("DataGen")
        .propertyMap(Map.of(
                "records.per.second", "10",
                "malformed.evry", "5"))
        .build();
"""

CDK_L2 = """\
new flink.Application(this, 'App', {
  propertyGroups: {
    KinesisSource: { 'aws.regoin': 'us-east-1' },
  },
});
"""


def test_literal_cdk_property_maps(tmp_path: Path) -> None:
    files = {
        "cdk/lib/stack.ts": CDK_TS,
        "cdk/app.py": CDK_PY,
        "cdk/src/main/java/Stack.java": CDK_JAVA,
        "cdk/lib/l2.ts": CDK_L2,
    }
    project = _kinesis_project(tmp_path, files)
    found = findings(run_doctor(project), "MSF011")
    assert sorted(f.location for f in found) == sorted(
        [
            f"cdk/lib/stack.ts:{line_with(CDK_TS, 'source.init.postion')}",
            f"cdk/app.py:{line_with(CDK_PY, 'prefixx')}",
            f"cdk/src/main/java/Stack.java:{line_with(CDK_JAVA, 'malformed.evry')}",
            f"cdk/lib/l2.ts:{line_with(CDK_L2, 'aws.regoin')}",
        ]
    ), _messages(found)


def test_what_cannot_be_read_as_a_literal_is_skipped(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """\
        const groups = [{ propertyGroupId: name, propertyMap: props }];
        const other = { propertyGroupId: 'PrintSink', propertyMap: build('prefx') };
        """
    )
    project = _kinesis_project(tmp_path, {"cdk/lib/stack.ts": code})
    assert declared_groups(project) == ()


def test_the_python_rule_is_the_generated_jobs_rule() -> None:
    # RuntimePropertySpec.closest: at most MAX_DISTANCE edits, fewer than a third of the known length.
    assert MAX_DISTANCE == 2
    known = ["stream.arn", "topic", "source.efo.lifecycle"]
    assert closest_name("straem.arn", known) == "stream.arn"  # a swap
    assert closest_name("stream.arm", known) == "stream.arn"
    assert closest_name("topc", known) == "topic"
    assert closest_name("tpc", known) is None  # two edits on a five-letter key
    assert closest_name("source.efo.consumer.lifecycle", known) is None
    assert closest_name("x", ["y", "x"]) == "x"
    assert closest_name("ab", ["ax", "ay"]) is None  # one edit is not fewer than a third of 2


def test_test_fixtures_are_not_checked(tmp_path: Path) -> None:
    text = json.dumps([{"PropertyGroupId": "KafkaSource", "PropertyMap": {"tpoic": "t"}}])
    project = write_project(tmp_path, pom(), files={"src/test/resources/bad-properties.json": text})
    assert findings(run_doctor(project), "MSF011") == []
