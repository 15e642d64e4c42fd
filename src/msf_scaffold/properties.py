"""Runtime property groups of a project, computed from the catalog.

The template computes the same groups in ``copier/computed.yml`` (copier cannot call Python without
``--trust``); the tests compare both, so the local properties file, the Java start-up validation
and the documentation always agree with this definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from msf_scaffold.catalog import (
    API_CONDITION,
    DATASTREAM,
    DEAD_LETTER_GROUP,
    Catalog,
    ConnectorRole,
    Endpoint,
    applies,
)


@dataclass(frozen=True)
class PropertyValue:
    """One key of a group in a concrete project."""

    key: str
    required: bool
    description: str
    value: str | None
    default: str | None
    pattern: str | None
    allowed: tuple[str, ...] | None
    #: A secret's environment variable for local runs; a secret is never a runtime property.
    env: str | None = None


@dataclass(frozen=True)
class PropertyGroupSpec:
    """One runtime property group of a concrete project."""

    group_id: str
    connector: str
    role: str
    properties: tuple[PropertyValue, ...]
    #: What the group's other keys reach when its connector passes them on (the role's
    #: ``passes_other_keys``); None: the job's start-up check refuses keys it does not list.
    passes_other_keys: str | None = None
    #: The keys that name a network endpoint, which a local run checks before it starts (the role's
    #: ``endpoints``; a key the role lists as a property only when that property applies).
    endpoints: tuple[Endpoint, ...] = ()

    def local_map(self) -> dict[str, str]:
        """The keys and values the local properties file holds for this group."""
        return {p.key: p.value for p in self.properties if p.value is not None}


def property_groups(
    catalog: Catalog,
    source: str,
    sinks: Sequence[str],
    *,
    aws_region: str,
    artifact_id: str,
    options: Mapping[str, dict[str, str]] | None = None,
    api: str = DATASTREAM,
) -> list[PropertyGroupSpec]:
    """The source's group, each sink's group and the dead-letter group (the first sink's kind).

    ``options`` holds the connector option answers by connector id; missing ones take their
    defaults. A property applies when its ``when`` matches its connector's options and ``api``, and its
    values may use ``{aws_region}``, ``{partition}`` (the AWS partition of ``aws_region``, from
    :meth:`IacCatalog.partition_of`), ``{artifact_id}`` and ``{<option name>}`` placeholders.
    """
    partition = catalog.iac.partition_of(aws_region)

    def group(
        connector_id: str, role_name: str, role: ConnectorRole, group_id: str, dead_letter: bool
    ) -> PropertyGroupSpec:
        chosen = catalog.options_for(connector_id, dict(options or {}))
        placeholders = {
            **chosen,
            "aws_region": aws_region,
            "partition": partition,
            "artifact_id": artifact_id,
        }

        def fill(text: str | None) -> str | None:
            if text is None:
                return None
            for name, value in placeholders.items():
                text = text.replace("{" + name + "}", value)
            return text

        values = []
        for p in role.properties:
            if not applies(p.when, {**chosen, API_CONDITION: api}):
                continue
            local = p.dead_letter_local if dead_letter and p.dead_letter_local is not None else p.local
            default = (
                p.dead_letter_default if dead_letter and p.dead_letter_default is not None else p.default
            )
            values.append(
                PropertyValue(
                    key=p.key,
                    required=p.required,
                    description=p.description,
                    value=fill(local),
                    default=fill(default),
                    pattern=p.pattern,
                    allowed=tuple(p.allowed) if p.allowed is not None else None,
                    env=p.env,
                )
            )
        applied = {v.key for v in values}
        listed = {p.key for p in role.properties}
        endpoints = tuple(e for e in role.endpoints if e.key in applied or e.key not in listed)
        return PropertyGroupSpec(
            group_id, connector_id, role_name, tuple(values), role.passes_other_keys, endpoints
        )

    source_role = catalog.connectors[source].source
    if source_role is None:
        raise ValueError(f"{source} is not a source")
    groups = [group(source, "source", source_role, source_role.property_group, False)]
    for sink in sinks:
        sink_role = catalog.connectors[sink].sink
        if sink_role is None:
            raise ValueError(f"{sink} is not a sink")
        groups.append(group(sink, "sink", sink_role, sink_role.property_group, False))
    first = catalog.connectors[sinks[0]].sink
    assert first is not None
    groups.append(group(sinks[0], "dead-letter", first, DEAD_LETTER_GROUP, True))
    return groups


#: The largest edit distance at which an unknown key or group counts as a misspelling of a known one:
#: two edits (an adjacent swap is one), and fewer than a third of the known name's length, so that a
#: short key such as ``topic`` is only matched by one edit. The generated start-up check
#: (RuntimePropertySpec.MAX_DISTANCE and ``closest``) applies the same rule.
MAX_DISTANCE = 2


def closest_name(name: str, known: Sequence[str]) -> str | None:
    """The name of ``known`` closest to ``name`` when it is a likely misspelling of it, else None.

    The rule of :data:`MAX_DISTANCE`; the first one listed wins a tie, as in the generated job.
    """
    best, best_distance = None, MAX_DISTANCE + 1
    for candidate in known:
        distance = _distance(name, candidate)
        if distance <= MAX_DISTANCE and distance * 3 < len(candidate) and distance < best_distance:
            best, best_distance = candidate, distance
    return best


def _distance(a: str, b: str) -> int:
    """The optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]
