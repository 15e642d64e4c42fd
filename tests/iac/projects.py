"""Generated projects with infrastructure code, and what their IaC must hold, from the catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from msf_scaffold.catalog import Catalog, Role, applies, iam_resource, load_catalog
from msf_scaffold.properties import property_groups
from tests.helpers import answers_for, render

#: The folder every project is rendered into: it names the artifact, so the application, the
#: `Application` tag and the resources named after it.
ARTIFACT = "orders-app"


@dataclass(frozen=True)
class Case:
    """One connector set on one Flink line, with connector option answers."""

    line: str
    source: str
    sinks: tuple[str, ...]
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The `tags` answer; None keeps its default.
    tags: dict[str, str] | None = None
    #: The `alarm_topic_arn` answer; None keeps its default (no notification).
    alarm_topic: str | None = None

    @property
    def id(self) -> str:
        chosen = "-".join(v for values in self.options.values() for v in values.values())
        tagged = "-tagged" if self.tags is not None else ""
        alarmed = "-alarm-topic" if self.alarm_topic is not None else ""
        return (
            f"{self.line}-{self.source}-to-{'+'.join(self.sinks)}"
            + (f"-{chosen}" if chosen else "")
            + tagged
            + alarmed
        )

    def answers(self, iac: str) -> dict[str, Any]:
        extra: dict[str, Any] = {
            f"{c}_{name}": value for c, values in self.options.items() for name, value in values.items()
        }
        if self.tags is not None:
            extra["tags"] = self.tags
        if self.alarm_topic is not None:
            extra["alarm_topic_arn"] = self.alarm_topic
        return answers_for(self.line, self.source, self.sinks, iac=iac, **extra)

    @property
    def expected_tags(self) -> dict[str, str]:
        """The tags every taggable resource carries: Owner and Application (the owner and
        artifact_id answers), unless a key of the `tags` answer replaces them (IAM compares keys
        without case), then the `tags` answer."""
        given = self.tags or {}
        base = {"Owner": "my-team", "Application": ARTIFACT}
        return {**{k: v for k, v in base.items() if k.lower() not in {g.lower() for g in given}}, **given}


_AWS_SINKS = ("iceberg", "files", "firehose", "dynamodb")

#: Connector sets that cover both Flink lines, every connector with IAM statements or a VPC, the
#: Kinesis reader options, both AWS catalogs of Iceberg (one per line: GLUE has ARN templates,
#: S3_TABLES a suffix), a property map with a key that is only set when given (DynamoDB's
#: id.attribute), a project without any AWS resource, organisation tags, and an alarm topic with
#: stream names of the project's own.
CASES = [
    Case("2.2", "kinesis", ("kinesis",)),
    Case(
        "2.2",
        "kinesis",
        ("kinesis", "kafka"),
        {"kinesis": {"reader": "EFO", "input_stream": "orders.raw", "output_stream": "orders_enriched"}},
        alarm_topic="arn:aws:sns:us-east-1:111122223333:payments-on-call",
    ),
    Case("1.20", "kinesis", ("print",), {"kinesis": {"reader": "EFO", "efo_lifecycle": "SELF_MANAGED"}}),
    Case("1.20", "kafka", ("kinesis",)),
    # Organisation tags: one replaces Owner (in another case), one has a prefix, one non-ASCII text.
    Case(
        "1.20",
        "datagen",
        ("print",),
        tags={"CostCenter": "1234", "owner": "data-platform", "acme:environment": "pré-prod"},
    ),
    Case("2.2", "kafka", ("kafka", "print")),
    Case("2.2", "kinesis", _AWS_SINKS, {"iceberg": {"catalog": "GLUE"}}),
    Case("1.20", "kafka", _AWS_SINKS, {"iceberg": {"catalog": "S3_TABLES"}}),
]
CASE_IDS = [case.id for case in CASES]

_RENDERED: dict[tuple[str, str], Path] = {}


def rendered(case: Case, iac: str, factory: pytest.TempPathFactory) -> Path:
    """The project of ``case`` with ``iac`` infrastructure code, rendered once per test session."""
    key = (case.id, iac)
    if key not in _RENDERED:
        _RENDERED[key] = render(factory.mktemp(f"{iac}-{case.id}") / ARTIFACT, case.answers(iac))
    return _RENDERED[key]


def project_fixture(iac: str) -> Any:
    """A ``project`` fixture: (case, project with ``iac`` infrastructure code) for every case.

    Assign it to a module-level name ``project`` in a test module of the flavour.
    """

    @pytest.fixture(params=CASES, ids=CASE_IDS)
    def project(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> tuple[Case, Path]:
        case: Case = request.param
        return case, rendered(case, iac, tmp_path_factory)

    return project


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
        artifact_id=ARTIFACT,
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
    """An execution-role statement a connector needs: actions on the ARN in a property (``key``,
    + ``suffix``), on the ARN an ARN ``template`` builds from the group's properties, or on ``*``."""

    sid: str
    actions: tuple[str, ...]
    group: str | None
    key: str | None
    suffix: str
    template: str | None = None

    def resource(self, values: dict[tuple[str, str], str], partition: str) -> str:
        """The ARN ``catalog.iam_resource`` expands for ``values`` of (group, key) in ``partition``."""
        assert self.template is not None and self.group is not None
        return iam_resource(
            self.template, {k: v for (g, k), v in values.items() if g == self.group}, partition
        )


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
                template = statement.resource if "{" in statement.resource else None
                result.append(
                    Statement(
                        sid=statement.sid + purpose,
                        actions=tuple(statement.actions),
                        group=group if specific else None,
                        key=statement.resource if specific and template is None else None,
                        suffix=statement.resource_suffix,
                        template=template,
                    )
                )
    return result


#: The AWS partitions a stack can deploy into: ARN templates must name the one deployed into.
PARTITIONS = tuple(load_catalog().iac.partitions)

#: Values an s3:// property of an ARN template is given: with a prefix, the bucket alone, and with
#: the trailing "/" people often write.
S3_URIS = ("s3://analytics-lake/warehouse/prices", "s3://analytics-lake", "s3://analytics-lake/warehouse/")


def sample_values(catalog: Catalog, case: Case, s3_uri: str) -> dict[tuple[str, str], str]:
    """A value for every parameter, as (group, key) -> value, to expand ARN templates with.

    Keys that templates read as ``{key|bucket}`` or ``{key|prefix}`` get ``s3_uri``; the others
    (ARNs that ``{key|retype:...}`` reads included) their local value, their default, or a
    made-up name.
    """
    uri_keys = {
        (s.group, key)
        for s in expected_statements(catalog, case)
        if s.template
        for key in re.findall(r"\{([^{}|]+)\|(?:bucket|prefix)\}", s.template)
    }
    groups = property_groups(
        catalog,
        case.source,
        case.sinks,
        aws_region="us-east-1",
        artifact_id=ARTIFACT,
        options=case.options,
    )
    local = {(group.group_id, p.key): p.value for group in groups for p in group.properties}
    result = {}
    for p in expected_parameters(catalog, case):
        key = (p.group, p.key)
        result[key] = s3_uri if key in uri_keys else (local[key] or p.default or f"sample-{p.variable}")
    return result


def samples(catalog: Catalog, case: Case) -> list[dict[tuple[str, str], str]]:
    """:func:`sample_values` for each of :data:`S3_URIS`."""
    return [sample_values(catalog, case, uri) for uri in S3_URIS]


def taggable(kind: str) -> bool:
    """Whether a CloudFormation resource type has a Tags property (the schemas cfn-lint ships)."""
    return "Tags" in PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", kind).schema.get(
        "properties", {}
    )


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
