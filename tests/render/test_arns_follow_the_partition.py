"""Every ARN a project writes for the user is in the partition of its `aws_region` answer:
arn:aws-cn: for a China Region, arn:aws-us-gov: for GovCloud, arn:aws: elsewhere. The local
properties files, the examples of the infrastructure code (parameters.env, terraform.tfvars, the
CDK parameters) and the README agree, and the Python twin (properties.py) fills the same values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions
from markdown_it import MarkdownIt

from msf_scaffold.catalog import Catalog
from msf_scaffold.properties import property_groups
from tests.helpers import answers_for, render

#: Each Region with the partition its ARNs must name.
REGIONS = {"cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "eu-west-1": "aws"}
#: Per IaC flavour a pipeline whose properties hold ARNs: Kinesis streams, Firehose, DynamoDB,
#: Amazon MSK clusters (IAM), a SCRAM login and Iceberg.
PIPELINES: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "cloudformation": ("kinesis", ("kinesis", "firehose"), {}),
    "terraform": ("kafka", ("kafka", "dynamodb", "iceberg"), {"kafka_auth": "IAM"}),
    "cdk": ("kafka", ("kinesis",), {"kafka_auth": "SCRAM"}),
}
PROJECT = "orders-app"
#: An ARN whose partition is written out (not `${AWS::Partition}`, `{partition}` or `<partition>`).
_ARN = re.compile(r"\barn:([a-z][a-z-]*):([a-z0-9-]+):([^:\s`\"]*):")
_HCL = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
_RENDERED: dict[tuple[str, str], Path] = {}


@pytest.fixture(params=[(region, iac) for region in REGIONS for iac in PIPELINES], ids="-".join)
def project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str, Path]:
    region, iac = request.param
    if (region, iac) not in _RENDERED:
        source, sinks, extra = PIPELINES[iac]
        partition = REGIONS[region]
        answers = answers_for("2.2", source, sinks, aws_region=region, iac=iac, **extra)
        if iac == "cdk":
            # A topic in the project's partition passes the alarm_topic_arn validator.
            answers["alarm_topic_arn"] = f"arn:{partition}:sns:{region}:111122223333:on-call"
        _RENDERED[(region, iac)] = render(tmp_path_factory.mktemp(f"{region}-{iac}") / PROJECT, answers)
    return region, iac, _RENDERED[(region, iac)]


def _assert_in_partition(arns: list[str], region: str, where: str) -> None:
    partition = REGIONS[region]
    for arn in arns:
        match = _ARN.match(arn)
        assert match, f"{where}: {arn!r} is not an ARN"
        assert match[1] == partition, f"{where}: {arn} is not in partition {partition} of {region}"
        if match[3] and not match[3].startswith("<"):
            assert match[3] == region, f"{where}: {arn} is not in Region {region}"


def _properties_files(project: Path) -> dict[str, list[str]]:
    """The ARN values of each local properties file (JSON), by file name."""
    result = {}
    for path in sorted((project / "src/main/resources").glob("flink-application-properties-*.json")):
        groups = json.loads(path.read_text(encoding="utf-8"))
        result[path.name] = [
            value
            for group in groups
            for value in group["PropertyMap"].values()
            if isinstance(value, str) and value.startswith("arn:")
        ]
    return result


def _env_file(path: Path) -> dict[str, str]:
    """Every Name=value line of parameters.env, set or commented."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(?:# )?([A-Za-z][A-Za-z0-9]*)=(.*)", line)
        if match:
            values[match[1]] = match[2]
    return values


def _tfvars(path: Path) -> dict[str, Any]:
    """Every `name = value` of terraform.tfvars, set or commented, parsed as HCL."""
    lines = [line.removeprefix("# ") for line in path.read_text(encoding="utf-8").splitlines()]
    values: dict[str, Any] = {}
    for line in lines:
        if re.match(r"\w+ += ", line):
            values.update(hcl2.loads(line, serialization_options=_HCL))
    return values


def _cdk_defaults(project: Path) -> list[Any]:
    """The `default:` of every stack parameter the CDK app renders, as JSON values."""
    text = (project / "infra/cdk/lib/flink-application-stack.ts").read_text(encoding="utf-8")
    return [json.loads(value) for value in re.findall(r"\bdefault: (\"(?:[^\"\\]|\\.)*\"|null)", text)]


def _readme_code(project: Path) -> list[str]:
    """The text of every code span and code block of the README."""
    tokens = (
        MarkdownIt("commonmark").enable("table").parse((project / "README.md").read_text(encoding="utf-8"))
    )
    code = [token.content for token in tokens if token.type in ("fence", "code_block")]
    for token in tokens:
        code += [child.content for child in token.children or [] if child.type == "code_inline"]
    return code


def test_local_properties_hold_arns_of_the_regions_partition(
    project: tuple[str, str, Path], catalog: Catalog
) -> None:
    region, iac, folder = project
    files = _properties_files(folder)
    assert files["flink-application-properties-dev.json"], "the pipeline has ARNs in its local properties"
    for name, arns in files.items():
        _assert_in_partition(arns, region, name)
    # properties.py fills {partition} as the template does.
    source, sinks, extra = PIPELINES[iac]
    options = {"kafka": {"auth": extra["kafka_auth"]}} if "kafka_auth" in extra else None
    twin = property_groups(catalog, source, sinks, aws_region=region, artifact_id=PROJECT, options=options)
    expected = [v for g in twin for v in g.local_map().values() if v.startswith("arn:")]
    assert files["flink-application-properties-dev.json"] == expected


def test_infrastructure_examples_are_in_the_regions_partition(project: tuple[str, str, Path]) -> None:
    region, iac, folder = project
    partition = REGIONS[region]
    if iac == "cloudformation":
        values = _env_file(folder / "infra/cloudformation/parameters.env")
        assert values["AlarmTopicArn"] == f"arn:{partition}:sns:{region}:111122223333:alerts"
        arns = [value for value in values.values() if value.startswith("arn:")]
        assert {arn.split(":")[2] for arn in arns} == {"sns", "kinesis", "firehose"}
    elif iac == "terraform":
        values = _tfvars(folder / "infra/terraform/terraform.tfvars")
        assert values["alarm_topic_arn"] == f"arn:{partition}:sns:{region}:111122223333:alerts"
        arns = [value for value in values.values() if isinstance(value, str) and value.startswith("arn:")]
        assert {arn.split(":")[2] for arn in arns} == {"sns", "kafka", "dynamodb"}
    else:
        # The CDK app has no examples: its only ARN default is the alarm_topic_arn answer.
        arns = [
            value for value in _cdk_defaults(folder) if isinstance(value, str) and value.startswith("arn:")
        ]
        assert arns == [f"arn:{partition}:sns:{region}:111122223333:on-call"]
    _assert_in_partition(arns, region, iac)


def test_readme_arns_are_in_the_regions_partition(project: tuple[str, str, Path]) -> None:
    region, _, folder = project
    arns = [match[0] for code in _readme_code(folder) for match in _ARN.finditer(code)]
    assert arns, "the README shows the local ARNs"
    _assert_in_partition(arns, region, "README.md")


def test_every_arn_the_project_writes_out_is_in_the_regions_partition(project: tuple[str, str, Path]) -> None:
    """Every file but the generated tests (whose fixtures name Regions of their own): no `arn:aws:`
    is left in a China or GovCloud project. ARN patterns (`arn:aws[a-z-]*:`) and the partition
    placeholders of ARN templates are not written-out ARNs."""
    region, _, folder = project
    written = {
        f"{path.relative_to(folder)}: {match[0]}": match[0]
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and ".git" not in path.parts
        and path.relative_to(folder).parts[:2] != ("src", "test")
        for match in _ARN.finditer(path.read_text(encoding="utf-8", errors="replace"))
    }
    assert written
    for where, arn in written.items():
        _assert_in_partition([arn], region, where)
