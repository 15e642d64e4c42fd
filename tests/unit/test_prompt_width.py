"""The questionnaire reads in full in an 80-column terminal, and the summary names every answer.

prompt_toolkit draws a question's text and its choices without wrapping them: what passes the
terminal's last column is cut off. So every line of a help, as copier shows it, and every line of
a choice label must fit 80 columns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier._tools import force_str_end
from prompt_toolkit.utils import get_cwidth

from msf_scaffold import prompts
from msf_scaffold.catalog import Catalog
from msf_scaffold.presets import load_presets
from tests.helpers import ROOT
from tests.questionnaire import Questionnaire

COLUMNS = 80
QMARK = "\U0001f3a4 "  # copier's question mark, then questionary's space before the text
SELECT_PREFIX = " » "  # questionary's pointer before a choice
CHECKBOX_PREFIX = " » ○ "  # pointer and indicator before a multiselect choice


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire(ROOT, "orders-app")


def _contexts(questionnaire: Questionnaire, catalog: Catalog) -> list[dict[str, Any]]:
    """The answers every Flink line and API gives, the rest the defaults."""
    defaults = questionnaire.defaults()
    return [
        {**defaults, "flink_version": line, "api": api}
        for line in catalog.flink.lines
        for api in catalog.apis.apis
    ]


def _render(questionnaire: Questionnaire, text: str, answers: dict[str, Any]) -> str:
    return questionnaire.env.from_string(text).render(**questionnaire.context, **answers)


def _message_lines(questionnaire: Questionnaire, name: str, answers: dict[str, Any]) -> list[str]:
    """The question's text as copier shows it: its rendered help, a line end, two spaces."""
    help_text = _render(questionnaire, str(questionnaire.questions[name]["help"]), answers)
    lines = (force_str_end(help_text) + "  ").split("\n")
    return [QMARK + lines[0], *lines[1:]]


def test_every_help_fits_80_columns(questionnaire: Questionnaire, catalog: Catalog) -> None:
    for answers in _contexts(questionnaire, catalog):
        for name, question in questionnaire.questions.items():
            help_lines = _render(questionnaire, str(question["help"]), answers).splitlines()
            assert help_lines, name
            assert max(len(line) for line in help_lines) <= 76, (name, help_lines)
            for line in _message_lines(questionnaire, name, answers):
                assert get_cwidth(line) < COLUMNS, (name, line)


def test_every_choice_label_fits_80_columns(questionnaire: Questionnaire, catalog: Catalog) -> None:
    for answers in _contexts(questionnaire, catalog):
        for name, question in questionnaire.questions.items():
            choices = question.get("choices")
            if choices is None:
                continue
            if isinstance(choices, str):
                choices = yaml.safe_load(_render(questionnaire, choices, answers))
            prefix = CHECKBOX_PREFIX if question.get("multiselect") else SELECT_PREFIX
            for label in choices:
                first, *rest = str(label).split("\n")
                assert get_cwidth(prefix + first) < COLUMNS, (name, label)
                for line in rest:  # continuation lines are indented under the label
                    assert line.startswith(" " * len(prefix)) and get_cwidth(line) < COLUMNS, (name, label)


def test_a_preset_description_is_its_whole_comment() -> None:
    for item in load_presets().values():
        text = (ROOT / "presets" / f"{item.name}.yml").read_text(encoding="utf-8")
        comment = re.match(r"((?:# .*\n)+)", text)
        assert comment is not None
        words = " ".join(line[2:] for line in comment.group(1).splitlines()).split()
        assert item.description.split() == words
        assert item.description.endswith("."), item.description


def test_preset_choices_are_wrapped_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    presets = load_presets()
    titles = prompts.preset_titles(presets)
    for item in presets.values():
        lines = titles[item.name].split("\n")
        assert " ".join(" ".join(lines).split()) == f"{item.name}: {item.description}"
        assert all(get_cwidth(SELECT_PREFIX + line) < COLUMNS for line in lines), lines


def _rows(text: str) -> dict[str, str]:
    """The summary's rows as heading: value, continuation lines joined."""
    rows: dict[str, str] = {}
    heading = ""
    for line in text.splitlines():
        match = re.match(r"  (\S.*?)  +(\S.*)$", line)
        if match and not line.startswith("    "):
            heading = match.group(1).strip()
            rows[heading] = match.group(2)
        else:
            rows[heading] += " " + line.strip()
    return rows


def test_the_summary_names_every_answer_that_is_not_the_default(
    monkeypatch: pytest.MonkeyPatch, questionnaire: Questionnaire, catalog: Catalog
) -> None:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    defaults = questionnaire.defaults()
    kafka, iceberg = catalog.connectors["kafka"], catalog.connectors["iceberg"]
    auth_choices = kafka.options["auth"].choices
    catalog_choices = iceberg.options["catalog"].choices
    partitioning_choices = iceberg.options["partitioning"].choices
    assert auth_choices and catalog_choices and partitioning_choices
    assert kafka.source is not None and iceberg.sink is not None
    partitioning = next(c for c in partitioning_choices if c != defaults["iceberg_partitioning"])
    answers = {
        **defaults,
        "api": "table",
        "source": "kafka",
        "sinks": ["iceberg", "print"],
        "kafka_auth": "SCRAM",
        "iceberg_catalog": "GLUE",
        "iceberg_partitioning": partitioning,
        "iac": "terraform",
        "tags": {"CostCenter": "1234"},
        "backstage": True,
        "owner": "data-platform",
    }
    asked = {name: value for name, value in answers.items() if questionnaire.asked(name, answers)}
    text = prompts.summary(asked, preset="msk-to-iceberg", destination=Path("orders-app"))
    assert all(len(line) < COLUMNS for line in text.splitlines()), text

    def shown(question: str, value: str) -> str:
        """The choice's label as the question shows it, up to its first ': '."""
        choices = yaml.safe_load(
            _render(questionnaire, questionnaire.questions[question]["choices"], answers)
        )
        labels = {
            str(v["value"] if isinstance(v, dict) else v): " ".join(k.split()) for k, v in choices.items()
        }
        return labels[value].split(": ")[0]

    assert _rows(text) == {
        "Preset": "msk-to-iceberg",
        "Project": "Orders App",
        "Flink": shown("flink_version", answers["flink_version"]),
        "API": catalog.apis.apis["table"].label,
        "Source": kafka.source.label,
        "Sinks": f"{iceberg.sink.label}, {shown('sinks', 'print')}",
        "Owner": "data-platform",
        "Kafka authentication": auth_choices["SCRAM"].label.split(": ")[0],
        "Iceberg catalog": catalog_choices["GLUE"].label,
        "Iceberg partitioning": partitioning_choices[partitioning].label,
        "Infrastructure code": catalog.iac.flavours["terraform"].label.split(": ")[0],
        "Tags": "CostCenter=1234",
        "Backstage": "yes",
        prompts.DEFAULTED[0]: prompts.DEFAULTED[1],
    }


def test_the_summary_says_where_defaulted_answers_are_only_for_new_to_flink(
    monkeypatch: pytest.MonkeyPatch, questionnaire: Questionnaire
) -> None:
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    for level in ("new_to_flink", "new_to_msf", "experienced"):
        answers = {**questionnaire.defaults(), "experience": level, "msf_parallelism": 4}
        rows = _rows(prompts.summary(answers, destination=Path("orders-app")))
        assert rows["MSF parallelism"] == "4"
        assert (prompts.DEFAULTED[0] in rows) == (level == "new_to_flink"), (level, rows)
