"""The questionnaire as copier defines it, read for argument checks (never redefined here)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import jinja2
import yaml

from msf_scaffold.copier_jinja import copier_environment
from msf_scaffold.errors import CatalogError, UserError
from msf_scaffold.yaml_files import YAMLError, load_yaml

_EXAMPLE = re.compile(r"\(example: (.+?)\)")


def questions(template_root: Path) -> dict[str, dict[str, Any]]:
    """Every question a user may answer, by name, as written in copier/questions.yml."""
    path = template_root / "copier" / "questions.yml"
    try:
        document: Any = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise CatalogError(f"cannot read the questionnaire {path}: {error}") from error
    if not isinstance(document, dict):
        raise CatalogError(f"{path} must be a mapping of questions")
    return {
        name: spec if isinstance(spec, dict) else {}
        for name, spec in document.items()
        if not name.startswith("_")
    }


def question_names(template_root: Path) -> list[str]:
    """Names of the questions a user may answer, in the order copier asks them."""
    return list(questions(template_root))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean x or y?)`` for the known names close to ``name``, else an empty string."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.75)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def check_names(answers: Iterable[str], known: list[str], *, consequence: str) -> None:
    """Refuses answers to questions that do not exist, naming the close matches.

    Raises:
        UserError: naming each unknown key, its close matches and every question;
            ``consequence`` ends the message (``Nothing was written.``).
    """
    unknown = sorted(set(answers) - set(known))
    if unknown:
        named = ", ".join(f"{name!r}{did_you_mean(name, known)}" for name in unknown)
        raise UserError(
            f"unknown question {named}; the questions are: {', '.join(known)}. {consequence}".rstrip()
        )


def normalise_answers(
    answers: Mapping[str, Any], template_root: Path, *, flink_lines: Iterable[str], consequence: str
) -> dict[str, Any]:
    """Checks the shape of answers before copier sees them, and fixes what YAML misreads.

    A list question (``multiselect``) needs a list, a YAML question valid YAML and a whole-number
    question (``int``) a whole number; each is refused naming the question and the fix, where
    copier would fail without naming it. An
    unquoted ``flink_version: 1.20`` in a YAML file arrives as the number 1.2: it is read as the
    line it stands for when exactly one line has that number, else refused with the fix.

    Raises:
        UserError: naming the question, the rule and an example; ``consequence`` ends it.
    """
    specs = questions(template_root)
    result = dict(answers)
    for name, value in answers.items():
        spec = specs.get(name, {})
        if name == "flink_version" and isinstance(value, (int, float)) and not isinstance(value, bool):
            result[name] = _flink_line(value, list(flink_lines), consequence)
            continue
        if spec.get("type") == "int":
            if isinstance(value, bool) or not re.fullmatch(r"\s*-?[0-9]+\s*", str(value)):
                problem = f"{name} must be a whole number, not {value!r} (example: -d {name}=4)."
                raise UserError(f"{problem} {consequence}".rstrip())
            continue
        multiselect = bool(spec.get("multiselect"))
        if not (multiselect or spec.get("type") == "yaml"):
            continue
        parsed = value
        if isinstance(value, str):
            try:
                parsed = load_yaml(value)
            except YAMLError as error:
                raise UserError(
                    f"{name} is not valid YAML ({_yaml_problem(error)}): {value!r}; "
                    f"{_example(name, spec)}. {consequence}".rstrip()
                ) from None
        if multiselect and not isinstance(parsed, list):
            raise UserError(
                f"{name} must be a list of choices, not {value!r}: write it in brackets "
                f"(example: -d '{name}=[{_one_item(value, spec)}]', or in a YAML file {name}: "
                f"[{_one_item(value, spec)}]). {consequence}".rstrip()
            )
    return result


def _flink_line(value: float, lines: list[str], consequence: str) -> str:
    matches = [line for line in lines if _as_number(line) == value]
    if len(matches) == 1:
        return matches[0]
    raise UserError(
        f"flink_version was read from YAML as the number {value!r}, which names no Flink line; quote "
        f"it so that it stays text (example: flink_version: '{lines[0]}'; the lines are "
        f"{', '.join(lines)}). {consequence}".rstrip()
    )


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _yaml_problem(error: YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _example(name: str, spec: Mapping[str, Any]) -> str:
    match = _EXAMPLE.search(str(spec.get("help", "")))
    example = f" (example: {name}: {match.group(1)})" if match else ""
    return f"quote text that holds YAML's special characters : # {{ }} [ ] , & * ! | > ' \" % @ `{example}"


def _one_item(value: Any, spec: Mapping[str, Any]) -> str:
    text = str(value).strip()
    if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", text):
        return text
    return str(spec.get("default", "")).strip("[] ")


@dataclass(frozen=True)
class Answered:
    """One answered question as the questionnaire showed it."""

    name: str
    value: Any
    #: The default the question offered, given the earlier answers (None when it cannot be rendered).
    default: Any
    #: The choices' labels by value, each on one line (empty for a free-text question).
    labels: dict[str, str]


def answered_questions(
    template_root: Path, answers: Mapping[str, Any], destination: str = "."
) -> list[Answered]:
    """The questions ``answers`` answer, in the order copier asks them, with their defaults and labels.

    Defaults and choices are rendered as copier renders them: with the catalog, copier's Jinja
    filters and the earlier answers (a question not asked keeps its default for the later ones).
    ``destination`` is the name of the project folder, which some defaults read.
    """
    from msf_scaffold.docs import template_context  # noqa: PLC0415 - the catalog loads only here

    env = copier_environment(template_root)
    context: dict[str, Any] = {
        **template_context(template_root),
        "_copier_conf": {"dst_path": PurePath(destination)},
    }
    result = []
    for name, spec in questions(template_root).items():
        default = _rendered(_default, env, spec, context)
        if name in answers:
            labels = _rendered(_labels, env, spec, context) or {}
            result.append(Answered(name, answers[name], default, labels))
        context[name] = answers.get(name, default)
    return result


def _rendered(
    render: Callable[[jinja2.Environment, Mapping[str, Any], dict[str, Any]], Any],
    env: jinja2.Environment,
    spec: Mapping[str, Any],
    context: dict[str, Any],
) -> Any:
    """What ``render`` gives, or None when the question's text does not render (another template)."""
    try:
        return render(env, spec, context)
    except (jinja2.TemplateError, YAMLError, TypeError, KeyError, AttributeError):
        return None


def _default(env: jinja2.Environment, spec: Mapping[str, Any], context: dict[str, Any]) -> Any:
    value = spec.get("default")
    if not isinstance(value, str):
        return value
    text = env.from_string(value).render(context)
    if spec.get("multiselect") or spec.get("type") == "yaml":
        return load_yaml(text)
    if spec.get("type") == "bool":
        return text.strip().lower() in {"true", "yes", "y", "on", "1"}
    if spec.get("type") == "int":
        return int(text)
    return text


def _labels(env: jinja2.Environment, spec: Mapping[str, Any], context: dict[str, Any]) -> dict[str, str]:
    choices = spec.get("choices")
    if isinstance(choices, str):
        choices = load_yaml(env.from_string(choices).render(context))
    pairs: Iterable[Any] = choices.items() if isinstance(choices, dict) else choices or []
    labels = {}
    for pair in pairs:
        label, value = pair if isinstance(pair, (list, tuple)) else (pair, pair)
        if isinstance(value, dict):
            value = value.get("value")
        labels[str(value)] = " ".join(str(label).split())  # labels are wrapped for the terminal
    return labels
