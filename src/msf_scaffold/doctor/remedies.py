"""What a finding's mechanical fix needs: the rules attach a remedy, ``doctor --fix`` applies it.

A remedy says what to change, found by the rule's own detection (the dependency, the shade plugin,
the call without a uid); :mod:`msf_scaffold.doctor.fix` turns it into a textual edit. A
:class:`Manual` remedy says why a finding that is usually fixable is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

from msf_scaffold.doctor.java import Call, JavaFile, blocks, matching, method_body, receiver_start
from msf_scaffold.doctor.pom import Dependency, Location

SERVICES_TRANSFORMER = "org.apache.maven.plugins.shade.resource.ServicesResourceTransformer"


@dataclass(frozen=True)
class SetScope:
    """Give a dependency (declared at ``dependency.where``) the scope ``scope``."""

    dependency: Dependency
    scope: str = "provided"


@dataclass(frozen=True)
class SetVersion:
    """Set a dependency's version where it is written (``dependency.version_where``) to ``version``."""

    dependency: Dependency
    version: str


@dataclass(frozen=True)
class ShadeExclude:
    """Add ``pattern`` to the shade plugin's ``<artifactSet><excludes>``; ``shade`` is the plugin."""

    shade: Location
    pattern: str


@dataclass(frozen=True)
class ShadeTransformer:
    """Add a ``<transformer implementation="...">`` to the shade plugin at ``shade``."""

    shade: Location
    implementation: str = SERVICES_TRANSFORMER


@dataclass(frozen=True)
class AddUid:
    """Insert ``.uid("<uid>")`` at ``offset`` of ``file`` (after the call ``call``).

    ``indent`` is None to insert on the same line, else the indentation of a new line.
    """

    file: Path
    offset: int
    uid: str
    indent: str | None
    call: str


@dataclass(frozen=True)
class Manual:
    """The finding is of a fixable kind, but this one is left alone: ``reason`` says why."""

    reason: str


Remedy = SetScope | SetVersion | ShadeExclude | ShadeTransformer | AddUid | Manual

# Missing uids -------------------------------------------------------------------------------

_ROLE = {"fromSource": "source", "addSource": "source", "sinkTo": "sink", "addSink": "sink"}
_NOISE = frozenset(
    {"new", "this", "builder", "build", "get", "create", "make", "of", "for", "source", "sources", "sink"}
    | {"sinks", "function", "string"}
)
_LITERAL = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*')
_BRANCH_HEADER = re.compile(r"(?:\bif\s*\(.*\)|\belse|\btry|\bfinally)\s*$", re.DOTALL)


def uid_remedy(source: JavaFile, call: Call, chain: list[Call], settings: frozenset[str]) -> Remedy:
    """Where to add ``.uid(...)`` to a source or sink call, or why not.

    Only a plain statement (``x.sinkTo(s)...;`` or ``v = env.fromSource(...)...;``) directly in a
    method, or in its ``if``/``else``/``try`` blocks, is changed: a call in a loop, a lambda, an
    argument or a ``return`` may run more than once or get its uid elsewhere. ``chain`` is the calls
    chained after ``call``; ``settings`` names the calls that configure the operator (``name``).
    """
    code = source.code
    before = receiver_start(code, call.start)
    if before < 0 or code[before] not in ";{}=":
        return Manual("the call is part of a larger expression; add the uid by hand")
    if re.match(r"\s*return\b", code[before + 1 :]):
        return Manual("the stream is returned from a method that may run more than once; add the uid there")
    end = chain[-1].end if chain else call.end
    if not code[end:].lstrip().startswith(";"):
        return Manual("the statement does not end after the call chain; add the uid by hand")
    if not _plain_block(code, call.start):
        return Manual("the call is in a loop, lambda or nested class; a uid there may repeat")
    return AddUid(
        source.path,
        call.end,
        _uid_name(source, call, list(takewhile(lambda c: c.name in settings, chain))),
        _next_line_indent(code, chain),
        call.name,
    )


def _next_line_indent(code: str, chain: list[Call]) -> str | None:
    """The indentation of the chain's next call when it starts its own line, else None."""
    following = chain[0] if chain else None
    if following is None:
        return None
    dot = code.rfind(".", 0, following.start)
    line_start = code.rfind("\n", 0, dot) + 1
    indent = code[line_start:dot]
    return indent if line_start > 0 and not indent.strip() else None


def _plain_block(code: str, offset: int) -> bool:
    """Whether every block between ``offset`` and its method body is an if, else, try or finally."""
    all_blocks = blocks(code)
    method = method_body(code, offset, all_blocks)
    if method is None:
        return False
    for start, end in reversed(all_blocks):
        if not start < offset < end or (start, end) == method:
            continue
        if start < method[0]:
            break
        header_start = max(code.rfind(c, 0, start) for c in ";{}") + 1
        if not _BRANCH_HEADER.search(code[header_start:start].strip()):
            return False
    return True


def _uid_name(source: JavaFile, call: Call, settings: list[Call]) -> str:
    """A readable uid: the operator's literal name, else words of the source or sink expression."""
    role = _ROLE[call.name]
    for following in settings:
        if following.name != "name":
            continue
        literal = _literal_argument(source, following, 0)
        if literal:
            return _slug(literal.split()) or role
    if call.name == "fromSource":
        literal = _literal_argument(source, call, 2)
        if literal:
            return _slug(literal.split()) or role
    start, end = _argument_bounds(source.code, call)[0]
    first = re.sub(r"<[^<>()]*>", "", source.code[start:end]).split("(", 1)[0]
    words = [w for name in re.findall(r"[A-Za-z_]\w*", first) for w in _words(name)]
    return _slug([w for w in words if w.lower() not in _NOISE] + [role])


def _argument_bounds(code: str, call: Call) -> list[tuple[int, int]]:
    """The (start, end) offsets of each top-level argument of a call."""
    open_at = code.index("(", call.start)
    close = matching(code, open_at)
    bounds, depth, start = [], 0, open_at + 1
    for i in range(open_at + 1, close):
        char = code[i]
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, close))
    return bounds


def _literal_argument(source: JavaFile, call: Call, index: int) -> str | None:
    """The argument ``index`` of a call when it is a plain string literal."""
    bounds = _argument_bounds(source.code, call)
    if index >= len(bounds):
        return None
    literal = _LITERAL.fullmatch(source.text, *bounds[index])
    return literal.group(1) if literal else None


def _words(name: str) -> list[str]:
    """``kafkaSinkProperties`` -> kafka, Sink, Properties."""
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)


def _slug(words: list[str]) -> str:
    text = "-".join(w.lower() for w in words)
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text)).strip("-")
