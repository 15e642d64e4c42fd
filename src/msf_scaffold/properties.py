"""Runtime property groups of a project, computed from the catalog.

The template computes the same groups in ``copier/computed.yml`` (copier cannot call Python without
``--trust``); the tests compare both, so the local properties file, the Java start-up validation
and the documentation always agree with this definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from msf_scaffold.catalog import API_CONDITION, DATASTREAM, DEAD_LETTER_GROUP, Catalog, ConnectorRole, applies


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
        return PropertyGroupSpec(group_id, connector_id, role_name, tuple(values), role.passes_other_keys)

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
