"""Compatibility is data: a connector without a release for a Flink line is refused on that line
with the reason and the alternative, in the questionnaire and in the docs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from msf_scaffold.docs import render_options
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from tests.helpers import snapshot_template


@pytest.fixture
def template_without_kafka_on_120(tmp_path: Path) -> Path:
    template = snapshot_template(tmp_path / "template")
    catalog = template / "src/msf_scaffold/catalog/connectors.yml"
    text = catalog.read_text()
    assert 'per_line: {"2.2": "4.0.1-2.0", "1.20": "3.4.0-1.20"}' in text
    catalog.write_text(
        text.replace('per_line: {"2.2": "4.0.1-2.0", "1.20": "3.4.0-1.20"}', 'per_line: {"2.2": "4.0.1-2.0"}')
    )
    identity = ["-c", "user.name=t", "-c", "user.email=t@localhost"]
    subprocess.run(["git", "-C", str(template), *identity, "commit", "-qam", "no kafka on 1.20"], check=True)
    return template


@pytest.mark.parametrize(
    ("answers", "role"), [({"source": "kafka"}, "source"), ({"sinks": "[print, kafka]"}, "sink")]
)
def test_an_unsupported_choice_is_refused_with_the_alternative(
    tmp_path: Path, template_without_kafka_on_120: Path, answers: dict[str, str], role: str
) -> None:
    with pytest.raises(UserError) as error:
        generate(
            tmp_path / "app",
            data={"flink_version": "1.20", **answers},
            defaults=True,
            git=False,
            template=str(template_without_kafka_on_120),
        )
    reason = "Apache Kafka / Amazon MSK has no connector release for Flink 1.20"
    assert f"{reason}; choose Flink 2.2 or another {role}." in str(error.value)
    assert not (tmp_path / "app").exists()


def test_the_same_choice_is_accepted_on_a_line_that_supports_it(
    tmp_path: Path, template_without_kafka_on_120: Path
) -> None:
    result = generate(
        tmp_path / "app",
        data={"flink_version": "2.2", "source": "kafka"},
        defaults=True,
        git=False,
        template=str(template_without_kafka_on_120),
    )
    assert (result.destination / "pom.xml").is_file()


def test_the_options_page_says_why(template_without_kafka_on_120: Path) -> None:
    catalog = load_catalog(template_without_kafka_on_120 / "src/msf_scaffold/catalog")
    page = render_options(template_without_kafka_on_120, catalog)
    reason = (
        "Apache Kafka / Amazon MSK has no connector release for Flink 1.20; "
        "choose Flink 2.2 or another source."
    )
    assert f"| `kafka` | not offered: {reason} |" in page
