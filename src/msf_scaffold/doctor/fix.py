"""``msf-scaffold doctor --fix``: the mechanical fixes of the doctor's findings as textual edits.

The rules attach a remedy to the findings they can fix (:mod:`msf_scaffold.doctor.remedies`); this
module turns each remedy into the smallest textual edit of the pom or Java file (formatting,
comments and indentation stay as they are; no pom is re-serialised), shows the edits as a unified
diff and writes them. Anything that cannot be edited safely is left alone with the reason.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.doctor import DoctorReport, Finding, report_of
from msf_scaffold.doctor.java import calls
from msf_scaffold.doctor.pom import Location, parse_xml, pom_chain_paths
from msf_scaffold.doctor.project import Project, load_project
from msf_scaffold.doctor.remedies import (
    AddUid,
    Manual,
    Remedy,
    SetScope,
    SetVersion,
    ShadeExclude,
    ShadeTransformer,
)
from msf_scaffold.errors import UserError

SHADE_PLUGIN = "maven-shade-plugin"
_UID_LITERAL = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*')


@dataclass(frozen=True)
class FileChange:
    """A file's text before and after the fixes."""

    path: Path
    before: str
    after: str


@dataclass(frozen=True)
class Outcome:
    """What ``--fix`` does with one finding: ``fixed`` with the change, or left alone and why."""

    finding: Finding
    fixed: bool
    what: str


@dataclass(frozen=True)
class FixPlan:
    """The fixes for one project.

    Attributes:
        report: the doctor's report before the fixes.
        base: the directory the diff's paths are relative to (the project, or the parent build
            whose pom a fix changes).
        changes: the changed files, in path order.
        outcomes: per fixable finding, the change or why it is left alone.
    """

    report: DoctorReport
    base: Path
    changes: tuple[FileChange, ...]
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class _Edit:
    path: Path
    start: int
    end: int
    text: str


@dataclass(eq=False)
class _Node:
    """An XML element with the offsets of its tags in the file's text."""

    tag: str
    start: int
    line: int
    parent: _Node | None
    open_end: int = 0
    close_start: int = 0
    end: int = 0
    children: list[_Node] = field(default_factory=list)

    @property
    def path(self) -> tuple[str, ...]:
        node: _Node | None = self
        tags: list[str] = []
        while node is not None:
            tags.append(node.tag)
            node = node.parent
        return tuple(reversed(tags))

    def child(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def walk(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class _Xml:
    path: Path
    text: str
    root: _Node

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def inner(self, node: _Node) -> str | None:
        """The element's text when it is plain (no child, comment, CDATA or entity), else None."""
        if node.end == node.open_end:
            return ""
        inner = self.text[node.open_end : node.close_start]
        return None if "<" in inner or "&" in inner else inner

    def value(self, node: _Node | None) -> str | None:
        inner = None if node is None else self.inner(node)
        return None if inner is None else inner.strip()


class _SkipError(Exception):
    """A remedy that cannot be applied safely; the message says why."""


def plan_fixes(path: Path, catalog: Catalog | None = None) -> FixPlan:
    """Runs the doctor on ``path`` and computes the edits that fix what it can fix mechanically.

    Raises:
        UserError: when the doctor cannot check the project (as :func:`~msf_scaffold.doctor.run_doctor`).
    """
    project = load_project(path, catalog or load_catalog())
    report = report_of(project, path)
    planner = _Planner(project)
    return planner.plan(report)


def render_diff(plan: FixPlan) -> str:
    """The changes as one unified diff (paths ``a/...`` and ``b/...`` relative to ``plan.base``)."""
    parts: list[str] = []
    for change in plan.changes:
        name = Path(os.path.relpath(change.path.resolve(), plan.base)).as_posix()
        lines = difflib.unified_diff(
            change.before.splitlines(keepends=True),
            change.after.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
        for line in lines:
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


def write_fixes(plan: FixPlan) -> None:
    """Writes the changed files (each replaced whole, keeping its permissions)."""
    for change in plan.changes:
        handle, temporary = tempfile.mkstemp(dir=change.path.parent, prefix=f".{change.path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(change.after.encode("utf-8"))
            shutil.copymode(change.path, temporary)
            Path(temporary).replace(change.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def render_summary(plan: FixPlan, *, written: bool) -> str:
    """One line per fixable finding: what changed (or would change) and what is left alone."""
    fixed = [o for o in plan.outcomes if o.fixed]
    left = [o for o in plan.outcomes if not o.fixed]
    verb = "fixed" if written else "would fix"
    lines = [f"{verb} {o.finding.rule} {o.finding.location}: {o.what}" for o in fixed]
    lines += [f"left alone {o.finding.rule} {o.finding.location}: {o.what}" for o in left]
    files = len(plan.changes)
    if not fixed:
        lines.append("msf-scaffold doctor --fix: nothing to fix mechanically.")
    elif written:
        lines.append(f"msf-scaffold doctor --fix: {len(fixed)} fixes written to {files} files.")
    else:
        lines.append(
            f"msf-scaffold doctor --fix: {len(fixed)} fixes in {files} files (diff paths relative to"
            f" {plan.base}); nothing was written: apply them with --fix --write."
        )
    return "\n".join(lines)


# Planning -----------------------------------------------------------------------------------


class _Planner:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.chain = pom_chain_paths(project.pom.path)
        self.xml: dict[Path, _Xml] = {}
        self.texts: dict[Path, str] = {}
        self.editable = self._editable_poms()

    def plan(self, report: DoctorReport) -> FixPlan:
        edits: dict[int, list[_Edit]] = {}
        outcomes: dict[int, Outcome] = {}
        fixable = [(i, f, f.remedy) for i, f in enumerate(report.findings) if f.remedy is not None]
        shade_groups: dict[tuple[type, Location], list[int]] = defaultdict(list)
        taken = self._uids()
        for index, finding, remedy in fixable:
            if isinstance(remedy, ShadeExclude | ShadeTransformer):
                shade_groups[(type(remedy), remedy.shade)].append(index)
                continue
            try:
                what, found = self._edits(remedy, taken)
            except _SkipError as skip:
                outcomes[index] = Outcome(finding, False, str(skip))
                continue
            edits[index], outcomes[index] = found, Outcome(finding, True, what)
        for (kind, where), indexes in shade_groups.items():
            group = [(i, report.findings[i]) for i in indexes]
            try:
                found, each = self._shade_fix(kind, where, [f.remedy for _, f in group])
            except _SkipError as skip:
                outcomes.update((i, Outcome(f, False, str(skip))) for i, f in group)
                continue
            for position, (i, finding) in enumerate(group):
                edits[i] = found if position == 0 else []
                outcomes[i] = Outcome(finding, True, each[position])
        self._drop_conflicts(edits, outcomes, report)
        changes = self._apply(edits, outcomes, report)
        ordered = tuple(outcomes[i] for i in sorted(outcomes))
        return FixPlan(report, self._base(changes), changes, ordered)

    # Remedies ---------------------------------------------------------------------------------

    def _edits(self, remedy: Remedy, taken: set[str]) -> tuple[str, list[_Edit]]:
        if isinstance(remedy, Manual):
            raise _SkipError(remedy.reason)
        if isinstance(remedy, SetScope):
            return self._scope(remedy)
        if isinstance(remedy, SetVersion):
            return self._version(remedy)
        if isinstance(remedy, AddUid):
            return self._uid(remedy, taken)
        raise _SkipError("no mechanical fix")  # pragma: no cover - shade remedies are grouped

    def _scope(self, remedy: SetScope) -> tuple[str, list[_Edit]]:
        dependency = remedy.dependency
        xml = self._pom(dependency.where.file)
        nodes = [
            n
            for n in xml.root.walk()
            if n.path == ("project", "dependencies", "dependency")
            and n.line == dependency.where.line
            and self._coordinates(xml, n) == (dependency.group, dependency.artifact)
        ]
        if len(nodes) != 1:
            raise _SkipError(f"cannot tell which <dependency> of {self._name(xml.path)} is {dependency.key}")
        node = nodes[0]
        what = f"{dependency.key} scope {dependency.scope} -> {remedy.scope}{self._in(xml.path)}"
        scope = node.child("scope")
        if scope is not None:
            value = xml.value(scope)
            if value is None or "${" in value:
                raise _SkipError(
                    f"the scope of {dependency.key} is not a plain value; set it to {remedy.scope} by hand"
                )
            return what, [_set_text(xml, scope, remedy.scope)]
        anchor = node.child("version") or node.child("artifactId")
        if anchor is None:  # pragma: no cover - a dependency always names its artifactId
            raise _SkipError(f"{dependency.key} has no <artifactId>")
        return what, [_insert_after(xml, anchor, f"<scope>{remedy.scope}</scope>")]

    def _version(self, remedy: SetVersion) -> tuple[str, list[_Edit]]:
        dependency, where = remedy.dependency, remedy.dependency.version_where
        xml = self._pom(where.file)
        candidates = []
        for node in xml.root.walk():
            if node.line != where.line:
                continue
            is_property = len(node.path) == 3 and node.path[:2] == ("project", "properties")
            declares = (
                node.tag == "version"
                and node.parent is not None
                and node.parent.path
                in (
                    ("project", "dependencies", "dependency"),
                    ("project", "dependencyManagement", "dependencies", "dependency"),
                )
                and self._coordinates(xml, node.parent) == (dependency.group, dependency.artifact)
            )
            value = xml.value(node)
            if (is_property or declares) and value is not None and self._resolves(value, dependency.version):
                candidates.append((node, value, is_property))
        literal = [c for c in candidates if "${" not in c[1]]
        if not candidates:
            raise _SkipError(
                f"cannot find where {self._name(xml.path)} writes version {dependency.version};"
                f" set it to {remedy.version} by hand"
            )
        if not literal:
            raise _SkipError(
                f"the version is built from properties ({candidates[0][1]}); set it to {remedy.version}"
                " where they are defined"
            )
        if len(literal) > 1:
            raise _SkipError(
                f"{self._name(xml.path)}:{where.line} holds more than one such version; set it by hand"
            )
        node, _, is_property = literal[0]
        place = f" (property {node.tag}{self._in(xml.path)})" if is_property else self._in(xml.path)
        what = f"{dependency.key} version {dependency.version} -> {remedy.version}{place}"
        return what, [_set_text(xml, node, remedy.version)]

    def _uid(self, remedy: AddUid, taken: set[str]) -> tuple[str, list[_Edit]]:
        raw, offsets = self._java(remedy.file)
        uid, number = remedy.uid, 2
        while uid in taken:
            uid, number = f"{remedy.uid}-{number}", number + 1
        taken.add(uid)
        newline = "\r\n" if "\r\n" in raw else "\n"
        call = f'.uid("{uid}")'
        text = call if remedy.indent is None else f"{newline}{remedy.indent}{call}"
        position = offsets[remedy.offset]
        return f'.{remedy.call}(...) gets .uid("{uid}")', [_Edit(remedy.file, position, position, text)]

    def _shade_fix(
        self, kind: type, where: Location, remedies: list[Remedy | None]
    ) -> tuple[list[_Edit], list[str]]:
        """One edit for the shade plugin's findings of one kind, and what it does per finding."""
        place = self._in(where.file)
        if kind is ShadeExclude:
            patterns = [r.pattern for r in remedies if isinstance(r, ShadeExclude)]
            edit = self._shade_list(where, "excludes", [f"<exclude>{p}</exclude>" for p in patterns])
            return [edit], [f"the shade plugin excludes {p} from the JAR{place}" for p in patterns]
        implementation = next(r.implementation for r in remedies if isinstance(r, ShadeTransformer))
        simple = implementation.rsplit(".", 1)[-1]
        edit = self._shade_list(where, "transformers", [f'<transformer implementation="{implementation}"/>'])
        return [edit], [f"the shade plugin gets the {simple}{place}"] * len(remedies)

    def _shade_list(self, where: Location, list_tag: str, items: list[str]) -> _Edit:
        """Adds ``items`` to the shade plugin's ``<artifactSet><excludes>`` or ``<transformers>``."""
        inside = ("artifactSet",) if list_tag == "excludes" else ()
        lists, declared = self._shade_places(where, (*inside, list_tag))
        if len(lists) > 1:
            places = ", ".join(f"{self._name(x.path)}:{n.line}" for x, n in lists)
            raise _SkipError(
                f"the shade plugin's <{list_tag}> is written in more than one place ({places});"
                " edit it by hand"
            )
        if lists:
            xml, node = lists[0]
            self._check_editable(xml.path)
            return _insert_child(xml, node, [(0, item) for item in items])
        if len(declared) != 1:
            raise _SkipError(
                "the shade plugin has no single <configuration> to add to"
                f" ({len(declared)} found); add <{list_tag}> by hand"
            )
        xml, configuration = declared[0]
        self._check_editable(xml.path)
        block = [(1, item) for item in items]
        if inside and configuration.child("artifactSet") is not None:
            artifact_set = configuration.child("artifactSet")
            assert artifact_set is not None
            return _insert_child(xml, artifact_set, [(0, f"<{list_tag}>"), *block, (0, f"</{list_tag}>")])
        lines = [(0, f"<{list_tag}>"), *block, (0, f"</{list_tag}>")]
        if inside:
            lines = [(0, "<artifactSet>"), *[(d + 1, t) for d, t in lines], (0, "</artifactSet>")]
        return _insert_child(xml, configuration, lines)

    def _shade_places(
        self, where: Location, tags: tuple[str, ...]
    ) -> tuple[list[tuple[_Xml, _Node]], list[tuple[_Xml, _Node]]]:
        """The shade plugin's elements at ``tags`` in every configuration of the pom chain.

        Also the configurations of the plugin declared at ``where``.
        """
        lists: list[tuple[_Xml, _Node]] = []
        declared: list[tuple[_Xml, _Node]] = []
        for path in self.chain:
            xml = self._pom(path, check_editable=False)
            for plugin in _shade_plugins(xml):
                for configuration in _configurations(plugin):
                    node: _Node | None = configuration
                    for tag in tags:
                        node = node.child(tag) if node is not None else None
                    if node is not None:
                        lists.append((xml, node))
                if (
                    path == where.file
                    and plugin.line == where.line
                    and plugin.path == ("project", "build", "plugins", "plugin")
                ):
                    declared += [(xml, c) for c in _configurations(plugin)]
        return lists, declared

    # Files ------------------------------------------------------------------------------------

    def _editable_poms(self) -> set[Path]:
        """The project's pom and the parents that list it as a module (the same build)."""
        editable = {self.chain[0]}
        child_dir = self.chain[0].parent.resolve()
        for parent in self.chain[1:]:
            root, _ = parse_xml(parent)
            modules = [
                (parent.parent / (e.text or "").strip()).resolve()
                for e in [*root.findall("modules/module"), *root.findall("profiles/profile/modules/module")]
            ]
            if child_dir not in modules and child_dir / "pom.xml" not in modules:
                break
            editable.add(parent)
            child_dir = parent.parent.resolve()
        return editable

    def _check_editable(self, path: Path) -> None:
        if path not in self.editable:
            raise _SkipError(
                f"{self._name(path)} is a parent pom outside this project's build (it does not list the"
                " project as a module): change it there, or override the value in the project's pom"
            )

    def _pom(self, path: Path, *, check_editable: bool = True) -> _Xml:
        if check_editable:
            self._check_editable(path)
        if path not in self.xml:
            self.xml[path] = _parse(path)
        return self.xml[path]

    def _java(self, path: Path) -> tuple[str, list[int]]:
        """The file's exact text and, per offset of the doctor's text, the offset in it."""
        try:
            raw = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise _SkipError(f"{self._name(path)} is not UTF-8; add the uid by hand") from None
        self.texts.setdefault(path, raw)
        offsets: list[int] = []
        i = 0
        while i < len(raw):
            offsets.append(i)
            i += 2 if raw.startswith("\r\n", i) else 1
        offsets.append(len(raw))
        return raw, offsets

    def _uids(self) -> set[str]:
        """The literal uids the project's Java code already sets."""
        taken: set[str] = set()
        for source in self.project.java:
            for call in calls(source.code, frozenset({"uid"})):
                literal = _UID_LITERAL.fullmatch(
                    source.text, source.code.find("(", call.start) + 1, call.end - 1
                )
                if literal is not None:
                    taken.add(literal.group(1))
        return taken

    def _coordinates(self, xml: _Xml, node: _Node) -> tuple[str, str]:
        resolve = self.project.pom.resolve
        return resolve(xml.value(node.child("groupId")) or ""), resolve(
            xml.value(node.child("artifactId")) or ""
        )

    def _resolves(self, value: str, expected: str | None) -> bool:
        return self.project.pom.resolve(value) == expected

    def _name(self, path: Path) -> str:
        return self.project.relative(path)

    def _in(self, path: Path) -> str:
        return "" if path == self.project.pom.path else f" in {self._name(path)}"

    # Applying ---------------------------------------------------------------------------------

    def _drop_conflicts(
        self, edits: dict[int, list[_Edit]], outcomes: dict[int, Outcome], report: DoctorReport
    ) -> None:
        """Leaves alone the findings whose edits replace the same text as another finding's edit.

        Insertions at one place are compatible (they keep the order of the findings); the same
        edit made for two findings (one property that two dependencies use) is made once.
        """
        spans = sorted((e.path, e.start, e.end, e.text, i) for i, found in edits.items() for e in found)
        clashing: set[int] = set()
        for a, b in itertools.pairwise(spans):
            if a[0] == b[0] and a[:4] != b[:4] and b[1] < a[2]:
                clashing |= {a[4], b[4]}
        for i in clashing:
            del edits[i]
            outcomes[i] = Outcome(
                report.findings[i], False, "another fix changes the same text differently; fix it by hand"
            )

    def _apply(
        self, edits: dict[int, list[_Edit]], outcomes: dict[int, Outcome], report: DoctorReport
    ) -> tuple[FileChange, ...]:
        by_file: dict[Path, dict[tuple[int, int, str], set[int]]] = defaultdict(lambda: defaultdict(set))
        for i, found in edits.items():
            for edit in found:
                by_file[edit.path][(edit.start, edit.end, edit.text)].add(i)
        changes: list[FileChange] = []
        for path in sorted(by_file):
            before = self.xml[path].text if path in self.xml else self.texts[path]
            after = before
            order = sorted(by_file[path].items(), key=lambda item: (item[0][0], item[0][1], min(item[1])))
            for (start, end, text), _ in reversed(order):
                after = after[:start] + text + after[end:]
            if path in self.xml and not _well_formed(after):
                for i in {i for indexes in by_file[path].values() for i in indexes}:
                    outcomes[i] = Outcome(
                        report.findings[i],
                        False,
                        f"the edited {self._name(path)} would not parse; fix it by hand",
                    )
                continue
            changes.append(FileChange(path, before, after))
        return tuple(changes)

    def _base(self, changes: tuple[FileChange, ...]) -> Path:
        root = self.project.root.resolve()
        return Path(os.path.commonpath([root, *(c.path.parent.resolve() for c in changes)]))


# XML with offsets ---------------------------------------------------------------------------


def _parse(path: Path) -> _Xml:
    """Parses a pom into elements that know the offsets of their tags in the file's text."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _SkipError(f"{path.name} is not UTF-8; edit it by hand") from None
    char_at = _char_offsets(data, text)
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[_Node] = []
    roots: list[_Node] = []

    def start(tag: str, _attributes: dict[str, str]) -> None:
        node = _Node(tag.rsplit(" ", 1)[-1], char_at[parser.CurrentByteIndex], parser.CurrentLineNumber, None)
        node.open_end = _tag_end(text, node.start)
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)

    def end(_tag: str) -> None:
        node = stack.pop()
        if text[node.open_end - 2 : node.open_end] == "/>":
            node.close_start = node.end = node.open_end
        else:
            node.close_start = char_at[parser.CurrentByteIndex]
            node.end = text.index(">", node.close_start) + 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:  # pragma: no cover - the doctor parsed the same file
        raise UserError(f"{path} is not well-formed XML ({error})") from None
    return _Xml(path, text, roots[0])


def _char_offsets(data: bytes, text: str) -> list[int]:
    if len(data) == len(text):
        return list(range(len(data) + 1))
    offsets: list[int] = []
    for index, char in enumerate(text):
        offsets += [index] * len(char.encode("utf-8"))
    offsets.append(len(text))
    return offsets


def _tag_end(text: str, start: int) -> int:
    """The offset after the ``>`` that ends the start tag at ``start`` (quotes respected)."""
    quote = ""
    for i in range(start, len(text)):
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ">":
            return i + 1
    return len(text)  # pragma: no cover - expat accepted the tag


def _well_formed(text: str) -> bool:
    parser = expat.ParserCreate()
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError:
        return False
    return True


def _shade_plugins(xml: _Xml) -> list[_Node]:
    return [
        n
        for n in xml.root.walk()
        if n.path
        in (
            ("project", "build", "plugins", "plugin"),
            ("project", "build", "pluginManagement", "plugins", "plugin"),
        )
        and xml.value(n.child("artifactId")) == SHADE_PLUGIN
    ]


def _configurations(plugin: _Node) -> list[_Node]:
    found = [c for c in plugin.children if c.tag == "configuration"]
    for executions in (c for c in plugin.children if c.tag == "executions"):
        for execution in (c for c in executions.children if c.tag == "execution"):
            found += [c for c in execution.children if c.tag == "configuration"]
    return found


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent(xml: _Xml, node: _Node) -> str | None:
    """The whitespace before the element on its line, or None when something else precedes it."""
    prefix = xml.text[_line_start(xml.text, node.start) : node.start]
    return None if prefix.strip() else prefix


def _unit(xml: _Xml) -> str:
    """The file's indentation step: the first child indented deeper than its parent."""
    for node in xml.root.walk():
        if node.parent is None:
            continue
        inner, outer = _indent(xml, node), _indent(xml, node.parent)
        if inner is not None and outer is not None and len(inner) > len(outer) and inner.startswith(outer):
            return inner[len(outer) :]
    return "    "


def _set_text(xml: _Xml, node: _Node, value: str) -> _Edit:
    inner = xml.inner(node)
    if inner is None or node.end == node.open_end:
        raise _SkipError(f"<{node.tag}> at {xml.path.name}:{node.line} is not a plain value; edit it by hand")
    lead = len(inner) - len(inner.lstrip())
    trail = len(inner) - len(inner.rstrip())
    return _Edit(xml.path, node.open_end + lead, node.close_start - trail, value)


def _insert_after(xml: _Xml, node: _Node, snippet: str) -> _Edit:
    """Inserts ``snippet`` as the next sibling of ``node``, laid out like ``node``."""
    text, newline = xml.text, xml.newline
    indent = _indent(xml, node)
    if indent is None:  # something precedes the element on its line: stay on that line
        return _Edit(xml.path, node.end, node.end, snippet)
    end_of_line = text.find("\n", node.end)
    end_of_line = len(text) if end_of_line < 0 else end_of_line
    if end_of_line > 0 and text[end_of_line - 1] == "\r":
        end_of_line -= 1
    rest = text[node.end : end_of_line].strip()
    if rest and not (rest.startswith("<!--") and rest.endswith("-->") and rest.count("<!--") == 1):
        return _Edit(xml.path, node.end, node.end, snippet)
    return _Edit(xml.path, end_of_line, end_of_line, f"{newline}{indent}{snippet}")


def _insert_child(xml: _Xml, parent: _Node, lines: list[tuple[int, str]]) -> _Edit:
    """Appends the elements in ``lines`` (depth, text) as the last children of ``parent``."""
    if parent.end == parent.open_end:
        raise _SkipError(
            f"<{parent.tag}/> at {xml.path.name}:{parent.line} is an empty element; edit it by hand"
        )
    text, newline, unit = xml.text, xml.newline, _unit(xml)
    close_line = _line_start(text, parent.close_start)
    if close_line > parent.open_end and not text[close_line : parent.close_start].strip():
        last = _indent(xml, parent.children[-1]) if parent.children else None
        outer = _indent(xml, parent)
        indent = last if last is not None else (outer or "") + unit
        block = "".join(f"{indent}{unit * depth}{line}{newline}" for depth, line in lines)
        return _Edit(xml.path, close_line, close_line, block)
    flat = "".join(line for _, line in lines)
    if not parent.children:
        return _Edit(xml.path, parent.open_end, parent.open_end, flat)
    last_node = parent.children[-1]
    previous_end = parent.children[-2].end if len(parent.children) > 1 else parent.open_end
    separator = text[previous_end : last_node.start]
    if separator.strip() or "\n" in separator:
        separator = "" if "\n" not in separator else newline + separator.rsplit("\n", 1)[1]
        if separator.strip():
            separator = ""
    if "\n" in separator:
        indent = separator.lstrip("\r\n")
        flat = "".join(f"{newline}{indent}{unit * depth}{line}" for depth, line in lines)
        return _Edit(xml.path, last_node.end, last_node.end, flat)
    return _Edit(xml.path, last_node.end, last_node.end, separator + flat)
