"""Runtime property groups a project declares: keys and group ids with the file and line they are on.

Reads the MSF shape (``[{"PropertyGroupId": ..., "PropertyMap": {...}}]``) wherever it is: local
JSON files, CloudFormation templates (YAML or JSON, ``PropertyGroups`` of
``EnvironmentProperties``) and fenced ```` ```json ```` blocks of READMEs; Terraform
``property_group`` blocks; CDK property groups written as literals (TypeScript, JavaScript, Python,
Java); and README tables with a group and a key column. What is not a literal (a variable, a
function call, a ``dynamic`` block, a spread) is skipped, never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from msf_scaffold.doctor.iac import iac_files

_GROUP_ID, _PROPERTY_MAP = "PropertyGroupId", "PropertyMap"
_STRUCTURED = frozenset({".json", ".yaml", ".yml"})
_CDK = frozenset({".ts", ".js", ".py", ".java"})
_SUFFIXES = frozenset({*_STRUCTURED, ".tf", *_CDK, ".md"})
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class PropertyKey:
    """One key of a declared group."""

    key: str
    line: int
    #: Whether the file gives the key a value (a README table only names it).
    valued: bool = True


@dataclass(frozen=True)
class DeclaredGroup:
    """A runtime property group as one file declares it."""

    file: Path
    line: int
    group: str
    keys: tuple[PropertyKey, ...]
    #: A README (a table or a ```json block): documentation, not configuration.
    documentation: bool = False


def declared_groups(project: Path) -> tuple[DeclaredGroup, ...]:
    """Every property group declared in a file below ``project``, in file order."""
    found: list[DeclaredGroup] = []
    for path in iac_files(project, _SUFFIXES):
        if path.suffix == ".md" and not path.name.lower().startswith("readme"):
            continue
        if path.relative_to(project).parts[:2] == ("src", "test"):
            continue  # test fixtures may hold wrong keys on purpose
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if path.suffix in _STRUCTURED and _GROUP_ID in text:
            found += _structured(path, text, 0)
        elif path.suffix == ".tf" and "property_group" in text:
            found += _terraform(path, text)
        elif path.suffix in _CDK:
            found += _cdk(path, text)
        elif path.suffix == ".md":
            found += _readme(path, text)
    return tuple(found)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# JSON and YAML (local files, CloudFormation, README blocks) -----------------------------------


def _structured(path: Path, text: str, first_line: int, documentation: bool = False) -> list[DeclaredGroup]:
    """Groups in a JSON or YAML document; ``first_line`` is added to its line numbers."""
    try:
        # Composing builds nodes with their lines and resolves no tags, so CloudFormation's
        # !Ref and !Sub need no constructors.
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return _json_fallback(path, text, first_line, documentation)
    groups: list[DeclaredGroup] = []
    for node in nodes:
        if node is not None:
            groups += _walk(path, node, first_line, documentation)
    return groups


def _walk(path: Path, node: yaml.Node, first_line: int, documentation: bool) -> Iterator[DeclaredGroup]:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            group = _group_node(path, item, first_line, documentation)
            if group is not None:
                yield group
            else:
                yield from _walk(path, item, first_line, documentation)
    elif isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _walk(path, value, first_line, documentation)


def _group_node(path: Path, node: yaml.Node, first_line: int, documentation: bool) -> DeclaredGroup | None:
    """A ``{PropertyGroupId, PropertyMap}`` mapping whose id is a literal, else None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    fields = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    if _GROUP_ID not in fields or _PROPERTY_MAP not in fields:
        return None
    id_node, map_node = fields[_GROUP_ID][1], fields[_PROPERTY_MAP][1]
    literal = isinstance(id_node, yaml.ScalarNode) and not id_node.tag.startswith("!")
    if not literal or not isinstance(map_node, yaml.MappingNode):
        return None  # an id from !Ref or !Sub, or a map from !If: not a literal
    keys = tuple(
        PropertyKey(k.value, first_line + k.start_mark.line + 1)
        for k, _ in map_node.value
        if isinstance(k, yaml.ScalarNode)
    )
    return DeclaredGroup(
        path, first_line + id_node.start_mark.line + 1, str(id_node.value), keys, documentation
    )


def _json_fallback(path: Path, text: str, first_line: int, documentation: bool) -> list[DeclaredGroup]:
    """JSON that YAML does not read (tabs): its groups, each line found by searching the text."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    groups: list[DeclaredGroup] = []
    offset = 0

    def visit(value: object) -> None:
        nonlocal offset
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            group, mapping = value.get(_GROUP_ID), value.get(_PROPERTY_MAP)
            if isinstance(group, str) and isinstance(mapping, dict):
                found = re.compile(rf'"{_GROUP_ID}"\s*:\s*{re.escape(json.dumps(group))}').search(
                    text, offset
                )
                offset = found.end() if found else offset
                keys = []
                for key in mapping:
                    at = text.find(json.dumps(key), offset)
                    keys.append(PropertyKey(key, first_line + _line(text, max(at, offset))))
                line = first_line + _line(text, found.start() if found else 0)
                groups.append(DeclaredGroup(path, line, group, tuple(keys), documentation))
            else:
                for item in value.values():
                    visit(item)

    visit(data)
    return groups


# Terraform -------------------------------------------------------------------------------------

_TF_GROUP = re.compile(r"(?m)^\s*property_group\s*\{")
_TF_ID = re.compile(r'(?m)^\s*property_group_id\s*=\s*"([^"$%]*)"\s*(?:#.*|//.*)?$')
_TF_MAP = re.compile(r"(?m)^\s*property_map\s*=\s*\{")
_TF_KEY = re.compile(r'^\s*(?:"([^"$%]+)"|([A-Za-z_][\w-]*))\s*[=:]')
_OPENING, _CLOSING = "{[(", "}])"


def _terraform(path: Path, text: str) -> list[DeclaredGroup]:
    """``property_group`` blocks with a literal id and a literal ``property_map = { ... }``."""
    groups = []
    for block in _TF_GROUP.finditer(text):
        end = _closing(text, block.end() - 1)
        if end is None:
            continue
        body = text[block.end() : end]
        group, mapping = _TF_ID.search(body), _TF_MAP.search(body)
        if group is None or mapping is None:
            continue  # an id from a variable or an iterator, or a map from merge(...): skipped
        map_start = block.end() + mapping.end()
        map_end = _closing(text, map_start - 1)
        if map_end is None:
            continue
        keys = _hcl_keys(text, map_start, map_end)
        if keys is not None:
            groups.append(
                DeclaredGroup(path, _line(text, block.end() + group.start(1)), group.group(1), keys)
            )
    return groups


def _hcl_keys(text: str, start: int, end: int) -> tuple[PropertyKey, ...] | None:
    """The literal keys of an HCL map's body; None when a line at the top level is not ``key = ...``."""
    keys, depth, offset = [], 0, start
    for raw in text[start:end].split("\n"):
        line = _strip_comments(raw)
        if depth == 0 and line.strip():
            key = _TF_KEY.match(line)
            if key is None:
                return None
            keys.append(PropertyKey(key.group(1) or key.group(2), _line(text, offset)))
        depth += _depth_change(line)
        offset += len(raw) + 1
    return tuple(keys)


def _depth_change(line: str) -> int:
    masked = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
    return sum(masked.count(c) for c in _OPENING) - sum(masked.count(c) for c in _CLOSING)


def _closing(text: str, opening: int) -> int | None:
    """The offset of the bracket that closes the one at ``opening`` (strings skipped), or None."""
    depth, index, quote = 0, opening, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


# CDK -------------------------------------------------------------------------------------------

_STRING = r"""(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)')"""
_CDK_ID = re.compile(rf"\b(?:propertyGroupId|property_group_id)\s*(?:[:=]|\()\s*{_STRING}")
_CDK_MAP = re.compile(r"\b(?:propertyMap|property_map)\s*(?:[:=]\s*(\{)|\(\s*Map\.of\s*(\())")
_L2_GROUPS = re.compile(r"\b(?:propertyGroups|property_groups)\s*[:=]\s*(\{)")
_ENTRY = re.compile(rf"^\s*(?:{_STRING}|([A-Za-z_$][\w$]*))\s*:")


def _cdk(path: Path, text: str) -> list[DeclaredGroup]:
    """Literal property groups in CDK code (L1 ``CfnApplication`` and the L2 construct)."""
    groups: list[DeclaredGroup] = []
    identifiers = path.suffix in (".ts", ".js")
    ids = list(_CDK_ID.finditer(text))
    for index, found in enumerate(ids):
        limit = ids[index + 1].start() if index + 1 < len(ids) else len(text)
        mapping = _CDK_MAP.search(text, found.end(), limit)
        if mapping is None:
            continue
        if mapping.group(1):
            keys = _object_keys(text, mapping.start(1), identifiers)
        else:
            keys = _map_of_keys(text, mapping.start(2))
        if keys is not None:
            group = found.group(1) if found.group(1) is not None else found.group(2)
            groups.append(DeclaredGroup(path, _line(text, found.start()), group, keys))
    for l2 in _L2_GROUPS.finditer(text):
        groups += _l2_groups(path, text, l2.start(1), identifiers)
    return groups


def _entries(text: str, opening: int) -> Iterator[tuple[int, int]] | None:
    """The spans of the comma-separated entries inside the bracket at ``opening``."""
    end = _closing(text, opening)
    if end is None:
        return None
    spans, start, index = [], opening + 1, opening + 1
    while index < end:
        char = text[index]
        if char in _OPENING or char in "\"'`":
            closing = _closing(text, index) if char in _OPENING else _string_end(text, index)
            index = (closing if closing is not None else end) + 1
            continue
        if char == ",":
            spans.append((start, index))
            start = index + 1
        index += 1
    spans.append((start, end))
    return iter([(s, e) for s, e in spans if _strip_comments(text[s:e]).strip()])


def _string_end(text: str, opening: int) -> int | None:
    quote, index = text[opening], opening + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return None


_COMMENT = re.compile(r"""(?m)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?:#|//).*$""")


def _strip_comments(text: str) -> str:
    """``text`` without ``#`` and ``//`` comments; strings are kept as they are."""
    return _COMMENT.sub(lambda m: m.group(1) or "", text)


def _object_keys(text: str, opening: int, identifiers: bool) -> tuple[PropertyKey, ...] | None:
    """Literal keys of a TypeScript object or a Python dict; spreads and computed keys are skipped."""
    entries = _entries(text, opening)
    if entries is None:
        return None
    keys = []
    for start, end in entries:
        entry = _strip_comments(text[start:end])
        match = _ENTRY.match(entry)
        if match is None or (match.group(3) is not None and not identifiers):
            continue  # ...spread, **other, [computed]: or a Python variable as key
        key = next(g for g in match.groups() if g is not None)
        lead = len(entry) - len(entry.lstrip())
        keys.append(PropertyKey(key, _line(text, start + lead)))
    return tuple(keys)


def _map_of_keys(text: str, opening: int) -> tuple[PropertyKey, ...] | None:
    """Keys of Java's ``Map.of("k", v, ...)``; None when a key is not a string literal."""
    entries = _entries(text, opening)
    if entries is None:
        return None
    keys = []
    for position, (start, end) in enumerate(entries):
        if position % 2:
            continue
        literal = re.fullmatch(rf"\s*{_STRING}\s*", _strip_comments(text[start:end]))
        if literal is None or literal.group(1) is None:
            return None
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        keys.append(PropertyKey(literal.group(1), _line(text, start + lead)))
    return tuple(keys)


def _l2_groups(path: Path, text: str, opening: int, identifiers: bool) -> list[DeclaredGroup]:
    """``propertyGroups: { Group: { 'key': value } }`` of the L2 construct."""
    entries = _entries(text, opening)
    if entries is None:
        return []
    groups = []
    for start, end in entries:
        entry = _strip_comments(text[start:end])
        match = _ENTRY.match(entry)
        if match is None or (match.group(3) is not None and not identifiers):
            continue
        rest = start + match.end()
        value = re.match(r"\s*\{", text[rest:end])
        if value is None:
            continue
        keys = _object_keys(text, rest + value.end() - 1, identifiers)
        group = next(g for g in match.groups() if g is not None)
        if keys is not None:
            lead = len(entry) - len(entry.lstrip())
            groups.append(DeclaredGroup(path, _line(text, start + lead), group, keys))
    return groups


# README ----------------------------------------------------------------------------------------

_FENCE = re.compile(r"(?ms)^[ \t]*```json[ \t]*\n(.*?)^[ \t]*```")
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")


def _readme(path: Path, text: str) -> list[DeclaredGroup]:
    """Fenced JSON blocks holding property groups, and tables with a group and a key column."""
    groups: list[DeclaredGroup] = []
    for block in _FENCE.finditer(text):
        if _GROUP_ID in block.group(1):
            groups += _structured(path, block.group(1), _line(text, block.start(1)) - 1, documentation=True)
    groups += _tables(path, text)
    return groups


def _tables(path: Path, text: str) -> list[DeclaredGroup]:
    rows: dict[tuple[int, str], list[PropertyKey]] = {}
    in_table, columns, table = False, None, 0
    for number, line in enumerate(text.split("\n"), start=1):
        row = _ROW.match(line)
        if row is None:
            in_table = False
            continue
        cells = [cell.strip().strip("`").strip() for cell in row.group(1).split("|")]
        if not in_table:
            in_table, columns, table = True, _header(cells), table + 1
            continue
        if columns is None or all(set(cell) <= set("-: ") for cell in cells):
            continue  # another table, or the separator row
        group_at, key_at = columns
        if max(group_at, key_at) >= len(cells):
            continue
        group, key = cells[group_at], cells[key_at]
        if _NAME.match(group) and _NAME.match(key):
            rows.setdefault((table, group), []).append(PropertyKey(key, number, False))
    # The rows of one group in one table form one group (its keys tell which connector it is for).
    return [DeclaredGroup(path, keys[0].line, group, tuple(keys), True) for (_, group), keys in rows.items()]


def _header(cells: list[str]) -> tuple[int, int] | None:
    """The group and key columns of a table's header row, or None for another table."""
    lower = [cell.lower() for cell in cells]
    group = next((i for i, cell in enumerate(lower) if "group" in cell), None)
    key = next((i for i, cell in enumerate(lower) if cell in ("key", "property key", "property")), None)
    return (group, key) if group is not None and key is not None else None
