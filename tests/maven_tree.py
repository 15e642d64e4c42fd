"""Reads Maven's verbose dependency tree (`dependency:tree -Dverbose`) for version conflicts among
the artifacts a project bundles.

Maven settles two requested versions of one artifact silently: the nearest declaration wins
("omitted for conflict with ...") and dependencyManagement, fed by the BOMs, overrides what a
library asked for ("version managed from ..."). A conflict matters when the bundled artifact
(compile scope) ends up older than a bundled library asked for (it may call what the older version
lacks) or in another major version (an incompatible API). Upgrades within a major version, such as
the Jackson BOM aligning a connector's Jackson 2.x, are what the BOM is for and pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

#: The scopes the shade plugin bundles (less the artifacts its configuration leaves out).
BUNDLED = ("compile", "runtime")

_LINE = re.compile(r"^(?P<prefix>[| +\\-]*)(?P<node>.+)$")


@dataclass(frozen=True)
class Conflict:
    """A bundled artifact whose version Maven mediated away from what a library asked for."""

    artifact: str
    requested: str
    resolved: str
    via: str

    def __str__(self) -> str:
        return f"{self.artifact}: {self.via} asks for {self.requested}, Maven bundles {self.resolved}"


@dataclass(frozen=True)
class _Node:
    artifact: str
    version: str
    scope: str
    notes: str
    omitted: bool


def _parse(node: str) -> _Node:
    omitted = node.startswith("(") and node.endswith(")")
    if omitted:
        coordinate, _, notes = node[1:-1].partition(" - ")
    else:
        coordinate, _, notes = node.partition(" (")
        notes = notes.removesuffix(")")
    parts = coordinate.strip().split(":")
    return _Node(f"{parts[0]}:{parts[1]}", parts[-2], parts[-1], notes, omitted)


def _matters(requested: str, resolved: str) -> bool:
    try:
        old, new = Version(requested), Version(resolved)
    except InvalidVersion:
        return requested != resolved
    return new < old or new.major != old.major


def bundled_conflicts(tree: str) -> list[Conflict]:
    """The conflicts that matter among the bundled (compile and runtime scope) artifacts of one
    project's tree."""
    nodes: list[tuple[int, _Node]] = []
    for line in tree.splitlines()[1:]:
        match = _LINE.match(line)
        if match is None or not line.strip():
            continue
        nodes.append((len(match["prefix"]) // 3, _parse(match["node"])))
    resolved = {node.artifact: node for _, node in nodes if not node.omitted}
    conflicts = []
    parents: list[str] = []
    for depth, node in nodes:
        del parents[depth:]
        via = parents[-1] if parents else "the project"
        parents.append(node.artifact)
        winner = resolved.get(node.artifact)
        if node.scope not in BUNDLED or winner is None or winner.scope not in BUNDLED:
            continue
        requested = re.search(r"version managed from ([^;\s)]+)", node.notes)
        conflict = re.search(r"omitted for conflict with ([^;\s)]+)", node.notes)
        if conflict and _matters(node.version, conflict.group(1)):
            conflicts.append(Conflict(node.artifact, node.version, conflict.group(1), via))
        elif requested and _matters(requested.group(1), node.version):
            conflicts.append(Conflict(node.artifact, requested.group(1), node.version, via))
    return conflicts
