"""The Terraform flavour: parsed with python-hcl2, checked by checkov and against the API model."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

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
)
from tests.iac.tools import assert_checkov_clean, checkov, hcl_format_diff

_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)

project = project_fixture("terraform")


def _parse(project: Path) -> dict[str, Any]:
    """Every .tf file of infra/terraform, merged by top-level block type."""
    merged: dict[str, Any] = {}
    for path in sorted((project / "infra/terraform").glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            document = hcl2.load(handle, serialization_options=_OPTIONS)
        for kind, blocks in document.items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def _resources(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        name: body
        for block in document["resource"]
        for k, named in block.items()
        if k == kind
        for name, body in named.items()
    }


def _variables(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: body for block in document["variable"] for name, body in block.items()}


def _application(document: dict[str, Any]) -> dict[str, Any]:
    (application,) = _resources(document, "aws_kinesisanalyticsv2_application").values()
    return application


def _property_map(value: dict[str, str] | str) -> tuple[dict[str, str], set[str]]:
    """A property_map as {key: "${expression}"} and the keys it holds only when their variable is set.

    python-hcl2 gives an object literal as a dict, but an expression such as
    ``merge({...}, var.x == null ? {} : {"key" = var.x})`` as its text.
    """
    if isinstance(value, dict):
        return value, set()
    (tree,) = [p for p in expressions.interpolations(value) if not isinstance(p, str)]
    assert tree[:2] == ("call", "merge"), value
    entries: dict[str, str] = {}
    conditional: set[str] = set()
    for argument in tree[2]:
        if argument[0] == "if":  # var.x == null ? {} : {"key" = var.x}
            _, test, then, otherwise = argument
            assert then == ("object", ()), value
            ((key, item),) = otherwise[1]
            assert test == ("compare", "==", item, ("literal", None)), value
            conditional.add(key[1])
            pairs = [(key, item)]
        else:
            assert argument[0] == "object", value
            pairs = list(argument[1])
        for key, item in pairs:
            assert key[0] == "literal" and item[0] == "reference", value
            entries[key[1]] = "${" + item[1] + "}"
    return entries, conditional


def test_configuration_parses_and_pins_its_tools(project: tuple[Case, Path], catalog: Catalog) -> None:
    _, path = project
    assert sorted(p.name for p in (path / "infra").iterdir()) == ["terraform"]
    document = _parse(path)
    (settings,) = document["terraform"]
    assert settings["required_version"] == catalog.iac.versions.terraform_required_version
    aws = (
        settings["required_providers"][0]["aws"]
        if isinstance(settings["required_providers"], list)
        else (settings["required_providers"]["aws"])
    )
    assert aws == {"source": "hashicorp/aws", "version": catalog.iac.versions.terraform_aws_provider}


@pytest.mark.iac
def test_every_terraform_file_is_formatted_as_terraform_fmt_writes_it(project: tuple[Case, Path]) -> None:
    files = sorted((project[1] / "infra/terraform").glob("*.tf*"))
    assert {path.suffix for path in files} == {".tf", ".tfvars"}
    diffs = {path.name: hcl_format_diff(path) for path in files}
    assert diffs == dict.fromkeys(diffs, ""), "".join(diffs.values())


@pytest.mark.iac
def test_configuration_passes_checkov_with_justified_suppressions(project: tuple[Case, Path]) -> None:
    _, path = project
    assert_checkov_clean(checkov(path / "infra/terraform", "terraform"))


def test_application_conforms_to_the_api_model(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    application = dict(_application(_parse(path)))
    assert application.pop("depends_on") == ["${aws_iam_role_policy.execution}"]
    application.pop("lifecycle", None)
    request = {
        "ApplicationName": application.pop("name"),
        "ApplicationDescription": application.pop("description"),
        **application,
    }
    assert validate("CreateApplicationRequest", request, "application", terraform=True) == []
    assert application["runtime_environment"] == catalog.flink.lines[case.line].msf_runtime

    (config,) = application["application_configuration"]
    (flink,) = config["flink_application_configuration"]
    app = catalog.iac.application
    assert flink["parallelism_configuration"] == [
        {
            "configuration_type": "CUSTOM",
            "parallelism": app.parallelism,
            "parallelism_per_kpu": app.parallelism_per_kpu,
            "auto_scaling_enabled": app.autoscaling,
        }
    ]
    assert flink["checkpoint_configuration"][0]["checkpoint_interval"] == app.checkpoint_interval_ms
    assert config["application_snapshot_configuration"] == [{"snapshots_enabled": True}]
    assert ("vpc_configuration" in config) == needs_vpc(catalog, case)
    assert application["cloudwatch_logging_options"] == [
        {"log_stream_arn": "${aws_cloudwatch_log_stream.application.arn}"}
    ]


def test_the_jar_is_uploaded_under_its_hash_before_the_application(project: tuple[Case, Path]) -> None:
    _, path = project
    document = _parse(path)
    jar = _resources(document, "aws_s3_object")["jar"]
    assert jar["source_hash"] == "${local.jar_hash}"
    assert "${substr(local.jar_hash, 0, 16)}" in jar["key"]
    (config,) = _application(document)["application_configuration"]
    location = config["application_code_configuration"][0]["code_content"][0]["s3_content_location"][0]
    assert location == {
        "bucket_arn": "${aws_s3_bucket.artifacts.arn}",
        "file_key": "${aws_s3_object.jar.key}",
    }


def test_property_groups_equal_local_json_and_readme(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    document = _parse(path)
    (config,) = _application(document)["application_configuration"]
    groups = config["environment_properties"][0]["property_group"]
    maps = {g["property_group_id"]: _property_map(g["property_map"]) for g in groups}
    in_iac = {group: list(entries) for group, (entries, _) in maps.items()}
    local = local_properties(path)
    assert list(in_iac) == list(local)
    assert in_iac == readme_properties(path)
    for group, keys in local.items():
        assert set(keys) <= set(in_iac[group]), group

    variables = _variables(document)
    expected = expected_parameters(catalog, case)
    assert [(p.group, p.key) for p in expected] == [(g, k) for g, keys in in_iac.items() for k in keys]
    for p in expected:
        entries, conditional = maps[p.group]
        assert entries[p.key] == "${" + ("local." if p.creates else "var.") + p.variable + "}"
        # An optional key without a default is left out of the group unless it is given.
        assert (p.key in conditional) == (not p.required and p.default is None and not p.creates), p.key
        declared = variables[p.variable]
        if p.creates:
            assert declared["default"] is None
        elif p.required:
            assert "default" not in declared, p.variable
        else:
            assert declared["default"] == p.default, p.variable


def test_execution_role_is_least_privilege(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    document = _parse(path)
    (role,) = _resources(document, "aws_iam_role").values()
    assert '"kinesisanalytics.amazonaws.com"' in role["assume_role_policy"]
    (policy,) = (
        body
        for block in document["data"]
        for k, named in block.items()
        if k == "aws_iam_policy_document"
        for body in named.values()
    )
    statements = {s["sid"]: s for s in policy["statement"]}
    names = {(p.group, p.key): p for p in expected_parameters(catalog, case)}

    assert statements.pop("ReadApplicationCode")["resources"] == [
        "${aws_s3_bucket.artifacts.arn}/${aws_s3_object.jar.key}"
    ]
    assert statements.pop("WriteLogs")["resources"] == ["${aws_cloudwatch_log_group.application.arn}:*"]
    statements.pop("FindLogGroup")
    for expected in expected_statements(catalog, case):
        statement = statements.pop(expected.sid)
        assert statement["actions"] == list(expected.actions)
        if expected.template is not None:
            for values, partition in itertools.product(samples(catalog, case), PARTITIONS):
                variables = {"var." + names[key].variable: value for key, value in values.items()}
                variables["local.partition"] = partition
                (resource,) = statement["resources"]
                arn = expressions.terraform(resource, variables)
                assert arn == expected.resource(values, partition), expected.sid
            continue
        assert expected.group is not None and expected.key is not None
        parameter = names[(expected.group, expected.key)]
        arn = ("local." if parameter.creates else "var.") + parameter.variable
        assert statement["resources"] == ["${" + arn + "}" + expected.suffix]

    assert set(statements) == ({s.sid for s in catalog.iac.vpc_iam} if needs_vpc(catalog, case) else set())
    for sid, statement in statements.items():
        wildcard = "*" in statement["resources"]
        assert wildcard == all(a.startswith("ec2:Describe") for a in statement["actions"]), sid
    actions = [a for s in policy["statement"] for a in s["actions"]]
    assert not [a for a in actions if a.startswith("kinesisanalyticsv2:")]


def test_alarms_watch_the_failure_signals(project: tuple[Case, Path], catalog: Catalog) -> None:
    case, path = project
    alarms = _resources(_parse(path), "aws_cloudwatch_metric_alarm")
    metrics = {}
    for name, alarm in alarms.items():
        queries = alarm.get("metric_query", [])
        stat = [q["metric"][0]["metric_name"] for q in queries if "metric" in q]
        metrics[name] = alarm.get("metric_name") or (stat[0] if stat else queries[0]["expression"])
    lag = catalog.iac.connectors.get(case.source, {}).get("source")
    expected_lag = lag.lag.metric if lag is not None and lag.lag is not None else None
    assert ("source_lag" in metrics) == (expected_lag is not None)
    if expected_lag is not None:
        assert f'("{expected_lag}")' in metrics.pop("source_lag")
    assert sorted(metrics.values()) == sorted(a.metric[case.line] for a in catalog.iac.alarms)


def test_the_provider_tags_every_resource(project: tuple[Case, Path]) -> None:
    case, path = project
    document = _parse(path)
    (provider,) = document["provider"]
    assert provider["aws"]["default_tags"] == [{"tags": "${var.tags}"}]
    tags = _variables(document)["tags"]
    assert tags["type"] == "${map(string)}"
    assert tags["default"] == case.expected_tags
    assert list(tags["default"]) == list(case.expected_tags)
    # No resource replaces the provider's tags with its own.
    for block in document["resource"]:
        for kind, named in block.items():
            for name, body in named.items():
                assert "tags" not in body, f"{kind}.{name}"


def test_the_alarms_notify_the_answered_topic_by_default(
    project: tuple[Case, Path], catalog: Catalog
) -> None:
    case, path = project
    variable = _variables(_parse(path))["alarm_topic_arn"]
    assert variable["default"] == case.alarm_topic
    (validation,) = variable["validation"]
    assert json.dumps(catalog.iac.alarm_topic.pattern) in validation["condition"]
    for name, alarm in _resources(_parse(path), "aws_cloudwatch_metric_alarm").items():
        assert alarm["alarm_actions"] == "${var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]}", name
