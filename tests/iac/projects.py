"""Generated projects with infrastructure code, and what their IaC must hold, from the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, Role, applies
from msf_scaffold.properties import property_groups
from tests.helpers import answers_for, render


@dataclass(frozen=True)
class Case:
    """One connector set on one Flink line, with connector option answers."""

    line: str
    source: str
    sinks: tuple[str, ...]
    options: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        chosen = "-".join(v for values in self.options.values() for v in values.values())
        return f"{self.line}-{self.source}-to-{'+'.join(self.sinks)}" + (f"-{chosen}" if chosen else "")

    def answers(self, iac: str) -> dict[str, Any]:
        extra = {f"{c}_{name}": value for c, values in self.options.items() for name, value in values.items()}
        return answers_for(self.line, self.source, self.sinks, iac=iac, **extra)


#: Connector sets that cover both Flink lines, every connector with IAM statements or a VPC, the
#: Kinesis reader options and a project without any AWS resource.
CASES = [
    Case("2.2", "kinesis", ("kinesis",)),
    Case("2.2", "kinesis", ("kinesis", "kafka"), {"kinesis": {"reader": "EFO"}}),
    Case("1.20", "kinesis", ("print",), {"kinesis": {"reader": "EFO", "efo_lifecycle": "SELF_MANAGED"}}),
    Case("1.20", "kafka", ("kinesis",)),
    Case("1.20", "datagen", ("print",)),
    Case("2.2", "kafka", ("kafka", "print")),
]
CASE_IDS = [case.id for case in CASES]

_RENDERED: dict[tuple[str, str], Path] = {}


def rendered(case: Case, iac: str, factory: pytest.TempPathFactory) -> Path:
    """The project of ``case`` with ``iac`` infrastructure code, rendered once per test session."""
    key = (case.id, iac)
    if key not in _RENDERED:
        _RENDERED[key] = render(factory.mktemp(f"{iac}-{case.id}") / "project", case.answers(iac))
    return _RENDERED[key]


@dataclass(frozen=True)
class Parameter:
    """A runtime property as the infrastructure code must expose it."""

    group: str
    key: str
    name: str
    variable: str
    required: bool
    default: str | None
    creates: str | None


def expected_parameters(catalog: Catalog, case: Case) -> list[Parameter]:
    """One parameter per key of every runtime property group, from the catalog.

    Required keys have no default; optional keys default to the catalog default, or to the local
    value when that comes from a connector option (the project's choice).
    """
    result = []
    for group in property_groups(
        catalog,
        case.source,
        case.sinks,
        aws_region="us-east-1",
        artifact_id="my-flink-app",
        options=case.options,
    ):
        role_name: Role = "source" if group.role == "source" else "sink"
        role = catalog.connectors[group.connector].role(role_name)
        assert role is not None
        extra = catalog.iac.connectors.get(group.connector, {}).get(role_name)
        options = catalog.options_for(group.connector, case.options)
        for p in group.properties:
            raw = next(r for r in role.properties if r.key == p.key)
            chosen = raw.local is not None and any("{" + name + "}" in raw.local for name in options)
            name = "".join(
                part[0].upper() + part[1:]
                for part in re.findall(r"[A-Za-z0-9]+", f"{group.group_id}.{p.key}")
            )
            creates = (
                extra.creates.kind if extra and extra.creates and extra.creates.property == p.key else None
            )
            result.append(
                Parameter(
                    group=group.group_id,
                    key=p.key,
                    name=name,
                    variable=re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower(),
                    required=p.required,
                    default=None if p.required else (p.value if chosen else p.default),
                    creates=creates,
                )
            )
    return result


@dataclass(frozen=True)
class Statement:
    """An execution-role statement a connector needs: actions on the ARN in a property (+ suffix)."""

    sid: str
    actions: tuple[str, ...]
    group: str | None
    key: str | None
    suffix: str


def expected_statements(catalog: Catalog, case: Case) -> list[Statement]:
    """The connector statements of the execution role, from the catalog."""
    rows: list[tuple[str, Role, str, str]] = []
    source = catalog.connectors[case.source].source
    assert source is not None
    rows.append((case.source, "source", source.property_group, "Source"))
    for sink in case.sinks:
        role = catalog.connectors[sink].sink
        assert role is not None
        rows.append((sink, "sink", role.property_group, "Sink"))
    rows.append((case.sinks[0], "sink", "DeadLetterSink", "DeadLetters"))
    result = []
    for connector_id, role_name, group, purpose in rows:
        role = catalog.connectors[connector_id].role(role_name)
        assert role is not None
        options = catalog.options_for(connector_id, case.options)
        for statement in role.iam:
            if applies(statement.when, options):
                specific = statement.resource != "*"
                result.append(
                    Statement(
                        sid=statement.sid + purpose,
                        actions=tuple(statement.actions),
                        group=group if specific else None,
                        key=statement.resource if specific else None,
                        suffix=statement.resource_suffix,
                    )
                )
    return result


def needs_vpc(catalog: Catalog, case: Case) -> bool:
    """Whether a connector of the case runs only inside a VPC."""
    return any(catalog.connectors[c].needs_vpc for c in (case.source, *case.sinks))


def readme_properties(project: Path) -> dict[str, list[str]]:
    """The README's runtime properties table as {group: [keys]} in table order."""
    text = (project / "README.md").read_text(encoding="utf-8")
    table = text.split("## Runtime properties", 1)[1].split("\n\n`DeadLetterSink`", 1)[0]
    result: dict[str, list[str]] = {}
    for group, key in re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", table, flags=re.MULTILINE):
        result.setdefault(group, []).append(key)
    return result
