"""The MSF application settings (msf_* answers) reach every IaC flavour, parsed; every experience
level can set every answer with --data, also those it is not asked; new_to_flink's README lists
the answers it was not asked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from cfnlint.decode.cfn_yaml import loads
from hcl2.utils import SerializationOptions

from msf_scaffold.catalog import Catalog
from tests.covering import EXPERIENCES
from tests.helpers import answers_file, answers_for, render
from tests.iac.api_model import validate

#: A value other than the catalog's default for every setting (test_settings_differ_from_defaults).
SETTINGS: dict[str, Any] = {
    "msf_parallelism": 4,
    "msf_parallelism_per_kpu": 2,
    "msf_autoscaling": False,
    "msf_checkpoint_interval_ms": 30000,
    "msf_snapshots": False,
    "msf_log_level": "WARN",
    "msf_metrics_level": "OPERATOR",
}
#: Every other question answered with a value that is not its default (kinesis options, not Kafka's
#: nor Iceberg's: their questions are not asked without their connector).
EVERY_ANSWER: dict[str, Any] = {
    **SETTINGS,
    "project_name": "Ledger Feed",
    "artifact_id": "ledger-feed",
    "group_id": "org.acme",
    "package": "org.acme.ledger",
    "description": "Moves ledger entries on.",
    "owner": "payments",
    "flink_version": "1.20",
    "api": "datastream",
    "source": "kinesis",
    "sinks": ["kinesis", "files"],
    "kinesis_reader": "EFO",
    "kinesis_input_stream": "ledger-in",
    "kinesis_output_stream": "ledger-out",
    "kinesis_efo_consumer": "ledger-consumer",
    "kinesis_efo_lifecycle": "SELF_MANAGED",
    "files_format": "PARQUET",
    "aws_region": "eu-west-1",
    "iac": "terraform",
    "tags": {"CostCenter": "1234"},
    "alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:on-call",
    "backstage": True,
}
FLAVOURS = ("cloudformation", "terraform", "cdk")
_HCL = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
_RENDERED: dict[str, Path] = {}


def _project(factory: pytest.TempPathFactory, iac: str) -> Path:
    if iac not in _RENDERED:
        # Given to a new_to_flink project, which is not asked any of them.
        answers = answers_for("2.2", "datagen", ("print",), iac=iac, experience="new_to_flink", **SETTINGS)
        _RENDERED[iac] = render(factory.mktemp(iac) / "settings-app", answers)
    return _RENDERED[iac]


def test_settings_differ_from_defaults_and_hold_to_the_catalog_limits(catalog: Catalog) -> None:
    app, limits = catalog.iac.application, catalog.iac.application_limits
    for name, value in SETTINGS.items():
        field = name.removeprefix("msf_")
        assert value != getattr(app, field), name
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            assert getattr(limits, field).holds(value), name
        else:
            assert value in getattr(limits, field), name


def test_cloudformation_carries_the_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = _project(tmp_path_factory, "cloudformation")
    template = loads((project / "infra/cloudformation/application.yml").read_text(encoding="utf-8"))
    (application,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::KinesisAnalyticsV2::Application"
    ]
    properties = application["Properties"]
    assert validate("CreateApplicationRequest", properties, "Application") == []
    config = properties["ApplicationConfiguration"]
    flink = config["FlinkApplicationConfiguration"]
    assert config["ApplicationSnapshotConfiguration"] == {"SnapshotsEnabled": False}
    assert flink["CheckpointConfiguration"]["ConfigurationType"] == "CUSTOM"
    assert flink["CheckpointConfiguration"]["CheckpointInterval"] == 30000
    assert flink["MonitoringConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "LogLevel": "WARN",
        "MetricsLevel": "OPERATOR",
    }
    assert flink["ParallelismConfiguration"] == {
        "ConfigurationType": "CUSTOM",
        "Parallelism": 4,
        "ParallelismPerKPU": 2,
        "AutoScalingEnabled": False,
    }


def test_terraform_carries_the_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = _project(tmp_path_factory, "terraform")
    with (project / "infra/terraform/main.tf").open(encoding="utf-8") as handle:
        document = hcl2.load(handle, serialization_options=_HCL)
    (application,) = [
        body
        for block in document["resource"]
        for kind, named in block.items()
        if kind == "aws_kinesisanalyticsv2_application"
        for body in named.values()
    ]
    # A block is a list of its occurrences (one here).
    (config,) = application["application_configuration"]
    assert config["application_snapshot_configuration"] == [{"snapshots_enabled": False}]
    (flink,) = config["flink_application_configuration"]
    (checkpoint,) = flink["checkpoint_configuration"]
    assert (checkpoint["configuration_type"], checkpoint["checkpoint_interval"]) == ("CUSTOM", 30000)
    assert flink["monitoring_configuration"] == [
        {
            "configuration_type": "CUSTOM",
            "log_level": "WARN",
            "metrics_level": "OPERATOR",
        }
    ]
    assert flink["parallelism_configuration"] == [
        {
            "configuration_type": "CUSTOM",
            "parallelism": 4,
            "parallelism_per_kpu": 2,
            "auto_scaling_enabled": False,
        }
    ]


def _ts_object(text: str, key: str) -> dict[str, str]:
    """The `key: value` pairs of the object literal `key: { ... }` in TypeScript source."""
    body = re.search(rf"\b{key}: \{{([^{{}}]*)\}}", text, re.DOTALL)
    assert body, key
    return dict(re.findall(r"(\w+): ('[^']*'|[\w.]+)", body.group(1)))


def test_cdk_carries_the_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    project = _project(tmp_path_factory, "cdk")
    text = (project / "infra/cdk/lib/flink-application-stack.ts").read_text(encoding="utf-8")
    assert _ts_object(text, "applicationSnapshotConfiguration") == {"snapshotsEnabled": "false"}
    checkpoint = _ts_object(text, "checkpointConfiguration")
    assert (checkpoint["configurationType"], checkpoint["checkpointInterval"]) == ("'CUSTOM'", "30000")
    assert _ts_object(text, "monitoringConfiguration") == {
        "configurationType": "'CUSTOM'",
        "logLevel": "'WARN'",
        "metricsLevel": "'OPERATOR'",
    }
    assert _ts_object(text, "parallelismConfiguration") == {
        "configurationType": "'CUSTOM'",
        "parallelism": "4",
        "parallelismPerKpu": "2",
        "autoScalingEnabled": "false",
    }


@pytest.mark.parametrize("experience", EXPERIENCES)
def test_every_level_sets_every_answer_with_data(experience: str, tmp_path: Path) -> None:
    project = render(tmp_path / "ledger-feed", {**EVERY_ANSWER, "experience": experience})
    recorded = answers_file(project)
    assert {name: recorded.get(name) for name in EVERY_ANSWER} == EVERY_ANSWER
    readme = (project / "README.md").read_text(encoding="utf-8")
    heading = "## Answers chosen for you"
    if experience != "new_to_flink":
        assert heading not in readme
        return
    paragraph = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    listed = dict(re.findall(r"`(\w+)` ([^,`]+?)(?:,|\. To change)", " ".join(paragraph.split())))
    essentials = {"experience", "project_name", "flink_version", "source", "sinks", "iac"}
    expected = {k: v for k, v in recorded.items() if not k.startswith("_") and k not in essentials}
    assert set(listed) == set(expected)
    assert listed["msf_parallelism"] == "4" and listed["msf_autoscaling"] == "no"
    assert listed["aws_region"] == "eu-west-1" and listed["files_format"] == "PARQUET"
