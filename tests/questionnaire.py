"""copier's questionnaire evaluated without rendering a project.

Reads copier/questions.yml and renders its `when` conditions and validators with the catalog as
context and copier's own Jinja filters and truth rules, so tests can ask, for any set of answers,
which questions copier asks and which answers it refuses. Cheap enough to run for every
combination of answers.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

import jinja2
import jinja2.meta
import yaml
from copier._tools import cast_to_bool

from msf_scaffold.copier_jinja import copier_environment
from msf_scaffold.docs import template_context
from tests.helpers import ROOT


class Questionnaire:
    """The questions of the template at ``root``, as ``copier copy <root> <destination>`` asks them."""

    def __init__(self, root: Path = ROOT, destination: str = ".") -> None:
        self.questions: dict[str, Any] = yaml.safe_load(
            (root / "copier" / "questions.yml").read_text(encoding="utf-8")
        )
        self.context = template_context(root)
        self.context["_copier_conf"] = {"dst_path": PurePath(destination)}
        # Validators import macros of copier/ by template-relative name, as copier loads them.
        self.env = copier_environment(root)
        self._templates: dict[str, jinja2.Template] = {}

    def _render(self, text: str, answers: dict[str, Any]) -> str:
        if text not in self._templates:
            self._templates[text] = self.env.from_string(text)
        return self._templates[text].render(**self.context, **answers)

    def names(self) -> list[str]:
        """Question names in the order copier asks them."""
        return list(self.questions)

    def asked(self, name: str, answers: dict[str, Any]) -> bool:
        """Whether copier asks ``name`` given the earlier ``answers`` (its `when`)."""
        when = self.questions[name].get("when", True)
        if isinstance(when, bool):
            return when
        return bool(cast_to_bool(self._render(str(when), answers)))

    def prompted(self, name: str, answers: dict[str, Any]) -> bool:
        """Whether copier prompts for ``name``: its `when` holds and so does its `ask` (the experience
        level's); a question not prompted keeps its default unless ``-d`` gives it."""
        ask = self.questions[name].get("ask", True)
        if not isinstance(ask, bool):
            ask = bool(cast_to_bool(self._render(str(ask), answers)))
        return ask and self.asked(name, answers)

    def when_variables(self, name: str) -> set[str]:
        """The answers a question's `when` reads."""
        when = self.questions[name].get("when")
        if not isinstance(when, str):
            return set()
        return set(jinja2.meta.find_undeclared_variables(self.env.parse(when))) - set(self.context)

    def choices(self, name: str, answers: dict[str, Any]) -> dict[str, str | None]:
        """A question's choice values, each with the message copier refuses it with (or None)."""
        spec = self.questions[name]["choices"]
        if isinstance(spec, str):
            spec = yaml.safe_load(self._render(spec, answers))
        result: dict[str, str | None] = {}
        for value in spec.values():
            if isinstance(value, dict):
                result[str(value["value"])] = str(value.get("validator") or "").strip() or None
            else:
                result[str(value)] = None
        return result

    def refusals(self, answers: dict[str, Any]) -> dict[str, str]:
        """The messages copier refuses these answers with, by question (empty: all accepted).

        Checks each asked question's chosen value against its choices (a choice with a validator
        is disabled) and the question's own validator.
        """
        context = self.defaults() | answers
        refused: dict[str, str] = {}
        for name, question in self.questions.items():
            if name not in answers or not self.asked(name, context):
                continue
            value = answers[name]
            if "choices" in question:
                offered = self.choices(name, context)
                for item in value if isinstance(value, list) else [value]:
                    if str(item) not in offered:
                        refused[name] = f"{item!r} is not a choice"
                    elif offered[str(item)]:
                        refused[name] = str(offered[str(item)])
            if name not in refused and "validator" in question:
                message = self._render(str(question["validator"]), context).strip()
                if message:
                    refused[name] = message
        return refused

    @cached_property
    def _defaults(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for name, question in self.questions.items():
            default = question.get("default")
            if isinstance(default, str) and "{{" in default:
                default = self._render(default, answers)
            if (question.get("multiselect") or question.get("type") == "yaml") and isinstance(default, str):
                default = yaml.safe_load(default)
            if question.get("type") == "bool":
                default = bool(cast_to_bool(default))
            if question.get("type") == "int":
                default = int(default)
            answers[name] = default
        return answers

    def defaults(self) -> dict[str, Any]:
        """Every question's default answer, rendered in question order."""
        return dict(self._defaults)
