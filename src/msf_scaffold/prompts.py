"""The CLI's own questions, asked with questionary.

questionary is the prompt library copier's questionnaire is built on, so the destination, the
preset, copier's questions and the confirmations read as one flow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import questionary

from msf_scaffold.errors import CancelledError
from msf_scaffold.presets import Preset

_NO_PRESET = "none: answer every question"
_SUMMARY_KEYS = (
    ("project_name", "Project"),
    ("group_id", "groupId"),
    ("artifact_id", "artifactId"),
    ("package", "Package"),
    ("flink_version", "Flink"),
    ("api", "API"),
    ("source", "Source"),
    ("sinks", "Sinks"),
    ("aws_region", "Region"),
    ("experience", "Experience"),
)


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


def ask_preset(presets: dict[str, Preset]) -> Preset | None:
    """A preset to start from, or None."""
    choices = [questionary.Choice(_NO_PRESET, value="")] + [
        questionary.Choice(f"{p.name}: {p.description}", value=p.name) for p in presets.values()
    ]
    name = _answer(questionary.select("Start from a preset pipeline?", choices=choices))
    return presets[name] if name else None


def confirm(message: str, *, default: bool) -> bool:
    """A yes/no question."""
    return bool(_answer(questionary.confirm(message, default=default)))


def summary(answers: dict[str, Any]) -> str:
    """The main answers as aligned lines."""
    width = max(len(label) for _, label in _SUMMARY_KEYS)
    lines = []
    for key, label in _SUMMARY_KEYS:
        value = answers.get(key)
        if value is not None:
            shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            lines.append(f"  {label.ljust(width)}  {shown}")
    return "\n".join(lines)


def confirm_summary(answers: dict[str, Any]) -> bool:
    """Shows the answers and asks whether to create the project."""
    print("\nYour project:\n" + summary(answers) + "\n")
    return confirm("Create it?", default=True)
