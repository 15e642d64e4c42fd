"""The CloudFormation flavour: valid templates, the API model, least privilege, one property definition."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode.cfn_yaml import loads

from msf_scaffold.catalog import Catalog
from tests.helpers import local_properties
from tests.iac import expressions
from tests.iac.api_model import validate
from tests.iac.projects import (
    PARTITIONS,
    Case,
    expected_parameters,
    expected_statements,
    needs_vpc,
    project_fixture,
    readme_properties,
    samples,
    taggable,
)
from tests.iac.tools import assert_checkov_clean, cfn_lint_findings, checkov

project = project_fixture("cloudformation")


def _template(project: Path, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = loads((project / "infra/cloudformation" / name).read_text(encoding="utf-8"))
    return loaded


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_templates_pass_cfn_lint(project: tuple[Case, Path]) -> None:
    _, path = project
    for name in ("artifacts.yml", "application.yml"):
        assert cfn_lint_findings(path / "infra/cloudformation" / name) == []


@pytest.mark.iac
def test_templates_pass_checkov_with_justified_suppressions(project: tuple[Case, Path]) -> None:
    _, path = project
    assert_checkov_clean(checkov(path / "infra/cloudformation", "cloudformation"))


def test_only_the_chosen_flavour_is_generated(project: tuple[Case, Path]) -> None:
    _, path = project
    assert sorted(p.name for p in (path / "infra").iterdir()) == ["cloudformation"]
    script = path / "infra/cloudformation/deploy.sh"
    assert script.stat().st_mode & 0o111
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    for command in ("deploy)", "update)", "start)", "stop)"):
        assert command in text
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_application_conforms_to_the_api_model(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    template = _template(path, "application.yml")
    (application,) = _resources(template, "AWS::KinesisAnalyticsV2::Application").values()
    properties = application["Properties"]
    assert validate("CreateApplicationRequest", properties, "Application") == []
    assert properties["RuntimeEnvironment"] == catalog.flink.lines[case.line].msf_runtime

    config = properties["ApplicationConfiguration"]
    flink = config["FlinkApplicationConfiguration"]
    app = catalog.iac.application
    assert flink["CheckpointConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "CheckpointingEnabled": True,
        "CheckpointInterval": app.checkpoint_interval_ms,
        "MinPauseBetweenCheckpoints": app.min_pause_between_checkpoints_ms,
    }
    assert flink["ParallelismConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "Parallelism": app.parallelism,
        "ParallelismPerKPU": app.parallelism_per_kpu,
        "AutoScalingEnabled": app.autoscaling,
    }
    assert flink["MonitoringConfiguration"]["LogLevel"] == app.log_level
    assert config["ApplicationSnapshotConfiguration"] == {"SnapshotsEnabled": True}
    assert ("VpcConfigurations" in config) == needs_vpc(catalog, case)

    (logging,) = _resources(template, "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption").values()
    assert (
        validate("CloudWatchLoggingOption", logging["Properties"]["CloudWatchLoggingOption"], "Logging") == []
    )
    assert set(_resources(template, "AWS::Logs::LogGroup")) == {"LogGroup"}
    assert set(_resources(template, "AWS::Logs::LogStream")) == {"LogStream"}


def test_property_groups_equal_local_json_and_readme(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    template = _template(path, "application.yml")
    (application,) = _resources(template, "AWS::KinesisAnalyticsV2::Application").values()
    groups = application["Properties"]["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"]
    in_iac = {g["PropertyGroupId"]: list(g["PropertyMap"]) for g in groups}
    local = local_properties(path)

    assert list(in_iac) == list(local) == list(readme_properties(path))
    assert in_iac == readme_properties(path)
    for group, keys in local.items():
        assert set(keys) <= set(in_iac[group]), group

    expected = expected_parameters(catalog, case)
    assert [(p.group, p.key) for p in expected] == [(g, k) for g, keys in in_iac.items() for k in keys]
    parameters = template["Parameters"]
    for p in expected:
        declared = parameters[p.name]
        value = next(g for g in groups if g["PropertyGroupId"] == p.group)["PropertyMap"][p.key]
        if p.creates:
            # The given ARN, else the stream the stack creates; the Rules allow exactly one of them.
            assert declared["Default"] == ""
            assert value == {
                "Fn::If": [f"Has{p.name}", {"Ref": p.name}, {"Fn::GetAtt": [f"{p.name}Stream", "Arn"]}]
            }
            rules = template["Rules"]
            assert {"Fn::Not": [{"Fn::Equals": [{"Ref": p.name}, ""]}]} in [
                a["Assert"] for a in rules["ExistingStreamsNeedArns"]["Assertions"]
            ]
            assert {"Fn::Equals": [{"Ref": p.name}, ""]} in [
                a["Assert"] for a in rules["CreatedStreamsTakeNoArns"]["Assertions"]
            ]
        elif not p.required and p.default is None:
            # An optional key without a default is left out of the group unless it is given.
            assert declared["Default"] == ""
            assert value == {"Fn::If": [f"Has{p.name}", {"Ref": p.name}, {"Ref": "AWS::NoValue"}]}
        else:
            assert value == {"Ref": p.name}
            if p.required:
                assert "Default" not in declared, p.name
            else:
                assert declared["Default"] == p.default, p.name


def _policy_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (role,) = _resources(template, "AWS::IAM::Role").values()
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "kinesisanalytics.amazonaws.com"
    }
    (policy,) = role["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


def test_execution_role_is_least_privilege(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    statements = {s["Sid"]: s for s in _policy_statements(_template(path, "application.yml"))}
    names = {(p.group, p.key): p for p in expected_parameters(catalog, case)}

    code = statements.pop("ReadApplicationCode")
    assert code["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert code["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${ArtifactBucket}/${CodeKey}"}
    assert statements.pop("WriteLogs")["Resource"] == {"Fn::GetAtt": ["LogGroup", "Arn"]}
    assert statements.pop("FindLogGroup")["Action"] == "logs:DescribeLogGroups"

    template = _template(path, "application.yml")
    # Every optional value given; the streams passed in rather than created.
    conditions = {name: not name.startswith("CreateStreams") for name in template["Conditions"]}
    for expected in expected_statements(catalog, case):
        statement = statements.pop(expected.sid)
        assert statement["Action"] == list(expected.actions)
        if expected.template is not None:
            for values, partition in itertools.product(samples(catalog, case), PARTITIONS):
                parameters = {names[key].name: value for key, value in values.items()}
                parameters["AWS::Partition"] = partition
                resource = expressions.cloudformation(statement["Resource"], parameters, conditions)
                assert resource == expected.resource(values, partition), (expected.sid, values)
            continue
        assert expected.group is not None and expected.key is not None
        parameter = names[(expected.group, expected.key)]
        arn = (
            {
                "Fn::If": [
                    f"Has{parameter.name}",
                    {"Ref": parameter.name},
                    {"Fn::GetAtt": [f"{parameter.name}Stream", "Arn"]},
                ]
            }
            if parameter.creates
            else {"Ref": parameter.name}
        )
        assert statement["Resource"] == (
            {"Fn::Join": ["", [arn, expected.suffix]]} if expected.suffix else arn
        )

    vpc = {s.sid: s for s in catalog.iac.vpc_iam}
    assert set(statements) == (set(vpc) if needs_vpc(catalog, case) else set())
    for sid, statement in statements.items():
        # IAM requires "*" only for the EC2 Describe actions, which support no resource scoping.
        wildcard = "*" in statement["Resource"]
        assert wildcard == all(a.startswith("ec2:Describe") for a in statement["Action"]), sid

    every_action = [
        a for s in _policy_statements(_template(path, "application.yml")) for a in _list(s["Action"])
    ]
    assert not [a for a in every_action if a.startswith("kinesisanalyticsv2:")]


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_alarms_watch_the_failure_signals(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    alarms = _resources(_template(path, "application.yml"), "AWS::CloudWatch::Alarm")
    metrics = {}
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        if "MetricName" in properties:
            metrics[name] = properties["MetricName"]
        else:
            queries = properties["Metrics"]
            stat = [q for q in queries if "MetricStat" in q]
            metrics[name] = (
                stat[0]["MetricStat"]["Metric"]["MetricName"] if stat else queries[0]["Expression"]
            )
    expected = {f"{a.id}Alarm": a.metric[case.line] for a in catalog.iac.alarms}
    lag = catalog.iac.connectors.get(case.source, {}).get("source")
    assert {k: v for k, v in metrics.items() if k != "SourceLagAlarm"} == expected
    if lag is not None and lag.lag is not None:
        assert f'("{lag.lag.metric}")' in str(metrics["SourceLagAlarm"]["Fn::Sub"])
    else:
        assert "SourceLagAlarm" not in metrics
    restarts = "fullRestarts" if case.line == "1.20" else "numRestarts"
    assert restarts in metrics.values()


def test_artifacts_stack_is_a_private_versioned_bucket(project: tuple[Case, Path]) -> None:
    _, path = project
    template = _template(path, "artifacts.yml")
    (bucket,) = _resources(template, "AWS::S3::Bucket").values()
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    assert set(template["Outputs"]) == {"ArtifactBucketName"}


def test_every_taggable_resource_carries_the_tags(project: tuple[Case, Path]) -> None:
    case, path = project
    tagged = []
    for name in ("artifacts.yml", "application.yml"):
        for logical_id, resource in _template(path, name)["Resources"].items():
            properties = resource.get("Properties", {})
            if taggable(resource["Type"]):
                pairs = [(tag["Key"], tag["Value"]) for tag in properties["Tags"]]
                assert pairs == list(case.expected_tags.items()), logical_id
                tagged.append(resource["Type"])
            else:
                assert "Tags" not in properties, logical_id
    assert {"AWS::S3::Bucket", "AWS::KinesisAnalyticsV2::Application", "AWS::IAM::Role"} <= set(tagged)


def test_the_alarms_notify_the_answered_topic_by_default(
    project: tuple[Case, Path], catalog: Catalog
) -> None:
    case, path = project
    parameter = _template(path, "application.yml")["Parameters"]["AlarmTopicArn"]
    assert parameter["Default"] == (case.alarm_topic or "")
    assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"])
    assert parameter["AllowedPattern"] == "^$|" + catalog.iac.alarm_topic.pattern
