"""One project per request: answers from a query, :func:`generate` in a private folder, a zip or a tree.

The answers go through the checks ``msf-scaffold new`` makes (unknown questions, the shape of list
and YAML answers, copier's validators, an organisation's allowed choices), so a refused answer gets
the CLI's message; :class:`FieldError` adds the name of the question it is about. Answers never
name a path: every project is rendered into ``<temporary folder>/_`` (as ``msf-scaffold new .``
in an empty folder, so the project is named by its answers), and the archive's top folder is the
``artifact_id`` that copier's validator accepted.
"""

from __future__ import annotations

import io
import re
import stat
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from msf_scaffold import scratch
from msf_scaffold.catalog import load_catalog
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from msf_scaffold.org_defaults import OrgDefaults
from msf_scaffold.questions import check_names, normalise_answers, questions
from msf_scaffold.template_source import bundled_template, package_checkout

_T = TypeVar("_T")

#: copier's messages for a refused answer name the question in quotes.
_COPIER_FIELD = re.compile(
    r"^(?:Validation error for question|Invalid choice for) '(?P<field>[A-Za-z0-9_]+)'"
)
#: What copier's artifact_id validator accepts; checked again before the name becomes a folder in the zip.
_ARTIFACT = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
#: The name of the folder copier renders into: it names no project (the defaults stay, as for `new .`).
_UNNAMED = "_"

# copier changes the process's working directory (plumbum's local.cwd) while it clones a git
# template, and generate() points tempfile.tempdir at a private folder: neither is per thread, so
# one render runs at a time in a process.
_RENDER_LOCK = threading.Lock()


class FieldError(UserError):
    """A refused answer: the message is the CLI's, ``field`` the question it is about (None: no one)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ProjectFile:
    """One file of a rendered project."""

    path: str
    data: bytes
    mode: int

    @property
    def executable(self) -> bool:
        """Whether the owner may execute it (mvnw)."""
        return bool(self.mode & stat.S_IXUSR)


@dataclass(frozen=True)
class Project:
    """A rendered project, read into memory before its folder was removed."""

    name: str
    answers: dict[str, Any]
    files: list[ProjectFile]


def field_of(error: UserError) -> str | None:
    """The question a refusal of ``generate`` is about, read from copier's message, or None."""
    if isinstance(error, FieldError):
        return error.field
    match = _COPIER_FIELD.match(str(error))
    return match.group("field") if match else None


class Renderer:
    """Checks answers and renders projects, with an organisation's defaults and allowed choices."""

    def __init__(self, org: OrgDefaults | None = None, temp_root: Path | None = None) -> None:
        self.org = org
        self.temp_root = (temp_root or Path(tempfile.gettempdir())).resolve()
        self._root = package_checkout() or bundled_template()
        self._specs = questions(self._root)
        self._lines = list(load_catalog().flink.lines)

    @property
    def question_names(self) -> list[str]:
        """The questions, in the order copier asks them."""
        return list(self._specs)

    def answers(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """The answers a query gives, checked as ``msf-scaffold new`` checks ``--data``.

        A list question (``sinks``) takes comma-separated values, repeated parameters or a YAML
        list; every other question is given once, as text (copier casts it, as it casts ``-d``).

        Raises:
            FieldError: naming the question and the fix; nothing is rendered.
        """
        given: dict[str, list[str]] = {}
        for name, value in pairs:
            given.setdefault(name, []).append(value)
        unknown = sorted(set(given) - set(self._specs))
        if unknown:
            try:
                check_names(given, self.question_names, consequence="Nothing was written.")
            except UserError as error:
                raise FieldError(unknown[0], str(error)) from None
        answers: dict[str, Any] = {}
        for name, values in given.items():
            if self._specs[name].get("multiselect"):
                answers[name] = _list_answer(values)
                continue
            if len(values) > 1:
                raise FieldError(
                    name,
                    f"{name} is given {len(values)} times in the query; give it once "
                    f"(example: {name}={values[0]}). Nothing was written.",
                )
            answers[name] = values[0]
            try:
                answers.update(
                    normalise_answers(
                        {name: values[0]},
                        self._root,
                        flink_lines=self._lines,
                        consequence="Nothing was written.",
                    )
                )
            except UserError as error:
                raise FieldError(name, str(error)) from None
        return answers

    def render(self, answers: Mapping[str, Any], use: Callable[[Project], _T]) -> _T:
        """Renders the project of ``answers`` in a folder of its own and passes it to ``use``.

        The folder is removed before this returns, whatever happens (a refused answer, an error in
        ``use``); a render still running when a request gave up finishes and cleans up the same way.

        Raises:
            FieldError: a refused answer, with the CLI's message.
        """
        # Named like generate()'s own temporary folders: a later run removes it if this one is killed.
        prefix = f"{scratch.TEMP_PREFIX}{scratch.owner_tag()}-"
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self.temp_root))
        try:
            org = self.org
            try:
                with _RENDER_LOCK:
                    result = generate(
                        folder / _UNNAMED,
                        data=answers,
                        defaults=True,
                        git=False,
                        template=org.template if org else None,
                        vcs_ref=org.vcs_ref if org else None,
                        template_url=org.template_url if org else None,
                        user_defaults=org.defaults if org else None,
                        check_answers=self._check_allowed,
                    )
            except UserError as error:
                raise FieldError(field_of(error), str(error)) from None
            name = str(result.answers.get("artifact_id", ""))
            if not _ARTIFACT.fullmatch(name):  # copier's validator accepted it; a folder name needs no less
                raise FieldError("artifact_id", f"artifact_id {name!r} cannot name the project's folder")
            return use(Project(name, result.answers, read_files(result.destination)))
        finally:
            scratch.remove(folder)

    def _check_allowed(self, answers: dict[str, Any]) -> None:
        """The organisation's allowed choices, one question at a time so that the refusal names it."""
        if self.org is None:
            return
        for question, allowed in self.org.allowed.items():
            try:
                replace(self.org, allowed={question: allowed}).check(answers)
            except UserError as error:
                raise FieldError(question, str(error)) from None


def _list_answer(values: list[str]) -> Any:
    """A list question's answer: ``a,b``, repeated parameters, or YAML text (``[a, b]``) as on the CLI."""
    if len(values) == 1 and values[0].lstrip().startswith("["):
        return values[0]
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def read_files(project: Path) -> list[ProjectFile]:
    """Every file of ``project`` with its bytes and permission bits, by path (``/``-separated)."""
    files = []
    for path in sorted(project.rglob("*")):
        if path.is_symlink():
            raise UserError(f"the project holds a symbolic link, {path.relative_to(project)}")
        if path.is_file():
            mode = stat.S_IMODE(path.stat().st_mode)
            files.append(ProjectFile(path.relative_to(project).as_posix(), path.read_bytes(), mode))
    return files


def zip_bytes(project: Project) -> bytes:
    """The project as a zip whose top folder is its artifact_id; entries keep their permission bits."""
    buffer = io.BytesIO()
    now = time.localtime()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in project.files:
            info = zipfile.ZipInfo(f"{project.name}/{item.path}", date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix: unzip restores the permission bits (mvnw stays executable)
            info.external_attr = (stat.S_IFREG | item.mode) << 16
            archive.writestr(info, item.data)
    return buffer.getvalue()


def tree(project: Project) -> dict[str, Any]:
    """The project for the Explore view: answers, and every file with its text (None when binary)."""
    files = []
    for item in project.files:
        try:
            text: str | None = item.data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        files.append({"path": item.path, "size": len(item.data), "executable": item.executable, "text": text})
    return {"name": project.name, "answers": project.answers, "files": files}
