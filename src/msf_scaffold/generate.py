"""Generating a project: copier renders into a staging directory, which then becomes the project.

Rendering into a sibling staging directory and renaming it at the end makes generation atomic: a
rejected answer, an interrupted questionnaire or a failed render leaves nothing at the destination.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
from copier.errors import CopierAnswersInterrupt, InteractiveSessionError, UserMessageError

from msf_scaffold._version import __version__
from msf_scaffold.errors import CancelledError, ToolError, UserError
from msf_scaffold.questions import question_names
from msf_scaffold.template_source import (
    TemplateSource,
    bundled_template,
    package_checkout,
    resolve_template,
)
from msf_scaffold.yaml_files import YAMLError, load_yaml

ANSWERS_FILE = ".copier-answers.yml"
_FALLBACK_IDENTITY = ("msf-scaffold", "msf-scaffold@localhost")


@dataclass(frozen=True)
class GenerationResult:
    """What :func:`generate` produced."""

    destination: Path
    answers: dict[str, Any]
    template: TemplateSource
    git_commit: str | None = None
    notes: list[str] = field(default_factory=list)


def generate(
    destination: Path,
    *,
    data: Mapping[str, Any] | None = None,
    defaults: bool = False,
    template: str | None = None,
    vcs_ref: str | None = None,
    git: bool = True,
    user_defaults: Mapping[str, Any] | None = None,
    check_answers: Callable[[dict[str, Any]], None] | None = None,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
) -> GenerationResult:
    """Generates a project at ``destination``.

    Args:
        destination: the new project's directory; it must not exist or be empty.
        data: answers to questions, by question name; values may be strings as on copier's CLI.
        defaults: take the default for every question not in ``data`` instead of prompting.
        template: the template location (path or git URL); see :mod:`msf_scaffold.template_source`.
        vcs_ref: the git ref of the template to render.
        git: initialise a git repository with a first commit in the project.
        user_defaults: defaults that replace the questionnaire's (validated like answers).
        check_answers: called with the final answers before the project is written; raises
            UserError to refuse them (e.g. an organisation's allowed choices).
        confirm: called with the final answers; returning False discards the project.

    Raises:
        UserError: bad destination or answers; nothing is written.
        CancelledError: ``confirm`` declined; nothing is written.
        ToolError: git failed after the project was written.
    """
    destination = destination.expanduser().resolve()
    _check_destination(destination)
    answers = dict(data or {})
    _check_question_names(dict(user_defaults or {}))
    unanswered = _check_question_names(answers)
    if not defaults and unanswered and not sys.stdin.isatty():
        raise UserError(
            "no terminal to ask the questions in: pass --defaults, --data KEY=VALUE or "
            "--answers-file FILE. Nothing was written."
        )
    source = resolve_template(template, vcs_ref)

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        _render(source, staging, answers, defaults, dict(user_defaults or {}))
        rendered = read_answers(staging)
        if check_answers is not None:
            check_answers(rendered)
        if confirm is not None and not confirm(rendered):
            raise CancelledError("not created; nothing was written.")
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    notes = []
    if not source.updatable:
        notes.append(
            "The template was not a git repository, so `copier update` cannot update this project; "
            "generate from a git checkout or URL (--template) to keep it updatable."
        )
    commit = None
    if git:
        commit, identity_note = _git_init(destination)
        if identity_note:
            notes.append(identity_note)
    return GenerationResult(destination, read_answers(destination), source, commit, notes)


def read_answers(project: Path) -> dict[str, Any]:
    """The answers recorded in a generated project."""
    path = project / ANSWERS_FILE
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise UserError(f"{path} is missing or unreadable: {error}") from error
    if not isinstance(loaded, dict):
        raise UserError(f"{path} must be a mapping of answers")
    return loaded


def _check_destination(destination: Path) -> None:
    if destination.exists() and not destination.is_dir():
        raise UserError(f"destination {destination} is a file; choose a new directory name")
    if destination.is_dir() and any(destination.iterdir()):
        raise UserError(
            f"destination {destination} is not empty; choose a new directory, or use "
            "`copier update` to change an existing project"
        )


def _check_question_names(answers: Mapping[str, Any]) -> set[str]:
    """Rejects unknown question names; returns the names of the questions not answered."""
    root = package_checkout() or bundled_template()
    known = question_names(root)
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise UserError(
            f"unknown question {', '.join(repr(name) for name in unknown)}; "
            f"the questions are: {', '.join(known)}"
        )
    return set(known) - set(answers)


def _render(
    source: TemplateSource,
    staging: Path,
    answers: dict[str, Any],
    defaults: bool,
    user_defaults: dict[str, Any],
) -> None:
    try:
        copier.run_copy(
            source.location,
            staging,
            data=answers,
            user_defaults=user_defaults,
            vcs_ref=source.ref,
            defaults=defaults,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )
    except ValueError as error:
        # copier reports invalid answers as ValueError("Validation error for question 'x': ...").
        raise UserError(f"{str(error).rstrip('.')}. Nothing was written.") from None
    except InteractiveSessionError:
        raise UserError(
            "no terminal to ask the questions in: pass --defaults, --data KEY=VALUE or "
            "--answers-file FILE. Nothing was written."
        ) from None
    except (CopierAnswersInterrupt, KeyboardInterrupt):
        raise UserError("questionnaire interrupted. Nothing was written.") from None
    except UserMessageError as error:
        raise UserError(f"{str(error).rstrip('.')}. Nothing was written.") from None


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, check=False)


def _git_init(project: Path) -> tuple[str, str | None]:
    if shutil.which("git") is None:
        raise ToolError(f"git is not installed; the project is at {project} without a repository")
    steps: list[tuple[str, ...]] = [("init", "-q", "-b", "main"), ("add", "-A")]
    for step in steps:
        result = _git(project, *step)
        if result.returncode != 0:
            raise ToolError(f"git {step[0]} failed in {project}: {result.stderr.strip()}")
    identity: tuple[str, ...] = ()
    note = None
    if not _git(project, "config", "user.email").stdout.strip():
        name, email = _FALLBACK_IDENTITY
        identity = ("-c", f"user.name={name}", "-c", f"user.email={email}")
        note = "git has no user.email configured; the first commit is authored by msf-scaffold."
    message = f"Generate project with msf-scaffold {__version__}"
    result = _git(project, *identity, "commit", "-q", "-m", message)
    if result.returncode != 0:
        raise ToolError(f"git commit failed in {project}: {result.stderr.strip()}")
    return _git(project, "rev-parse", "--short", "HEAD").stdout.strip(), note
