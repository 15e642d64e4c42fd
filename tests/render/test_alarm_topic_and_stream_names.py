"""The alarm topic and the Kinesis stream names reach every place that uses them, in every IaC
flavour; left at their defaults they give the files of the releases that did not ask them."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from cfnlint.decode.cfn_yaml import loads
from hcl2.utils import SerializationOptions

from msf_scaffold.catalog import Catalog
from msf_scaffold.properties import property_groups
from tests.helpers import answers_for, local_properties, render

TOPIC = "arn:aws:sns:us-east-1:111122223333:payments-on-call"
INPUT, OUTPUT = "prices.raw_v2", "prices-normalised"
#: The projects' folder, which names the artifact and so the streams that are not asked.
PROJECT = "orders-app"
CUSTOM = {"alarm_topic_arn": TOPIC, "kinesis_input_stream": INPUT, "kinesis_output_stream": OUTPUT}
FLAVOURS = ("cloudformation", "terraform", "cdk")
_HCL = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


def _stream(name: str) -> str:
    return f"arn:aws:kinesis:us-east-1:111122223333:stream/{name}"


#: The local stream ARNs by property group: the answers' names, and the dead-letter stream's own.
STREAMS = {"KinesisSource": _stream(INPUT), "KinesisSink": _stream(OUTPUT)}
STREAMS["DeadLetterSink"] = _stream(f"{PROJECT}-dead-letter")
DEFAULT_STREAMS = {
    "KinesisSource": _stream(f"{PROJECT}-input"),
    "KinesisSink": _stream(f"{PROJECT}-output"),
    "DeadLetterSink": _stream(f"{PROJECT}-dead-letter"),
}

_RENDERED: dict[tuple[str, bool], Path] = {}


def _project(factory: pytest.TempPathFactory, iac: str, custom: bool) -> Path:
    key = (iac, custom)
    if key not in _RENDERED:
        answers = answers_for("2.2", "kinesis", ("kinesis",), iac=iac, **(CUSTOM if custom else {}))
        folder = factory.mktemp(f"{iac}-{'custom' if custom else 'default'}")
        _RENDERED[key] = render(folder / PROJECT, answers)
    return _RENDERED[key]


@pytest.fixture(params=FLAVOURS)
def custom(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return request.param, _project(tmp_path_factory, request.param, True)


@pytest.fixture(params=FLAVOURS)
def default(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return request.param, _project(tmp_path_factory, request.param, False)


def _stream_arns(document: list[dict[str, Any]]) -> dict[str, str]:
    return {entry["PropertyGroupId"]: entry["PropertyMap"]["stream.arn"] for entry in document}


def _readme_values(project: Path) -> dict[tuple[str, str], str]:
    """(group, key) -> the local value column of the README's runtime properties table."""
    text = (project / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|[^|]*\|[^|]*\| `([^`]*)` \|", text, flags=re.MULTILINE)
    return {(group, key): value for group, key, value in rows}


def _env_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(set, commented) Name=value lines of parameters.env."""
    values: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(# )?([A-Za-z][A-Za-z0-9]*)=(.*)", line)
        if match:
            (commented if match[1] else values)[match[2]] = match[3]
    return values, commented


def _hcl(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = hcl2.load(handle, serialization_options=_HCL)
    return document


def _commented_tfvars(path: Path) -> dict[str, str]:
    """The commented `# name = "value"` examples of terraform.tfvars, parsed as HCL."""
    lines = [
        line[2:] for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"# \w+ += ", line)
    ]
    return {
        name: value for line in lines for name, value in hcl2.loads(line, serialization_options=_HCL).items()
    }


def _cdk_parameter(project: Path, name: str) -> dict[str, Any]:
    """The options of the stack's `new CfnParameter(this, '<name>', {...})`, as JSON values."""
    text = (project / "infra/cdk/lib/flink-application-stack.ts").read_text(encoding="utf-8")
    body = text.split(f"new CfnParameter(this, '{name}', {{", 1)[1].split("\n    }", 1)[0]
    return {
        k: json.loads(v)
        for k, v in re.findall(r"^\s+(\w+): (\".*\"|'[^']*'),$", body.replace("'", '"'), re.M)
    }


def test_the_stream_names_reach_the_local_properties_and_the_readme(
    custom: tuple[str, Path], catalog: Catalog
) -> None:
    _, project = custom
    resources = project / "src/main/resources"
    for name in ("dev", "local-compose", "cluster"):
        document = json.loads((resources / f"flink-application-properties-{name}.json").read_text("utf-8"))
        assert _stream_arns(document) == STREAMS, name
    groups = property_groups(
        catalog,
        "kinesis",
        ["kinesis"],
        aws_region="us-east-1",
        artifact_id=PROJECT,
        options={"kinesis": {"input_stream": INPUT, "output_stream": OUTPUT}},
    )
    assert local_properties(project) == {group.group_id: group.local_map() for group in groups}
    readme = _readme_values(project)
    assert {group: readme[(group, "stream.arn")] for group in STREAMS} == STREAMS


def test_the_local_emulator_creates_the_named_streams_and_seeds_the_input(custom: tuple[str, Path]) -> None:
    _, project = custom
    compose = yaml.safe_load((project / "docker-compose.yml").read_text(encoding="utf-8"))
    script = compose["services"]["kinesis-init"]["command"][0]
    created = [
        words[words.index("--stream-name") + 1]
        for words in map(shlex.split, script.splitlines())
        if "create-stream" in words
    ]
    assert created == [INPUT, OUTPUT, f"{PROJECT}-dead-letter"]
    seeded = shlex.split(script.strip().splitlines()[-1].split(" | ", 1)[1])
    assert seeded[seeded.index("--stream-name") + 1] == INPUT


def test_the_alarm_topic_is_the_default_of_every_flavour(custom: tuple[str, Path], catalog: Catalog) -> None:
    iac, project = custom
    pattern = catalog.iac.alarm_topic.pattern
    if iac == "cloudformation":
        folder = project / "infra/cloudformation"
        parameter = loads((folder / "application.yml").read_text(encoding="utf-8"))["Parameters"][
            "AlarmTopicArn"
        ]
        assert parameter["Default"] == TOPIC
        assert parameter["AllowedPattern"] == "^$|" + pattern
        values, commented = _env_file(folder / "parameters.env")
        assert values["AlarmTopicArn"] == TOPIC and "AlarmTopicArn" not in commented
        # The stream ARNs are examples for CreateStreams=false, named by the answers.
        assert commented["KinesisSourceStreamArn"] == STREAMS["KinesisSource"]
        assert commented["KinesisSinkStreamArn"] == STREAMS["KinesisSink"]
    elif iac == "terraform":
        folder = project / "infra/terraform"
        variables = {
            name: body for block in _hcl(folder / "variables.tf")["variable"] for name, body in block.items()
        }
        assert variables["alarm_topic_arn"]["default"] == TOPIC
        (validation,) = variables["alarm_topic_arn"]["validation"]
        assert json.dumps(pattern) in validation["condition"]
        assert _hcl(folder / "terraform.tfvars")["alarm_topic_arn"] == TOPIC
        examples = _commented_tfvars(folder / "terraform.tfvars")
        assert "alarm_topic_arn" not in examples
        assert examples["kinesis_source_stream_arn"] == STREAMS["KinesisSource"]
        assert examples["kinesis_sink_stream_arn"] == STREAMS["KinesisSink"]
    else:
        parameter = _cdk_parameter(project, "AlarmTopicArn")
        assert parameter["default"] == TOPIC
        assert parameter["allowedPattern"] == "^$|" + pattern
    assert re.search(pattern, TOPIC)


def test_left_at_their_defaults_nothing_notifies_and_the_streams_keep_their_names(
    default: tuple[str, Path],
) -> None:
    iac, project = default
    assert (
        _stream_arns(
            json.loads(
                (project / "src/main/resources/flink-application-properties-dev.json").read_text("utf-8")
            )
        )
        == DEFAULT_STREAMS
    )
    if iac == "cloudformation":
        folder = project / "infra/cloudformation"
        parameter = loads((folder / "application.yml").read_text(encoding="utf-8"))["Parameters"][
            "AlarmTopicArn"
        ]
        assert parameter["Default"] == ""
        values, commented = _env_file(folder / "parameters.env")
        assert "AlarmTopicArn" not in values and commented["AlarmTopicArn"].startswith("arn:aws:sns:")
    elif iac == "terraform":
        folder = project / "infra/terraform"
        variables = {
            name: body for block in _hcl(folder / "variables.tf")["variable"] for name, body in block.items()
        }
        assert variables["alarm_topic_arn"]["default"] is None
        assert "alarm_topic_arn" not in _hcl(folder / "terraform.tfvars")
        assert "alarm_topic_arn" in _commented_tfvars(folder / "terraform.tfvars")
    else:
        assert _cdk_parameter(project, "AlarmTopicArn")["default"] == ""
