"""The CLI's own questions, asked with questionary.

questionary is the prompt library copier's questionnaire is built on, so the destination, the
preset, copier's questions and the confirmations read as one flow.
"""

from __future__ import annotations

import shutil
import sys
import termios
import textwrap
from pathlib import Path
from typing import Any

import questionary
from prompt_toolkit.input import create_input
from prompt_toolkit.input.typeahead import clear_typeahead

from msf_scaffold.errors import CancelledError
from msf_scaffold.presets import Preset
from msf_scaffold.questions import answered_questions
from msf_scaffold.template_source import bundled_template, package_checkout

_NO_PRESET = "none: answer every question"
#: Answers the summary always shows (when the question was asked); others only when not the default.
_ALWAYS = ("project_name", "flink_version", "api", "source", "sinks", "iac", "kafka_auth", "iceberg_catalog")
#: Headings of questions whose name does not read well capitalised; the others read as their name.
_HEADINGS = {
    "project_name": "Project",
    "group_id": "groupId",
    "artifact_id": "artifactId",
    "flink_version": "Flink",
    "api": "API",
    "aws_region": "AWS Region",
    "iac": "Infrastructure code",
    "kafka_auth": "Kafka authentication",
    "alarm_topic_arn": "Alarm topic ARN",
    "kinesis_efo_consumer": "Kinesis EFO consumer",
    "kinesis_efo_lifecycle": "Kinesis EFO lifecycle",
    "msf_parallelism": "MSF parallelism",
    "msf_parallelism_per_kpu": "MSF parallelism per KPU",
    "msf_autoscaling": "MSF autoscaling",
    "msf_checkpoint_interval_ms": "MSF checkpoint interval (ms)",
    "msf_snapshots": "MSF snapshots",
    "msf_log_level": "MSF log level",
    "msf_metrics_level": "MSF metrics level",
}
#: The summary's last row for a level that is asked only the essentials (copier/questions.yml `ask`).
DEFAULTED = ("Other answers", "not asked: their defaults, listed in README.md (Answers chosen for you)")


def columns() -> int:
    """The terminal's width in columns (80 when it cannot be told)."""
    return shutil.get_terminal_size((80, 24)).columns


def _answer(question: questionary.Question) -> Any:
    answer = question.ask()
    if answer is None:  # Ctrl-C or Ctrl-D
        raise CancelledError("interrupted; nothing was written.")
    return answer


def ask_destination() -> Path:
    """The directory of the new project."""
    text = _answer(
        questionary.path(
            "Where should the new project go?",
            only_directories=True,
            validate=lambda value: bool(value.strip()) or "Type a directory name, e.g. orders-app",
        )
    )
    return Path(str(text).strip())


def preset_titles(presets: dict[str, Preset]) -> dict[str, str]:
    """Each preset's name and whole description, wrapped to the terminal's width, by name."""
    # The list starts at column 3 (the pointer); continuation lines are indented under the name.
    width = max(columns() - 4, 40)
    return {
        p.name: textwrap.fill(
            f"{p.name}: {p.description}",
            width=width,
            subsequent_indent="     ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in presets.values()
    }


def ask_preset(presets: dict[str, Preset]) -> Preset | None:
    """A preset to start from, or None. Each preset shows its whole description, wrapped."""
    choices = [questionary.Choice(_NO_PRESET, value="")] + [
        questionary.Choice(title, value=name) for name, title in preset_titles(presets).items()
    ]
    name = _answer(questionary.select("Start from a preset pipeline?", choices=choices))
    return presets[name] if name else None


def confirm(message: str, *, default: bool) -> bool:
    """A yes/no question."""
    return bool(_answer(questionary.confirm(message, default=default)))


def summary(answers: dict[str, Any], *, preset: str | None = None, destination: Path | None = None) -> str:
    """The answers in plain words, wrapped to the terminal's width.

    The preset, the main answers, and every other answer that is not its default; each choice by
    its label. For ``new_to_flink``, which is asked only the essentials, a last row says where the
    answers it was not asked are listed.
    """
    root = package_checkout() or bundled_template()
    rows = [("Preset", preset)] if preset else []
    for item in answered_questions(root, answers, destination.name if destination else "."):
        if item.name in _ALWAYS or item.value != item.default:
            heading = _HEADINGS.get(item.name, item.name.replace("_", " ").capitalize())
            rows.append((heading, _shown(item.value, item.labels)))
    if answers.get("experience") == "new_to_flink":
        rows.append(DEFAULTED)
    width = max(len(heading) for heading, _ in rows) if rows else 0
    indent = " " * (width + 4)
    return "\n".join(
        textwrap.fill(
            f"  {heading.ljust(width)}  {value}",
            width=max(columns() - 1, 40),
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for heading, value in rows
    )


def _shown(value: Any, labels: dict[str, str]) -> str:
    """An answer in words: a choice by its label (up to its first ': '), yes/no, key=value pairs."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{key}={item}" for key, item in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_shown(item, labels) for item in value) or "none"
    text = str(value)
    if text in labels:
        return labels[text].split(": ", 1)[0]
    return text or "empty"


def drop_type_ahead() -> None:
    """Discards what was typed before a question was shown, so that none of it answers the question.

    Keys typed while the project was rendering wait in the terminal; keys typed after the last
    copier question was answered wait in prompt_toolkit's store of type-ahead. Both are dropped.
    """
    if not sys.stdin.isatty():
        return
    try:
        termios.tcflush(sys.stdin.fileno(), termios.TCIFLUSH)
    except (termios.error, OSError, ValueError):  # not a terminal after all
        return
    clear_typeahead(create_input())


def confirm_summary(
    answers: dict[str, Any], *, preset: str | None = None, destination: Path | None = None
) -> bool:
    """Shows the answers and asks whether to create the project; keys typed ahead do not answer it."""
    print("\nYour project:\n" + summary(answers, preset=preset, destination=destination) + "\n", flush=True)
    drop_type_ahead()
    return confirm("Create it?", default=True)
