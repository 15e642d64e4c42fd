"""Generating a project: copier renders into a staging directory, which then becomes the project.

Rendering into a sibling staging directory and renaming it at the end makes generation atomic: a
rejected answer, an interrupted questionnaire or a failed render leaves nothing at the destination.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import CopierAnswersInterrupt, InteractiveSessionError, UserMessageError

from msf_scaffold import scratch
from msf_scaffold._version import __version__
from msf_scaffold.catalog import load_catalog
from msf_scaffold.errors import CancelledError, InterruptedRunError, ToolError, UserError
from msf_scaffold.jinja_compile_cache import compiled_once
from msf_scaffold.questions import check_names, normalise_answers, question_names
from msf_scaffold.template_source import (
    TemplateSource,
    bundled_template,
    canonical_url,
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
    template_url: str | None = None,
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
        template_url: the canonical template URL an organisation configures (``template_url``);
            ``MSF_SCAFFOLD_TEMPLATE_URL`` overrides it. A project rendered from msf-scaffold's own
            template at a release records it; see :func:`record_template_release`.

    Raises:
        UserError: bad destination or answers; nothing is written.
        CancelledError: ``confirm`` declined; nothing is written.
        ToolError: git failed after the project was written.
    """
    staging_name = _staging_name(destination.expanduser())
    destination = destination.expanduser().resolve()
    scratch.remove_stale(destination.parent, destination)
    _check_destination(destination)
    answers = dict(data or {})
    _check_question_names(dict(user_defaults or {}))
    unanswered = _check_question_names(answers)
    answers = _normalised(answers)
    user_defaults = _normalised(dict(user_defaults or {}))
    if not defaults and unanswered and not sys.stdin.isatty():
        raise UserError(
            "no terminal to ask the questions in: pass --defaults, --data KEY=VALUE or "
            "--answers-file FILE. Nothing was written."
        )
    source = resolve_template(template, vcs_ref)
    _check_outside_template(destination, source)

    with scratch.signals_raise(), scratch.private_tempdir():
        return _generate_in_staging(
            destination,
            staging_name,
            lambda staging: _render(source, staging, answers, defaults, dict(user_defaults or {})),
            source=source,
            url=canonical_url(template_url),
            git=git,
            check_answers=check_answers,
            confirm=confirm,
        )


def _generate_in_staging(
    destination: Path,
    staging_name: str,
    render: Callable[[Path], None],
    *,
    source: TemplateSource,
    url: str,
    git: bool,
    check_answers: Callable[[dict[str, Any]], None] | None,
    confirm: Callable[[dict[str, Any]], bool] | None,
) -> GenerationResult:
    """Renders into a staging folder, makes the git repository there, then moves it into place.

    Everything before the move can be undone by removing the staging folder, so an error, Ctrl-C,
    SIGTERM or SIGHUP (see :mod:`msf_scaffold.scratch`) up to the move leaves nothing; the move
    itself holds those signals back until it is done.
    """
    in_place = destination.is_dir()  # an existing empty directory (a mount point) is filled in place
    staging_root, staging = _make_staging(destination, staging_name, in_place=in_place)
    step = "generating the project"
    placed = False
    commit: str | None = None
    notes = _source_notes(source, url)
    git_error: ToolError | None = None
    try:
        try:
            render(staging)
            record_template_release(staging, source, url)
            rendered = read_answers(staging)
            if check_answers is not None:
                check_answers(rendered)
            if confirm is not None and not confirm(rendered):
                raise CancelledError("not created; nothing was written.")
            if git:
                step = "creating the git repository"
                try:
                    commit, identity_note = _git_init(staging, destination)
                    notes += [identity_note] if identity_note else []
                except ToolError as error:  # the project is kept, without a repository
                    scratch.remove(staging / ".git")
                    git_error = error
            step = "moving the project into place"
            with scratch.held_signals():  # a signal arrives once the project is in place
                _move_into_place(staging_root, staging, destination, in_place=in_place)
                placed = True
        except BaseException:
            if not placed:
                scratch.remove(staging_root)
            raise
    except (KeyboardInterrupt, scratch.Terminated) as stop:
        if placed:
            where = f"it exists at {destination}" + (f", committed as {commit}." if commit else ".")
            raise interruption(stop, f"just after the project was created: {where}") from None
        raise interruption(stop, f"while {step}; nothing was written.") from None
    if git_error is not None:
        raise git_error
    return GenerationResult(destination, read_answers(destination), source, commit, notes)


def read_answers(project: Path) -> dict[str, Any]:
    """The answers recorded in a generated project."""
    path = project / ANSWERS_FILE
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise UserError(
            f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"
        ) from None
    except (OSError, YAMLError) as error:
        raise UserError(f"{path} is missing or unreadable: {error}") from error
    if not isinstance(loaded, dict):
        raise UserError(f"{path} must be a mapping of answers")
    return loaded


def record_template_release(project: Path, source: TemplateSource, url: str) -> None:
    """Makes the answers file name the template as ``url`` at ``source.release``, if it is a release.

    Such a project was rendered from a local copy of the release (the copy in the package, or a
    checkout at the tag), so copier recorded the local location (``_src_path``) and no commit or the
    tag (``_commit``). The file is written as copier writes it (its ``to_nice_yaml``), so that it
    equals what a render from ``url`` at the tag gives and ``copier update`` sees no change in it.
    Any other source is recorded as copier recorded it.
    """
    if source.release is None:
        return
    answers = read_answers(project)
    answers.update(_src_path=url, _commit=source.release)
    text = yaml.dump(answers, indent=4, allow_unicode=True, default_flow_style=False)
    (project / ANSWERS_FILE).write_text(text, encoding="utf-8")


def _source_notes(source: TemplateSource, url: str) -> list[str]:
    """What the output says about the template source the answers file records."""
    if source.release is not None:
        return [
            f"the answers file records the template as {url} at {source.release}, so `copier update` "
            "works in any clone of the project that can reach that URL."
        ]
    if source.own:
        return [
            f"development build: {source.location} at {source.ref} is not a release tag, so the answers "
            "file records this local checkout and only this machine can update the project; projects "
            f"generated from a release record {url}."
        ]
    if not source.updatable:
        return [
            "The template was not a git repository, so `copier update` cannot update this project; "
            "generate from a git checkout or URL (--template) to keep it updatable."
        ]
    if source.newest is not None:
        used = (
            f"the release of msf-scaffold {__version__}"
            if source.ref == f"v{__version__}"
            else f"the template has no tag v{__version__}, the release of msf-scaffold {__version__}"
        )
        return [
            f"rendered {source.ref} ({used}, whose questions and checks this msf-scaffold knows); the "
            f"template's newest release is {source.newest}, which plain `copier copy` renders: pass "
            f"--vcs-ref {source.newest} to render it, or run `msf-scaffold update` later."
        ]
    return []


def _staging_name(destination: Path) -> str:
    """The name of the folder copier renders into: the destination's name as given.

    The questionnaire names the project after its destination folder (``project_name``'s default
    reads copier's ``dst_path``), so the staging folder has the destination's name, inside a
    private temporary folder. A destination given as ``.`` (or ``..``) names no folder, as with
    plain ``copier copy``; ``_`` gives no name either, so the defaults stay.
    """
    name = destination.name
    return name if name not in ("", ".", "..") else "_"


def _check_destination(destination: Path) -> None:
    if destination.exists() and not destination.is_dir():
        raise UserError(f"destination {destination} is a file; choose a new directory name")
    entries = list(destination.iterdir()) if destination.is_dir() else []
    running = [entry for entry in entries if scratch.is_live_staging(entry)]
    if running and running == entries:
        raise UserError(
            f"another msf-scaffold run (process {scratch.owner(running[0])}) is generating a project "
            f"into {destination}; wait for it to finish or choose another directory. Nothing was written."
        )
    if entries:
        raise UserError(
            f"destination {destination} is not empty; choose a new directory, or use "
            "`copier update` to change an existing project"
        )


def interruption(stop: BaseException, state: str) -> InterruptedRunError:
    """The error for Ctrl-C (KeyboardInterrupt) or a signal (Terminated), then ``state`` on disk."""
    if isinstance(stop, scratch.Terminated):
        return InterruptedRunError(f"terminated by {stop.name} {state}", signum=stop.signum)
    return InterruptedRunError(f"interrupted {state}")


def _make_staging(destination: Path, name: str, *, in_place: bool) -> tuple[Path, Path]:
    """The staging root (next to the destination, or inside it when in place) and the folder in it."""
    root: Path | None = None
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        prefix = f"{scratch.STAGING_PREFIX}{scratch.owner_tag()}-"
        root = Path(tempfile.mkdtemp(prefix=prefix, dir=destination if in_place else destination.parent))
        (root / name).mkdir()
    except OSError as error:
        if root is not None:
            scratch.remove(root)
        raise UserError(
            f"cannot create {destination}: {error.strerror}; choose a directory you can write to "
            "(and a name the file system allows). Nothing was written."
        ) from None
    return root, root / name


def _check_outside_template(destination: Path, source: TemplateSource) -> None:
    """Refuses a destination inside the template's own folder or the git work tree holding it.

    copier copies a local git template's uncommitted files too, so a project there would become
    part of the template: later generations fail (``No url found for submodule path``) or copy it.
    A folder git ignores there (``build/``) stays out of it and is allowed.
    """
    local = Path(source.location)
    if not local.is_dir():
        return
    top = _git(local, "rev-parse", "--show-toplevel")
    if top.returncode == 0 and top.stdout.strip():
        root = Path(top.stdout.strip()).resolve()
        inside = destination.is_relative_to(root) and destination != root.parent
        if not inside or _git(root, "check-ignore", "-q", "--", str(destination)).returncode == 0:
            return
    else:
        root = local.resolve()
        if not destination.is_relative_to(root):
            return
    raise UserError(
        f"destination {destination} is inside the template checkout {root}: the project would "
        "become part of the template, and later generations would fail or copy it into every new "
        f"project. Choose a directory outside {root}, e.g. {root.parent / destination.name}, or one "
        "git ignores there. Nothing was written."
    )


def _move_into_place(staging_root: Path, staging: Path, destination: Path, *, in_place: bool) -> None:
    """Makes the staging folder the project (the caller holds Ctrl-C, SIGTERM and SIGHUP back).

    A new destination is one rename, which fails if another run created the destination in the
    meantime. An existing empty directory keeps its identity (owner, permissions, mount): the
    project's entries are moved into it while holding a lock on it, after checking that no other
    run filled it first.
    """
    taken = UserError(
        f"destination {destination} was created or filled by another run while this one was "
        "generating; "
        "this run wrote nothing. Choose another directory, or use the project the other run made."
    )
    if not in_place:
        try:
            staging.rename(destination)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise taken from None
            raise
        staging_root.rmdir()
        return
    handle = os.open(destination, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        others = [
            entry
            for entry in destination.iterdir()
            if entry != staging_root and not scratch.is_live_staging(entry)
        ]
        if others:
            raise taken
        for entry in list(staging.iterdir()):
            entry.rename(destination / entry.name)
        staging.rmdir()
        staging_root.rmdir()
    finally:
        os.close(handle)  # releases the lock


def _check_question_names(answers: Mapping[str, Any]) -> set[str]:
    """Rejects unknown question names; returns the names of the questions not answered."""
    root = package_checkout() or bundled_template()
    known = question_names(root)
    check_names(answers, known, consequence="Nothing was written.")
    return set(known) - set(answers)


def _normalised(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with YAML's misreadings fixed; refuses answers of the wrong shape."""
    root = package_checkout() or bundled_template()
    lines = load_catalog().flink.lines
    return normalise_answers(answers, root, flink_lines=lines, consequence="Nothing was written.")


def _render(
    source: TemplateSource,
    staging: Path,
    answers: dict[str, Any],
    defaults: bool,
    user_defaults: dict[str, Any],
) -> None:
    try:
        with compiled_once():
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
    except CopierAnswersInterrupt:  # Ctrl-C or Ctrl-D at a question
        raise CancelledError("questionnaire interrupted; nothing was written.") from None
    except UserMessageError as error:
        raise UserError(f"{str(error).rstrip('.')}. Nothing was written.") from None


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, check=False)


def _git_init(project: Path, destination: Path) -> tuple[str, str | None]:
    """Makes the repository and first commit in ``project``, the staging folder of ``destination``."""
    if shutil.which("git") is None:
        raise ToolError(f"git is not installed; the project is at {destination} without a repository")
    steps: list[tuple[str, ...]] = [("init", "-q", "-b", "main"), ("add", "-A")]
    for step in steps:
        result = _git(project, *step)
        if result.returncode != 0:
            raise ToolError(
                f"git {step[0]} failed: {result.stderr.strip()}; the project is at {destination} "
                "without a repository"
            )
    identity: tuple[str, ...] = ()
    note = None
    if not _git(project, "config", "user.email").stdout.strip():
        name, email = _FALLBACK_IDENTITY
        identity = ("-c", f"user.name={name}", "-c", f"user.email={email}")
        note = "git has no user.email configured; the first commit is authored by msf-scaffold."
    message = f"Generate project with msf-scaffold {__version__}"
    result = _git(project, *identity, "commit", "-q", "-m", message)
    if result.returncode != 0:
        raise ToolError(
            f"git commit failed: {result.stderr.strip()}; the project is at {destination} without a "
            "repository"
        )
    return _git(project, "rev-parse", "--short", "HEAD").stdout.strip(), note
