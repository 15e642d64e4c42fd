"""The CDK flavour: `npm install` and `cdk synth` of the generated app, then cfn-lint and the API model.

npm installs the exact versions package.json pins (the catalog's) once per test session; the other
projects link that node_modules after checking that their dependencies are the same.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog
from tests.helpers import local_properties
from tests.iac import expressions
from tests.iac.api_model import validate
from tests.iac.projects import (
    ARTIFACT,
    CASES,
    PARTITIONS,
    Case,
    expected_parameters,
    expected_statements,
    readme_properties,
    rendered,
    samples,
    taggable,
)
from tests.iac.tools import cfn_lint_findings

pytestmark = pytest.mark.iac

#: Both Flink lines; Kinesis EFO with a VPC connector, Kafka into Kinesis, no AWS resource, and the
#: AWS sinks whose IAM resources are ARN templates (Iceberg on Glue, files).
CDK_CASES = [CASES[1], CASES[3], CASES[4], CASES[6]]
_NODE_MODULES: list[Path] = []
_SYNTHESIZED: dict[str, dict[str, Any]] = {}
_ENV = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true", "CI": "true"}


def _dependencies(app: Path) -> dict[str, Any]:
    package = json.loads((app / "package.json").read_text(encoding="utf-8"))
    return {k: package[k] for k in ("dependencies", "devDependencies")}


def _install(app: Path) -> None:
    if _NODE_MODULES:
        first = _NODE_MODULES[0]
        assert _dependencies(app) == _dependencies(first.parent)
        (app / "node_modules").symlink_to(first, target_is_directory=True)
        return
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=app,
        check=True,
        env=_ENV,
        timeout=900,
        capture_output=True,
    )
    installed = json.loads((app / "node_modules/aws-cdk-lib/package.json").read_text(encoding="utf-8"))
    assert installed["version"] == _dependencies(app)["dependencies"]["aws-cdk-lib"]
    _NODE_MODULES.append(app / "node_modules")


def _synth(case: Case, factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    project = rendered(case, "cdk", factory)
    if case.id not in _SYNTHESIZED:
        app = project / "infra/cdk"
        _install(app)
        jar = project / f"target/{ARTIFACT}-0.1.0-SNAPSHOT.jar"
        jar.parent.mkdir(exist_ok=True)
        with zipfile.ZipFile(jar, "w") as archive:  # the build is not under test here
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        completed = subprocess.run(
            ["npx", "cdk", "synth", "--quiet", "--no-notices", "-o", "cdk.out"],
            cwd=app,
            env=_ENV,
            timeout=900,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        (template,) = (app / "cdk.out").glob("*.template.json")
        _SYNTHESIZED[case.id] = {"path": template, **json.loads(template.read_text(encoding="utf-8"))}
    return project, _SYNTHESIZED[case.id]


@pytest.fixture(params=CDK_CASES, ids=[c.id for c in CDK_CASES])
def synthesized(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Case, Path, dict[str, Any]]:
    case: Case = request.param
    project, template = _synth(case, tmp_path_factory)
    return case, project, template


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_package_pins_exact_versions(
    synthesized: tuple[Case, Path, dict[str, Any]], catalog: Catalog
) -> None:
    _, project, _ = synthesized
    versions = catalog.iac.versions
    assert _dependencies(project / "infra/cdk") == {
        "dependencies": {"aws-cdk-lib": versions.aws_cdk_lib, "constructs": versions.constructs},
        "devDependencies": {
            "@types/node": versions.types_node,
            "aws-cdk": versions.aws_cdk_cli,
            "ts-node": versions.ts_node,
            "typescript": versions.typescript,
        },
    }


def test_synthesized_template_passes_cfn_lint(synthesized: tuple[Case, Path, dict[str, Any]]) -> None:
    _, _, template = synthesized
    assert cfn_lint_findings(template["path"]) == []


def test_application_conforms_to_the_api_model(
    synthesized: tuple[Case, Path, dict[str, Any]], catalog: Catalog
) -> None:
    case, _, template = synthesized
    (application,) = _resources(template, "AWS::KinesisAnalyticsV2::Application").values()
    properties = application["Properties"]
    assert validate("CreateApplicationRequest", properties, "Application") == []
    assert properties["RuntimeEnvironment"] == catalog.flink.lines[case.line].msf_runtime
    location = properties["ApplicationConfiguration"]["ApplicationCodeConfiguration"]["CodeContent"][
        "S3ContentLocation"
    ]
    assert location["FileKey"].endswith(".jar")  # the asset's content-addressed key
    (logging,) = _resources(template, "AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption").values()
    assert (
        validate("CloudWatchLoggingOption", logging["Properties"]["CloudWatchLoggingOption"], "Logging") == []
    )
    (policy,) = _resources(template, "AWS::IAM::Policy")
    assert policy in application["DependsOn"]


def test_property_groups_and_role(synthesized: tuple[Case, Path, dict[str, Any]], catalog: Catalog) -> None:
    case, project, template = synthesized
    (application,) = _resources(template, "AWS::KinesisAnalyticsV2::Application").values()
    groups = application["Properties"]["ApplicationConfiguration"]["EnvironmentProperties"]["PropertyGroups"]
    in_iac = {g["PropertyGroupId"]: list(g["PropertyMap"]) for g in groups}
    assert list(in_iac) == list(local_properties(project))
    assert in_iac == readme_properties(project)
    for p in expected_parameters(catalog, case):
        declared = template["Parameters"][p.name]
        if p.creates or (not p.required and p.default is None):
            # Created streams, and optional keys without a default (left out unless given).
            assert declared["Default"] == ""
        elif p.required:
            assert "Default" not in declared, p.name
        else:
            assert declared["Default"] == p.default, p.name

    (policy,) = _resources(template, "AWS::IAM::Policy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    names = {(p.group, p.key): p.name for p in expected_parameters(catalog, case)}
    conditions = {name: not name.startswith("CreateStreams") for name in template.get("Conditions", {})}
    for expected in expected_statements(catalog, case):
        actions = statements[expected.sid]["Action"]
        assert sorted([actions] if isinstance(actions, str) else actions) == sorted(set(expected.actions))
        resource = statements[expected.sid]["Resource"]
        if expected.template is not None:
            for values, partition in itertools.product(samples(catalog, case), PARTITIONS):
                parameters = {names[key]: value for key, value in values.items()}
                parameters["AWS::Partition"] = partition
                arn = expressions.cloudformation(resource, parameters, conditions)
                assert arn == expected.resource(values, partition), (expected.sid, values)
            continue
        # Only the wildcards the catalog writes (EFO consumers).
        assert resource != "*" and json.dumps(resource).count("*") == expected.suffix.count("*"), resource
    (role,) = _resources(template, "AWS::IAM::Role").values()
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "kinesisanalytics.amazonaws.com"}
    actions = json.dumps(policy["Properties"]["PolicyDocument"])
    assert "kinesisanalyticsv2:" not in actions


def test_every_taggable_resource_carries_the_tags(synthesized: tuple[Case, Path, dict[str, Any]]) -> None:
    case, _, template = synthesized
    kinds = []
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if taggable(resource["Type"]):
            assert {tag["Key"]: tag["Value"] for tag in properties["Tags"]} == case.expected_tags, logical_id
            kinds.append(resource["Type"])
        else:
            assert "Tags" not in properties, logical_id
    assert {"AWS::KinesisAnalyticsV2::Application", "AWS::IAM::Role", "AWS::Logs::LogGroup"} <= set(kinds)


def test_the_alarms_notify_the_answered_topic_by_default(
    synthesized: tuple[Case, Path, dict[str, Any]], catalog: Catalog
) -> None:
    case, _, template = synthesized
    parameter = template["Parameters"]["AlarmTopicArn"]
    assert parameter["Default"] == (case.alarm_topic or "")
    assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"])
    assert parameter["AllowedPattern"] == "^$|" + catalog.iac.alarm_topic.pattern
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            actions = resource["Properties"]["AlarmActions"]
            assert actions == {
                "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
            }, logical_id
