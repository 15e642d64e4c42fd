"""Pragmatic scanning of Java sources: no parser, but comments and literals are masked out.

:func:`mask` blanks comments and the contents of string and character literals (keeping every
offset and line), so regular expressions, brace depth and call chains work on code only.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_OPEN = "([{"
_CLOSE = ")]}"
_IF = re.compile(r"\b(if|else)\b")
_LOCAL = re.compile(r"local", re.IGNORECASE)
_LOCAL_METHOD = re.compile(r"([\w<>\[\],.?]+)\s+(\w*(?i:local)\w*)\s*\([^()]*\)\s*(?:throws\s+[\w.,\s]+)?\{")
_CALL = re.compile(r"\.\s*([A-Za-z_]\w*)\s*\(")
_ENV_VARIABLE = re.compile(r"\b(?:Stream)?ExecutionEnvironment\s+(\w+)\s*[=;,)]")


@dataclass(frozen=True)
class Call:
    """A method call ``.name(...)``: where its name starts and where its argument list ends."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class JavaFile:
    """A Java source file with comments and literals masked."""

    path: Path
    text: str
    code: str = field(repr=False)
    line_starts: tuple[int, ...] = field(repr=False)

    @classmethod
    def read(cls, path: Path) -> JavaFile:
        """Reads and masks a Java file (undecodable bytes are replaced)."""
        text = path.read_text(encoding="utf-8", errors="replace")
        starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        return cls(path, text, mask(text), tuple(starts))

    def line_of(self, offset: int) -> int:
        """The 1-based line of an offset."""
        return bisect_right(self.line_starts, offset)

    @property
    def uses_datastream(self) -> bool:
        """Whether the file works with the DataStream API (imports or names its types)."""
        return bool(re.search(r"\borg\.apache\.flink\.streaming\b|\bDataStream\b", self.code))

    def environment_variables(self) -> set[str]:
        """Names of variables and parameters declared as a (Stream)ExecutionEnvironment, plus ``env``."""
        return {"env", *_ENV_VARIABLE.findall(self.code)}


def java_files(project: Path) -> list[JavaFile]:
    """Every ``src/main/java/**/*.java`` of the project, sorted by path."""
    root = project / "src" / "main" / "java"
    return [JavaFile.read(path) for path in sorted(root.rglob("*.java")) if path.is_file()]


def mask(text: str) -> str:
    """``text`` with comments and literal contents replaced by spaces (newlines are kept)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        two = text[i : i + 2]
        if two == "//":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif two == "/*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif text.startswith('"""', i):
            end = text.find('"""', i + 3)
            end = n if end < 0 else end
            blank(i + 3, end)
            i = end + 3
        elif text[i] in "\"'":
            end = _literal_end(text, i)
            blank(i + 1, end - 1)
            i = end
        else:
            i += 1
    return "".join(out)


def _literal_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] not in (quote, "\n"):
        i += 2 if text[i] == "\\" else 1
    return min(i + 1, len(text))


def matching(code: str, open_at: int) -> int:
    """Offset of the bracket that closes the one at ``open_at`` (or the end of the code)."""
    depth = 0
    for i in range(open_at, len(code)):
        char = code[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return len(code)


def _statement_end(code: str, start: int) -> int:
    depth = 0
    for i in range(start, len(code)):
        char = code[i]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth < 0:
                return i
        elif char == ";" and depth == 0:
            return i + 1
    return len(code)


def _branch(code: str, start: int) -> tuple[int, int]:
    """The range of the statement or block that begins at the first non-space after ``start``."""
    begin = start
    while begin < len(code) and code[begin].isspace():
        begin += 1
    if begin < len(code) and code[begin] == "{":
        return begin, matching(code, begin) + 1
    return begin, _statement_end(code, begin)


def local_ranges(code: str) -> list[tuple[int, int]]:
    """Ranges of code that run only locally.

    These are the branches of ``if`` statements whose condition mentions "local" (such as
    ``if (isLocal(env))`` or ``if (env instanceof LocalStreamEnvironment)``), the ``else`` branch
    of a negated one (``if (!isLocal(env)) ... else``), and the bodies of methods whose name
    contains "local".
    """
    ranges: list[tuple[int, int]] = []
    for open_at in _if_conditions(code):
        close_at = matching(code, open_at)
        condition = code[open_at + 1 : close_at].strip()
        if not _LOCAL.search(condition):
            continue
        then = _branch(code, close_at + 1)
        if not condition.startswith("!"):
            ranges.append(then)
            continue
        following = re.match(r"\s*else\b", code[then[1] :])
        if following:
            ranges.append(_branch(code, then[1] + following.end()))
    for match in _LOCAL_METHOD.finditer(code):
        if match.group(1) in ("new", "return", "else"):
            continue
        brace = match.end() - 1
        ranges.append((brace, matching(code, brace) + 1))
    return ranges


def in_ranges(offset: int, ranges: list[tuple[int, int]]) -> bool:
    """Whether ``offset`` lies in one of ``ranges``."""
    return any(start <= offset < end for start, end in ranges)


def calls(code: str, names: frozenset[str]) -> Iterator[Call]:
    """Every ``.name(...)`` call whose name is in ``names``."""
    for match in _CALL.finditer(code):
        if match.group(1) in names:
            open_at = match.end() - 1
            yield Call(match.group(1), match.start(1), matching(code, open_at) + 1)


def following_calls(code: str, end: int) -> Iterator[Call]:
    """The calls chained directly after offset ``end``: ``.a(...).b(...)``."""
    position = end
    while True:
        match = _CALL.match(code, _skip_space(code, position))
        if match is None:
            return
        call = Call(match.group(1), match.start(1), matching(code, match.end() - 1) + 1)
        yield call
        position = call.end


def _skip_space(code: str, position: int) -> int:
    while position < len(code) and code[position].isspace():
        position += 1
    return position


def receiver(code: str, name_start: int) -> str:
    """The expression a call at ``name_start`` is made on (``env`` in ``env.setParallelism(1)``)."""
    dot = code.rfind(".", 0, name_start)
    text = code[receiver_start(code, name_start) + 1 : dot].strip()
    return re.sub(r"^return\s+", "", text)


def receiver_start(code: str, name_start: int) -> int:
    """The offset of the character before the receiver of a call (``=``, ``;``, ``{``, ...), or -1."""
    dot = code.rfind(".", 0, name_start)
    depth, i = 0, dot - 1
    while i >= 0:
        char = code[i]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and char in ";{},=":
            break
        i -= 1
    return i


def assigned_variable(code: str, name_start: int) -> str | None:
    """The variable a call's expression is assigned to (``s`` in ``s = env.fromSource(...)``)."""
    i = receiver_start(code, name_start)
    if i < 1 or code[i] != "=" or code[i - 1] in "=!<>+-*/%&|^":
        return None
    match = re.search(r"(\w+)\s*$", code[:i])
    return match.group(1) if match else None


def block_end(code: str, offset: int) -> int:
    """The offset of the ``}`` that closes the block around ``offset`` (or the end of the code)."""
    depth = 0
    for i in range(offset, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth < 0:
                return i
    return len(code)


_METHOD_HEADER = re.compile(r"(\w+)\s*\((?:[^()]|\([^()]*\))*\)\s*(?:throws\s+[\w.,\s]+)?$")
_NOT_METHODS = frozenset({"if", "for", "while", "switch", "catch", "synchronized", "try", "return", "new"})


def blocks(code: str) -> list[tuple[int, int]]:
    """Every ``{ ... }`` block as (offset of ``{``, offset of its ``}``), in order of ``{``."""
    found: list[tuple[int, int]] = []
    stack: list[int] = []
    for i, char in enumerate(code):
        if char == "{":
            stack.append(len(found))
            found.append((i, len(code)))
        elif char == "}" and stack:
            index = stack.pop()
            found[index] = (found[index][0], i)
    return found


def method_body(code: str, offset: int, all_blocks: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The innermost method (or constructor) body around ``offset``, or None outside methods."""
    for start, end in reversed(all_blocks):
        if not start < offset < end:
            continue
        header_start = max(code.rfind(c, 0, start) for c in ";{}") + 1
        header = code[header_start:start].strip()
        match = _METHOD_HEADER.search(header)
        if (
            match
            and match.group(1) not in _NOT_METHODS
            and not re.search(r"\bnew\s+[\w.<>]+\s*\($", header[: match.end(1) + 1])
        ):
            return start, end
    return None


def _if_conditions(code: str) -> Iterator[int]:
    """The offset of the opening parenthesis of each ``if (...)`` condition."""
    for match in _IF.finditer(code):
        if match.group(1) != "if":
            continue
        open_at = code.find("(", match.end())
        if open_at >= 0 and not code[match.end() : open_at].strip():
            yield open_at


def exclusive_ranges(code: str) -> list[list[tuple[int, int]]]:
    """Groups of ranges of which at most one runs.

    The two branches of an ``if`` with an ``else``, and the case groups of a ``switch``.
    """
    groups: list[list[tuple[int, int]]] = []
    for open_at in _if_conditions(code):
        then = _statement(code, matching(code, open_at) + 1)
        following = re.match(r"\s*else\b", code[then[1] :])
        if following:
            groups.append([then, _statement(code, then[1] + following.end())])
    for match in re.finditer(r"\bswitch\s*\(", code):
        brace = code.find("{", matching(code, match.end() - 1))
        if brace < 0:
            continue
        end, depth, labels = matching(code, brace), 0, []
        for i in range(brace + 1, end):
            char = code[i]
            depth += (char in _OPEN) - (char in _CLOSE)
            if (
                depth == 0
                and re.match(r"\b(?:case|default)\b", code[i : i + 8])
                and not code[i - 1].isalnum()
            ):
                labels.append(i)
        bounds = [*labels, end]
        groups.append([(bounds[k], bounds[k + 1]) for k in range(len(labels))])
    return groups


def _statement(code: str, start: int) -> tuple[int, int]:
    """The statement (or block) that begins after ``start``; an ``if`` with its ``else``."""
    begin, end = _branch(code, start)
    if re.match(r"if\b", code[begin:]):
        open_at = code.find("(", begin)
        then = _statement(code, matching(code, open_at) + 1)
        end = then[1]
        following = re.match(r"\s*else\b", code[end:])
        if following:
            end = _statement(code, end + following.end())[1]
    return begin, end
