"""Presets and organisation defaults: applied, checked, and refused with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from cfnlint.decode.cfn_yaml import loads
from hcl2.utils import SerializationOptions

from msf_scaffold.cli import main
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from msf_scaffold.org_defaults import load_org_defaults
from msf_scaffold.presets import load_presets
from msf_scaffold.questions import question_names
from tests.helpers import ROOT, Pom, answers_file, snapshot_template

PRESETS = load_presets()
QUESTIONS = question_names(ROOT)


def test_presets_cover_the_common_pipelines() -> None:
    common = {"kinesis-to-kinesis", "msk-to-msk", "msk-to-iceberg", "cdc-to-iceberg", "kinesis-efo-to-s3"}
    common.add("local-demo")
    assert common <= set(PRESETS)
    for item in PRESETS.values():
        assert item.description
        assert set(item.answers) <= set(QUESTIONS), item.name


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_generates_its_pipeline(tmp_path: Path, name: str) -> None:
    assert main(["new", str(tmp_path / "app"), "--defaults", "--no-git", "--preset", name]) == 0
    answers = answers_file(tmp_path / "app")
    for key, value in PRESETS[name].answers.items():
        assert answers[key] == value


def test_a_preset_is_a_plain_copier_data_file(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "template")
    copier = Path(sys.executable).with_name("copier")
    subprocess.run(
        [
            str(copier),
            "copy",
            "--defaults",
            "--quiet",
            "--data-file",
            str(ROOT / "presets/msk-to-msk.yml"),
            str(template),
            str(tmp_path / "copier" / "orders-app"),
        ],
        check=True,
        capture_output=True,
    )
    assert (
        main(
            [
                "new",
                str(tmp_path / "cli" / "orders-app"),
                "--defaults",
                "--no-git",
                "--preset",
                "msk-to-msk",
                "--template",
                str(template),
            ]
        )
        == 0
    )
    # Folders of the same name: the folder names the project.
    copied, generated = (tmp_path / tool / "orders-app/pom.xml" for tool in ("copier", "cli"))
    assert copied.read_text() == generated.read_text()


def test_unknown_preset_lists_the_presets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "app"), "--defaults", "--preset", "kafka-to-mars"]) == 2
    assert "unknown preset 'kafka-to-mars'; choose one of: " in capsys.readouterr().err
    assert not (tmp_path / "app").exists()


def test_presets_command_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name in PRESETS:
        assert name in out


ORG = """\
defaults:
  group_id: com.acme.streaming
  aws_region: eu-west-1
  experience: experienced
allowed:
  flink_version: ["2.2"]
  source: [kafka, kinesis]
  sinks: [kafka, kinesis]
"""


def _org(tmp_path: Path, text: str = ORG) -> Path:
    path = tmp_path / "org.yml"
    path.write_text(text)
    return path


def test_org_defaults_become_the_defaults(tmp_path: Path) -> None:
    org = _org(tmp_path)
    assert main(["new", str(tmp_path / "app"), "--defaults", "--no-git", "--org-defaults", str(org)]) == 0
    answers = answers_file(tmp_path / "app")
    assert (answers["group_id"], answers["aws_region"], answers["experience"]) == (
        "com.acme.streaming",
        "eu-west-1",
        "experienced",
    )
    assert answers["package"].startswith("com.acme.streaming.")
    assert Pom(tmp_path / "app/pom.xml").text("m:groupId") == "com.acme.streaming"


def test_org_defaults_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSF_SCAFFOLD_ORG_DEFAULTS", str(_org(tmp_path)))
    assert main(["new", str(tmp_path / "app"), "--defaults", "--no-git"]) == 0
    assert answers_file(tmp_path / "app")["aws_region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"source": "datagen"}, "source datagen is not allowed by the organisation defaults"),
        ({"sinks": "[kafka, print]"}, "sinks print is not allowed"),
        ({"flink_version": "1.20"}, "flink_version 1.20 is not allowed"),
    ],
)
def test_org_allowed_choices_are_enforced_and_nothing_is_written(
    tmp_path: Path, data: dict[str, Any], message: str
) -> None:
    org = load_org_defaults(_org(tmp_path), QUESTIONS)
    assert org is not None
    with pytest.raises(UserError, match=message) as error:
        generate(
            tmp_path / "app",
            data=data,
            defaults=True,
            git=False,
            user_defaults=org.defaults,
            check_answers=org.check,
        )
    assert "choose from:" in str(error.value)
    assert not (tmp_path / "app").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.yml"]


BAD_ORG_FILES = [
    ("- a list\n", "must be a YAML mapping of the keys"),
    ("defaults: [1]\n", "defaults must be a mapping"),
    ("colour: blue\n", "unknown key colour"),
    ("defaults:\n  grup_id: x\n", "defaults.grup_id is not a question"),
    ("allowed:\n  package: [x]\n", "allowed.package cannot be restricted"),
    ("allowed:\n  source: []\n", "allowed.source must be a non-empty list"),
    ("allowed:\n  sinks: [kinesis, pulsar]\n", "allowed.sinks has pulsar, which msf-scaffold does not offer"),
    (
        "defaults:\n  source: datagen\nallowed:\n  source: [kafka]\n",
        "the defaults use a choice that allowed forbids",
    ),
    ("template: [x]\n", "template must be a string"),
    ("template_url: {a: b}\n", "template_url must be a string"),
    ("defaults: {a: [\n", "is not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_ORG_FILES)
def test_bad_org_defaults_files_name_the_key_and_fix(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    org = _org(tmp_path, text)
    assert main(["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(org)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(org) in err
    assert not (tmp_path / "app").exists()


def test_org_defaults_are_validated_like_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = _org(tmp_path, "defaults:\n  package: com.acme.class\n")
    assert main(["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(org)]) == 2
    assert "Validation error for question 'package'" in capsys.readouterr().err
    assert not (tmp_path / "app").exists()


def test_missing_org_defaults_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(tmp_path / "no.yml")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_org_tags_are_added_to_every_project_s_owner_and_application(tmp_path: Path) -> None:
    org = _org(tmp_path, 'defaults:\n  owner: payments\n  tags: {CostCenter: "4711", Environment: prod}\n')
    args = ["new", str(tmp_path / "app"), "--defaults", "--no-git", "--org-defaults", str(org)]
    assert main([*args, "--data", "project_name=Orders"]) == 0
    assert answers_file(tmp_path / "app")["tags"] == {"CostCenter": "4711", "Environment": "prod"}
    template = loads((tmp_path / "app/infra/cloudformation/artifacts.yml").read_text(encoding="utf-8"))
    bucket = template["Resources"]["ArtifactBucket"]["Properties"]
    assert {t["Key"]: t["Value"] for t in bucket["Tags"]} == {
        "Owner": "payments",
        "Application": "orders",
        "CostCenter": "4711",
        "Environment": "prod",
    }


def test_org_tags_are_validated_like_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = _org(tmp_path, "defaults:\n  tags: {aws:team: payments}\n")
    assert main(["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(org)]) == 2
    err = capsys.readouterr().err
    assert "Validation error for question 'tags'" in err and "starts with aws:" in err
    assert not (tmp_path / "app").exists()


ORG_TOPIC = "arn:aws:sns:eu-west-1:111122223333:payments-on-call"


@pytest.mark.parametrize("iac", ["cloudformation", "terraform"])
def test_an_org_alarm_topic_is_the_default_of_every_project(tmp_path: Path, iac: str) -> None:
    org = _org(tmp_path, f"defaults:\n  aws_region: eu-west-1\n  alarm_topic_arn: {ORG_TOPIC}\n")
    args = ["new", str(tmp_path / "app"), "--defaults", "--no-git", "--org-defaults", str(org)]
    assert main([*args, "--data", f"iac={iac}"]) == 0
    assert answers_file(tmp_path / "app")["alarm_topic_arn"] == ORG_TOPIC
    if iac == "cloudformation":
        template = loads((tmp_path / "app/infra/cloudformation/application.yml").read_text(encoding="utf-8"))
        assert template["Parameters"]["AlarmTopicArn"]["Default"] == ORG_TOPIC
    else:
        with (tmp_path / "app/infra/terraform/terraform.tfvars").open(encoding="utf-8") as handle:
            tfvars = hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True))
        assert tfvars["alarm_topic_arn"] == ORG_TOPIC


def test_an_org_alarm_topic_must_fit_the_partition_of_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = _org(tmp_path, f"defaults:\n  alarm_topic_arn: {ORG_TOPIC}\n")
    args = ["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(org)]
    assert main([*args, "--data", "aws_region=cn-north-1"]) == 2
    err = capsys.readouterr().err
    assert "Validation error for question 'alarm_topic_arn'" in err
    assert "aws_region cn-north-1 is in aws-cn" in err
    assert not (tmp_path / "app").exists()


def test_the_golden_path_example_is_a_working_organisation_defaults_file(tmp_path: Path) -> None:
    """docs/golden-path.md's file, without its template and vcs_ref (an example URL), generates."""
    text = (ROOT / "docs/golden-path.md").read_text(encoding="utf-8")
    example = yaml.safe_load(text.split("```yaml\n", 1)[1].split("```", 1)[0])
    assert example["template"].startswith("https://") and example["vcs_ref"].startswith("v")
    del example["template"], example["vcs_ref"]
    org = _org(tmp_path, yaml.safe_dump(example))
    args = ["new", str(tmp_path / "app"), "--defaults", "--no-git", "--org-defaults", str(org)]
    assert main([*args, "--data", "source=kafka", "--data", "sinks=[kinesis]"]) == 0
    answers = answers_file(tmp_path / "app")
    for question, value in example["defaults"].items():
        assert answers[question] == value, question
    group, artifact = example["defaults"]["group_id"], answers["artifact_id"]
    assert answers["package"] == f"{group}.{artifact.replace('-', '')}"
    assert (tmp_path / "app/catalog-info.yaml").is_file()
    assert main([*args[:1], str(tmp_path / "other"), *args[2:], "--data", "sinks=[print]"]) == 2
    assert not (tmp_path / "other").exists()
