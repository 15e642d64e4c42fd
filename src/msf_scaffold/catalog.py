"""The version catalog: a typed, validated model of ``src/msf_scaffold/catalog/*.yml``.

copier reads the same files through ``!include`` (each holds one hidden computed question whose
``default`` is the data), so the template and this module can never disagree. This module adds what
copier cannot do: it checks the catalog's rules and answers questions about it (which connectors a
Flink line offers, which Maven coordinates a project uses).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from msf_scaffold.errors import CatalogError
from msf_scaffold.yaml_files import YAMLError, load_yaml

Role = Literal["source", "sink"]
# `managed`: a version pin in dependencyManagement only, for an artifact that other dependencies
# bring in, where Maven's nearest-wins mediation would otherwise pick an older version.
Scope = Literal["provided", "compile", "runtime", "test", "managed"]

_CATALOG_FILES = {
    "flink.yml": "catalog_flink",
    "apis.yml": "catalog_apis",
    "build.yml": "catalog_build",
    "connectors.yml": "catalog_connectors",
    "iac.yml": "catalog_iac",
    "services.yml": "catalog_services",
    "java.yml": "catalog_java",
}
_JAVA_IDENTIFIER = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_PROPERTY_GROUP_ID = re.compile(r"^[a-zA-Z0-9_.-]{1,50}$")
_CONNECTOR_SUFFIX = re.compile(r"-(\d+\.\d+)$")
#: The ARN template placeholder of the AWS partition the stack deploys into (aws, aws-cn,
#: aws-us-gov): the infrastructure code takes it from the deployment, not from a property. In a
#: property's local value it is the partition of the aws_region answer (IacCatalog.partition_of).
PARTITION_PLACEHOLDER = "partition"
_RESOURCE_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)(?:\|(bucket|prefix|retype:[a-z-]+:[a-z-]+))?\}")
_COORDINATE = re.compile(r"[^:\s]+:[^:\s]+")
_MSF_RUNTIME = re.compile(r"^FLINK-\d+_\d+$")
_JAR_PATH = re.compile(r"[A-Za-z0-9_$.-]+(/[A-Za-z0-9_$.*-]+)*")
#: The runtime property group of the dead-letter output; no connector may use it.
DEAD_LETTER_GROUP = "DeadLetterSink"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlinkLine(_Model):
    """One offered Flink line, such as 2.2."""

    label: str
    msf_runtime: str = Field(pattern=_MSF_RUNTIME.pattern)
    java_release: int
    notes: str


class FlinkCatalog(_Model):
    """``flink.yml``: the offered lines, the default one and why, and the MSF runtimes left out."""

    default_line: str
    default_line_why: str = Field(min_length=1)
    lines: dict[str, FlinkLine]
    #: MSF runtime identifier (``FLINK-1_19``) -> why no line is offered for it.
    not_offered: dict[str, str]

    @model_validator(mode="after")
    def _default_is_offered(self) -> FlinkCatalog:
        if self.default_line not in self.lines:
            raise ValueError(f"default_line {self.default_line!r} is not one of {list(self.lines)}")
        for line_id, line in self.lines.items():
            if line.msf_runtime != "FLINK-" + line_id.replace(".", "_"):
                raise ValueError(f"line {line_id} has msf_runtime {line.msf_runtime}")
        for runtime, why in self.not_offered.items():
            if not _MSF_RUNTIME.fullmatch(runtime):
                raise ValueError(f"not_offered: {runtime!r} is not an MSF runtime identifier like FLINK-1_19")
            if runtime in self.runtimes():
                raise ValueError(f"not_offered: {runtime} is the runtime of an offered line")
            if not why.strip():
                raise ValueError(f"not_offered: {runtime} needs the reason it is not offered")
        return self

    def runtimes(self) -> dict[str, str]:
        """MSF runtime identifier -> the offered line that runs on it."""
        return {line.msf_runtime: line_id for line_id, line in self.lines.items()}


class VersionPin(_Model):
    """A version that becomes one ``<properties>`` entry of the generated pom.

    ``tracks`` names the Maven artifact (``group:artifact``) whose releases the pin follows: the
    freshness report and Renovate read its versions. ``why`` says in one line why this version
    (the upstream release, the Java level, the CVE it avoids). A ``per_line`` pin names every
    line: a line without a version is in ``missing`` with the reason, so a new line forces a
    decision on every per-line pin and the reason reaches the questionnaire and the docs.
    """

    property: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*\.version$")
    tracks: str = Field(pattern=r"^[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+$")
    why: str = Field(min_length=1)
    per_line: dict[str, str] | None = None
    all: str | None = None
    missing: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_kind(self) -> VersionPin:
        if (self.per_line is None) == (self.all is None):
            raise ValueError(f"{self.property}: give exactly one of per_line and all")
        if self.all is not None and self.missing:
            raise ValueError(f"{self.property}: `missing` belongs to per_line pins only")
        both = set(self.missing) & set(self.per_line or {})
        if both:
            raise ValueError(f"{self.property}: line {sorted(both)[0]} is both pinned and missing")
        return self

    def value_for(self, line: str) -> str | None:
        """The pinned version on ``line``, or None when the line has no pin."""
        if self.all is not None:
            return self.all
        assert self.per_line is not None
        return self.per_line.get(line)


#: ``when`` of a catalog item: option name -> the option values for which the item applies. An
#: item without ``when`` always applies; the options are those of the item's own connector, plus
#: ``api`` (the chosen Flink API, an id of apis.yml), which no connector option may be named.
When = dict[str, list[str]]
#: The condition name reserved for the chosen API.
API_CONDITION = "api"
#: The API whose projects use the connectors' Java factories (every role has one).
DATASTREAM = "datastream"
#: The API whose projects define every source and sink from the role's ``table`` section.
TABLE = "table"
_ROLES: tuple[Role, ...] = ("source", "sink")


class OptionChoice(_Model):
    """One value of a connector option with a fixed set of values."""

    label: str


class ConnectorOption(_Model):
    """A question a connector adds when it is selected, such as the Kafka authentication.

    The copier question is named ``<connector>_<option>`` (copier/questions.yml) and its answer
    reaches the templates as ``connector_options[connector][option]``. An option has either
    ``choices`` or a ``pattern`` that a free-text answer must match.
    """

    help: str
    roles: list[Role] = Field(min_length=1)
    default: str
    choices: dict[str, OptionChoice] | None = None
    pattern: str | None = None
    rule: str | None = None
    example: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ConnectorOption:
        if (self.choices is None) == (self.pattern is None):
            raise ValueError("an option needs exactly one of choices and pattern")
        if self.choices is not None and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} is not one of {list(self.choices)}")
        if self.pattern is not None:
            if self.example is None or self.rule is None:
                raise ValueError("a free-text option needs a rule and an example")
            if not re.search(self.pattern, self.example):
                raise ValueError(f"example {self.example!r} does not match the pattern")
        return self


class ServiceUse(_Model):
    """A local service that a connector role needs only for some option values."""

    service: str
    when: When | None = None


class ConditionalFile(_Model):
    """A template file of a connector role that only some option values need."""

    path: str
    when: When


class Dependency(_Model):
    """A Maven dependency; ``version`` names a pin, or is absent when a BOM manages it.

    Scope ``managed`` declares no dependency: it pins, in dependencyManagement, the version of an
    artifact that other dependencies bring in (it needs a ``version`` and takes no exclusions).

    ``lines`` limits it to some Flink lines (for artifacts whose name carries the Flink version,
    such as ``iceberg-flink-runtime-1.20``); ``exclusions`` are ``group:artifact`` patterns (``*``
    allowed) kept off the classpath, such as a library's own logging binding; ``jar_excludes`` are
    paths inside the dependency's jar (``org/example/**``) that the shaded
    application JAR leaves out, for classes a connector bundles that the Flink runtime provides;
    ``contains`` names artifacts (``group:artifact``) whose classes the dependency's jar already
    holds unrelocated, so that the shaded JAR leaves out the separate artifact that other
    dependencies bring (one copy of each class).
    """

    group: str
    artifact: str
    version: str | None = None
    scope: Scope
    why: str
    when: When | None = None
    lines: list[str] | None = None
    exclusions: list[str] = Field(default_factory=list)
    jar_excludes: list[str] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exclusions(self) -> Dependency:
        for exclusion in self.exclusions:
            if not _COORDINATE.fullmatch(exclusion):
                raise ValueError(f"exclusion {exclusion!r} of {self.key} must be group:artifact")
        for artifact in self.contains:
            if not _COORDINATE.fullmatch(artifact) or "*" in artifact:
                raise ValueError(f"contains entry {artifact!r} of {self.key} must be group:artifact")
        if self.contains and self.scope != "compile":
            raise ValueError(f"contains of {self.key} only applies to compile-scope (bundled) dependencies")
        for path in self.jar_excludes:
            if not _JAR_PATH.fullmatch(path):
                raise ValueError(
                    f"jar_excludes entry {path!r} of {self.key} must be a path such as org/example/**"
                )
        if self.jar_excludes and self.scope != "compile":
            raise ValueError(
                f"jar_excludes of {self.key} only applies to compile-scope (bundled) dependencies"
            )
        if self.scope == "managed" and (self.version is None or self.exclusions):
            raise ValueError(
                f"{self.key} has scope managed: it pins a version, so give it a `version` and no `exclusions`"
            )
        return self

    @property
    def declared(self) -> bool:
        """Whether the project declares it in <dependencies> (a ``managed`` pin is not)."""
        return self.scope != "managed"

    @property
    def key(self) -> str:
        """``group:artifact``."""
        return f"{self.group}:{self.artifact}"


class Api(_Model):
    """A Flink API a job can be written in.

    ``files`` are template files that only this API's projects contain; ``dependencies`` are added
    to every project written in it. A connector role is offered for an API other than
    ``datastream`` only through its ``table`` section (see :class:`TableSection`).
    """

    label: str
    summary: str
    files: list[str] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)


class ApiCatalog(_Model):
    """``apis.yml``: the offered APIs and the default one."""

    default_api: str
    apis: dict[str, Api]

    @model_validator(mode="after")
    def _default_is_offered(self) -> ApiCatalog:
        if self.default_api not in self.apis:
            raise ValueError(f"default_api {self.default_api!r} is not one of {list(self.apis)}")
        return self


class Bom(_Model):
    """A BOM imported into the generated pom's dependencyManagement.

    It manages the artifacts of its group (and the groups below it) in its own version, as the
    Jackson, JUnit and AWS SDK BOMs do: a dependency without a version gets the BOM's.
    """

    group: str
    artifact: str
    version: str


class Banned(_Model):
    """An artifact the generated build's enforcer rules forbid."""

    coordinate: str = Field(pattern=r"^[^:\s]+:[^:\s]+$")
    why: str
    transitive: bool = True


class ShadeResources(_Model):
    """``build.yml`` ``shade``: what the shade plugin does with resources of the bundled jars.

    ``excludes`` are left out of every bundled jar; ``appended`` are files that several bundled
    jars carry, appended into one.
    """

    @model_validator(mode="after")
    def _no_classes(self) -> ShadeResources:
        for path in self.excludes + self.appended:
            if path.endswith(".class") and "module-info" not in path:
                raise ValueError(f"shade entry {path!r} names classes; only resources belong here")
        return self

    excludes: list[str]
    appended: list[str]


class BuildCatalog(_Model):
    """``build.yml``: what every generated project uses."""

    @model_validator(mode="after")
    def _pinned_actions(self) -> BuildCatalog:
        for name, action in self.github_actions.items():
            if not re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", action):
                raise ValueError(f"github_actions.{name} = {action!r} must be owner/name@vN")
        return self

    versions: dict[str, VersionPin]
    github_actions: dict[str, str]
    boms: list[Bom]
    dependencies: list[Dependency]
    shade: ShadeResources
    banned: list[Banned]


class JavaCatalog(_Model):
    """``java.yml``: the names the Java platform reserves, which no package part may be.

    The rule lives in one place, the validators of ``group_id`` and ``package`` in
    copier/questions.yml, which read this list; Python only validates the list's shape.
    """

    prohibited_package_roots: list[str] = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    literals: list[str] = Field(min_length=1)
    windows_reserved_names: list[str]
    max_package_part_length: int = Field(gt=0)


class RuntimeProperty(_Model):
    """One key of a runtime property group."""

    key: str
    required: bool
    description: str
    default: str | None = None
    local: str | None = None
    dead_letter_default: str | None = None
    dead_letter_local: str | None = None
    pattern: str | None = None
    allowed: list[str] | None = None
    when: When | None = None
    #: A secret: the environment variable local runs read it from. It is never a runtime property.
    env: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$")

    @model_validator(mode="after")
    def _consistent(self) -> RuntimeProperty:
        values = {self.default, self.local, self.dead_letter_default, self.dead_letter_local}
        if self.env is not None and (self.required or values != {None}):
            raise ValueError(
                f"secret property {self.key} (env {self.env}) is never a runtime property: "
                "it cannot be required nor have a default or local value"
            )
        if self.required and self.local is None:
            raise ValueError(f"required property {self.key} needs a local value")
        if self.required and self.default is not None:
            raise ValueError(f"required property {self.key} cannot have a default")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern of {self.key} is not a regular expression: {error}") from None
        return self

    @model_validator(mode="after")
    def _example_arns(self) -> RuntimeProperty:
        prefix = f"arn:{{{PARTITION_PLACEHOLDER}}}:"
        for value in (self.local, self.dead_letter_local, self.default, self.dead_letter_default):
            if value is not None and value.startswith("arn:") and not value.startswith(prefix):
                raise ValueError(
                    f"{self.key}: write the ARN {value!r} as '{prefix}...' so that it is in the "
                    "partition of the aws_region answer (aws, aws-cn, aws-us-gov)"
                )
        return self


class IamStatement(_Model):
    """IAM actions a connector role needs, on the ARN held by a runtime property (or ``*``).

    ``resource_suffix`` is appended to that ARN (``/consumer/*`` for Kinesis EFO consumers).
    ``resource`` may instead be an ARN template whose ``{key}`` placeholders are replaced by
    the values of the group's properties; ``{key|bucket}`` and ``{key|prefix}`` take the bucket
    and the key prefix (with a trailing ``/``, or empty) of an ``s3://bucket/prefix`` value, and
    ``{key|retype:OLD:NEW}`` takes an ARN whose resource type is ``OLD`` with type ``NEW`` instead:
    Amazon MSK names a topic of ``arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`` as
    ``{cluster.arn|retype:cluster:topic}/<topic>`` (see :func:`iam_resource`). A template starts
    with ``arn:{partition}:``: the partition of the account the stack deploys into, so that the
    ARN is right in the China and GovCloud partitions too.
    """

    sid: str = Field(pattern=r"^[A-Za-z0-9]+$")
    actions: list[str]
    resource: str
    resource_suffix: str = ""
    when: When | None = None

    @model_validator(mode="after")
    def _resource(self) -> IamStatement:
        if self.resource == "*" and self.resource_suffix:
            raise ValueError(f"{self.sid}: resource_suffix needs an ARN property, not '*'")
        if "{" in self.resource and self.resource_suffix:
            raise ValueError(f"{self.sid}: write the suffix into the ARN template instead of resource_suffix")
        if "{" in self.resource and _RESOURCE_PLACEHOLDER.sub("", self.resource).count("{"):
            raise ValueError(
                f"{self.sid}: {self.resource!r} has a placeholder that is not {{key}}, {{key|bucket}}, "
                "{key|prefix} or {key|retype:OLD:NEW}"
            )
        prefix = f"arn:{{{PARTITION_PLACEHOLDER}}}:"
        if "{" in self.resource and self.resource.startswith("arn:") and not self.resource.startswith(prefix):
            raise ValueError(
                f"{self.sid}: write the ARN template {self.resource!r} as '{prefix}...' so that it "
                "names the partition the stack deploys into (aws, aws-cn, aws-us-gov)"
            )
        return self

    @model_validator(mode="after")
    def _service_prefixes(self) -> IamStatement:
        for action in self.actions:
            if not re.fullmatch(r"[a-z0-9-]+:[A-Za-z*]+", action):
                raise ValueError(f"{action!r} is not an IAM action")
            if action.startswith("kinesisanalyticsv2:"):
                raise ValueError(
                    f"{action}: the IAM prefix of MSF is kinesisanalytics:, not kinesisanalyticsv2:"
                )
        return self

    def resource_keys(self) -> list[str]:
        """The property keys the resource names: one, none for ``*``, or a template's keys."""
        if self.resource == "*":
            return []
        if "{" not in self.resource:
            return [self.resource]
        return [
            match.group(1)
            for match in _RESOURCE_PLACEHOLDER.finditer(self.resource)
            if match.group(0) != f"{{{PARTITION_PLACEHOLDER}}}"
        ]


TableFormat = Literal["raw", "json", "parquet"]


class TableFormatChoice(_Model):
    """A format that follows one of the connector's options: ``map`` gives the format per value."""

    option: str
    map: dict[str, TableFormat] = Field(min_length=1)


class TableProperty(_Model):
    """A ``WITH`` option whose value is a key of the role's runtime property group.

    ``map`` translates the property's values into the SQL connector's (for example Kafka's
    ``starting.offsets`` = ``committed`` into ``scan.startup.mode`` = ``group-offsets``). ``arn``
    takes a part of an ARN value instead: ``name`` (the resource name after the first ``/``) or
    ``region``, so that a connector wanting a name reads the ARN that IAM needs.
    """

    property: str
    map: dict[str, str] | None = None
    arn: Literal["name", "region"] | None = None

    @model_validator(mode="after")
    def _one_translation(self) -> TableProperty:
        if self.map is not None and self.arn is not None:
            raise ValueError(f"table option reading {self.property!r}: use map or arn, not both")
        return self


class TableColumn(_Model):
    """A column the job adds to the rows it writes, computed in SQL from the rows' columns.

    ``sql`` may name keys of the property group as ``{key}``: each becomes the key's value as a SQL
    string literal. The column is added only to rows that have every column in ``reads`` (the
    prices have no ``raw``, the dead letters no ``event_time``), and, with ``name_property``, only
    when that key is set: its value is then the column's name.
    """

    name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    name_property: str | None = None
    sql: str = Field(min_length=1)
    reads: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_name(self) -> TableColumn:
        if (self.name is None) == (self.name_property is None):
            raise ValueError("a table column needs exactly one of name and name_property")
        return self

    def placeholders(self) -> list[str]:
        """The property keys ``sql`` names."""
        return re.findall(r"\{([^{}]+)\}", self.sql)


class TablePartitioning(_Model):
    """Partition columns read from a key of the property group.

    The key's value holds comma-separated column names, or with ``map`` names the columns for each
    value ("" for none).
    """

    property: str
    map: dict[str, str] | None = None


class TableJaas(_Model):
    """A SQL option set to the SASL/SCRAM JAAS login that ``config/Credentials`` builds."""

    option: str
    when: When


class TableCatalog(_Model):
    """A sink table that lives in a catalog (Iceberg).

    The job runs ``CREATE CATALOG`` with the section's ``options``, then ``CREATE DATABASE IF NOT
    EXISTS`` and ``CREATE TABLE IF NOT EXISTS``, and inserts into the table. ``database`` and
    ``table`` are keys of the group; ``config`` is table configuration the job sets first (the
    catalog's sink implementation).
    """

    type: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    database: str
    table: str
    config: dict[str, str] = Field(default_factory=dict)


class TableSection(_Model):
    """How a connector role appears in a Table API / SQL job.

    Exactly one kind: ``connector`` (a SQL connector registered from the role's property group at
    start-up), ``catalog`` (a sink table created in a catalog, see :class:`TableCatalog`),
    ``bridge`` (a source only: the role's DataStream source becomes a table through
    ``fromDataStream``) or ``unsupported`` (the reason the role is not offered for the Table API).
    ``options`` maps each SQL option name (the catalog's, for ``catalog``) to a literal or to a key
    of the property group; an option whose key the group lacks for the chosen connector options is
    left out. ``pass_through`` is the prefix under which the group's other keys become options
    (``properties.`` for Kafka client settings, ``""`` when the connector, or the catalog, takes
    the keys as they are). Sinks may add ``columns`` computed in SQL and be ``partition_by``
    columns (a literal, comma-separated, or :class:`TablePartitioning`); a partition column the
    rows lack is skipped. ``withheld`` keys are never passed through (values the job itself uses,
    such as ARNs for IAM or credentials); ``jaas`` names the option that receives the SASL/SCRAM
    login built by ``config/Credentials`` (from the Secrets Manager secret, or the local user) when
    its ``when`` matches the options; ``files`` lists the role's files that the table needs (that
    helper).
    """

    connector: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]*$")
    catalog: TableCatalog | None = None
    format: TableFormat | TableFormatChoice | None = None
    options: dict[str, str | TableProperty] = Field(default_factory=dict)
    pass_through: str | None = None
    withheld: list[str] = Field(default_factory=list)
    jaas: TableJaas | None = None
    #: Files of the role that a Table API job needs although it does not use the role's factory.
    files: list[str | ConditionalFile] = Field(default_factory=list)
    columns: list[TableColumn] = Field(default_factory=list)
    partition_by: str | TablePartitioning | None = None
    #: The key whose local value is a ``file://`` location: the generated MiniCluster test then
    #: runs the whole job into a temporary directory and reads the rows back through the table.
    local_location: str | None = None
    bridge: bool = False
    unsupported: str | None = None
    #: Markdown for the generated README of Table API projects, after the table of options: what
    #: to watch for with the SQL connector. Optional; the role's ``readme`` is about its factory.
    readme: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> TableSection:
        kinds = [
            self.connector is not None,
            self.catalog is not None,
            self.bridge,
            self.unsupported is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "a table section needs exactly one of connector, catalog, bridge and unsupported"
            )
        defines = self.connector is not None or self.catalog is not None
        if not defines and (
            self.format
            or self.options
            or self.pass_through is not None
            or self.columns
            or self.partition_by
            or self.local_location
            or self.withheld
            or self.jaas
        ):
            raise ValueError(
                "format, options, pass_through, withheld, jaas, columns, partition_by and local_location "
                "belong to a table section with a connector or a catalog"
            )
        if self.catalog is not None and self.format is not None:
            raise ValueError("a catalog table has no format: the catalog decides")
        for name in self.options:
            if name in ("connector", "format", "type"):
                field = "catalog type" if name == "type" else name
                raise ValueError(f"option {name!r} is set by the table section's own {field} field")
        return self

    def referenced(self) -> list[str]:
        """The property keys the options read."""
        return [o.property for o in self.options.values() if isinstance(o, TableProperty)]

    def used_keys(self) -> list[str]:
        """Every property key the section reads, so that pass-through leaves it out."""
        keys = self.referenced()
        if self.catalog is not None:
            keys += [self.catalog.database, self.catalog.table]
        for column in self.columns:
            keys += column.placeholders() + ([column.name_property] if column.name_property else [])
        if isinstance(self.partition_by, TablePartitioning):
            keys.append(self.partition_by.property)
        return list(dict.fromkeys(keys))

    def formats(self) -> list[TableFormat]:
        """Every format the section can use, whatever the connector's options."""
        if self.format is None:
            return []
        if isinstance(self.format, TableFormatChoice):
            return list(dict.fromkeys(self.format.map.values()))
        return [self.format]

    def resolved(self, options: dict[str, str], allowed: dict[str, list[str] | None]) -> TableSection:
        """The section of one project.

        The format follows the connector's ``options``; only the ``WITH`` options whose key is in
        the group stay (``allowed``: each key's allowed values, None for any), their ``map``
        narrowed to the values the key allows.
        """
        fmt = self.format
        if isinstance(fmt, TableFormatChoice):
            fmt = fmt.map[options[fmt.option]]
        kept: dict[str, str | TableProperty] = {}
        for name, option in self.options.items():
            if isinstance(option, str):
                kept[name] = option
            elif option.property in allowed:
                values = allowed[option.property]
                narrowed = option
                if option.map is not None and values is not None:
                    narrowed = option.model_copy(
                        update={"map": {k: v for k, v in option.map.items() if k in values}}
                    )
                kept[name] = narrowed
        return self.model_copy(update={"format": fmt, "options": kept})


class ConnectorKeys(_Model):
    """The keys under ``prefix`` that a role's connector reads itself, besides the role's properties.

    The connector ignores any other key under ``prefix``, so ``msf-scaffold doctor`` reports such a
    key in the role's group (``source.efo.consumer.lifecycle`` for ``source.efo.lifecycle``).
    """

    prefix: str = Field(min_length=1)
    keys: list[str] = Field(min_length=1)


class Endpoint(_Model):
    """A runtime property that names a network endpoint: a local run checks that it answers first.

    ``form`` says how the value reads: ``servers``, a comma-separated ``host:port`` list (Kafka's
    ``bootstrap.servers``); ``url``, an endpoint override (``aws.endpoint``), whose port is the
    URL's or its scheme's (80, 443); ``host``, a host name whose port is the value (or default) of
    the key ``port`` names.
    """

    key: str = Field(min_length=1)
    form: Literal["servers", "url", "host"]
    port: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _port(self) -> Endpoint:
        if (self.form == "host") != (self.port is not None):
            raise ValueError(f"endpoint {self.key}: `port` names the port's key exactly when form is host")
        return self


class ConnectorRole(_Model):
    """A connector in one role: the factory, its files, its properties and its permissions."""

    label: str
    #: Markdown for the generated README's "Connectors" section: what the role does, how to set it
    #: up and what to watch for on MSF. Plain Markdown (copier cannot render Jinja held in data).
    readme: str = Field(min_length=1)
    factory: str
    files: list[str | ConditionalFile] = Field(min_length=1)
    property_group: str
    properties: list[RuntimeProperty]
    iam: list[IamStatement]
    self_contained: bool = False
    #: A sink whose builder adds operators of its own (Iceberg's committer) cannot be returned as
    #: a ``Sink``; its factory has ``DataStreamSink<?> append(DataStream<T>, PropertyGroup,
    #: Class<T>)`` instead of ``create`` and the job passes it the stream.
    attaches_to_stream: bool = False
    #: The role in a Table API / SQL job; required (a rule of :class:`Catalog`), None only so that
    #: the rule can name the fix.
    table: TableSection | None = None
    #: The services.yml entries a local run needs (docker-compose.yml, the e2e tier): an id, or
    #: ``{service: id, when: {...}}`` for a service that only some option values need.
    local_services: list[str | ServiceUse] = Field(default_factory=list)
    #: What the group's other keys (the ones ``properties`` does not list) reach, such as "the
    #: Kafka client": set when the factory passes them on, so that the generated start-up check
    #: accepts them (it reports only near-misses of the group's own keys). Unset: the start-up check
    #: reports every other key of the group. A table with ``pass_through`` needs it.
    passes_other_keys: str | None = Field(default=None, min_length=1)
    #: With ``passes_other_keys``: every key the connector itself reads under a prefix (Kinesis:
    #: ``source.``), so that a key under it that the connector does not know can be reported.
    connector_keys: ConnectorKeys | None = None
    #: The keys that name a network endpoint (a broker, a database, an AWS endpoint override): a
    #: local run checks that each one set accepts a TCP connection before it builds the job.
    endpoints: list[Endpoint] = Field(default_factory=list)

    def services_for(self, options: dict[str, str]) -> list[str]:
        """Ids of the local services the role needs under these option answers."""
        uses = (ServiceUse(service=use) if isinstance(use, str) else use for use in self.local_services)
        return [use.service for use in uses if applies(use.when, options)]

    def service_ids(self) -> list[str]:
        """Ids of every local service the role may need, whatever the options."""
        return [use if isinstance(use, str) else use.service for use in self.local_services]

    @model_validator(mode="after")
    def _names(self) -> ConnectorRole:
        if not _JAVA_IDENTIFIER.match(self.factory):
            raise ValueError(f"factory {self.factory!r} is not a Java class name")
        if not _PROPERTY_GROUP_ID.match(self.property_group):
            raise ValueError(f"property_group {self.property_group!r} breaks MSF's PropertyGroupId rule")
        if not any(self.factory in pattern for pattern in self.file_patterns()):
            raise ValueError(f"files of {self.factory} do not include the factory itself")
        for i, first in enumerate(self.properties):
            for second in self.properties[i + 1 :]:
                if first.key == second.key and not _disjoint(first.when, second.when):
                    raise ValueError(
                        f"{self.property_group} lists key {first.key} twice for the same options;"
                        " give the entries `when` conditions that exclude each other"
                    )
        keys = {p.key for p in self.properties}
        for statement in self.iam:
            unknown = [key for key in statement.resource_keys() if key not in keys]
            if unknown:
                raise ValueError(f"IAM statement {statement.sid} names unknown properties {unknown}")
        if self.table is not None:
            self._check_table(self.table)
        return self

    @model_validator(mode="after")
    def _endpoint_keys(self) -> ConnectorRole:
        keys = {p.key for p in self.properties}
        for endpoint in self.endpoints:
            if endpoint.key not in keys and self.passes_other_keys is None:
                raise ValueError(
                    f"endpoint {endpoint.key} is not a key of {self.property_group}: add it to the "
                    "role's properties or set its `passes_other_keys`"
                )
            if endpoint.port is not None and endpoint.port not in keys:
                raise ValueError(
                    f"endpoint {endpoint.key}: port key {endpoint.port} is not a key of the group"
                )
        return self

    @model_validator(mode="after")
    def _connector_keys(self) -> ConnectorRole:
        own = self.connector_keys
        if own is None:
            return self
        if self.passes_other_keys is None:
            raise ValueError(
                "`connector_keys` lists keys passed on to the connector: set `passes_other_keys`"
            )
        outside = [key for key in own.keys if not key.startswith(own.prefix)]
        if outside:
            raise ValueError(f"connector_keys {outside} do not start with its prefix {own.prefix!r}")
        listed = [key for key in own.keys if key in {p.key for p in self.properties}]
        if listed:
            raise ValueError(f"connector_keys {listed} are properties of {self.property_group} already")
        return self

    def _allowed_values(self) -> dict[str, set[str] | None]:
        """Each key's allowed values (None: any); a key listed once per option value has their union."""
        allowed: dict[str, set[str] | None] = {}
        for p in self.properties:
            if p.key in allowed and allowed[p.key] is None:
                continue
            allowed[p.key] = None if p.allowed is None else (allowed.get(p.key) or set()) | set(p.allowed)
        return allowed

    def _check_table_helpers(self, table: TableSection) -> None:
        """The keys a table withholds from its connector and the role files it keeps."""
        keys = {p.key for p in self.properties}
        unknown = [key for key in table.withheld if key not in keys]
        if unknown:
            raise ValueError(f"table withholds {unknown}, which are not keys of {self.property_group}")
        if table.withheld and table.pass_through is None:
            raise ValueError("table `withheld` keys only matter with `pass_through`")
        defines = table.connector is not None or table.catalog is not None
        if defines and (table.pass_through is None) != (self.passes_other_keys is None):
            raise ValueError(
                "a table with `pass_through` passes the group's other keys on, and one without drops them: "
                "set the role's `passes_other_keys` exactly when its table has `pass_through`"
            )
        for file in table.files:
            if file not in self.files:
                raise ValueError(f"table file {file} must be one of the role's files, with the same `when`")

    def _check_table(self, table: TableSection) -> None:
        self._check_table_helpers(table)
        allowed = self._allowed_values()

        def known(key: str, where: str) -> set[str] | None:
            if key not in allowed:
                raise ValueError(
                    f"{where} reads {key!r}, which is not a key of {self.property_group} "
                    f"({', '.join(allowed)})"
                )
            return allowed[key]

        def covers(mapping: dict[str, str] | None, key: str, where: str, what: str) -> None:
            values = known(key, where)
            if mapping is not None and values is not None and set(mapping) != values:
                raise ValueError(
                    f"{where}: map must {what} exactly the allowed values {sorted(values)} of {key}, "
                    f"not {sorted(mapping)}"
                )

        for name, option in table.options.items():
            if not isinstance(option, str):
                covers(option.map, option.property, f"table option {name!r}", "translate")
        keys = [
            (key, "table catalog")
            for key in ([table.catalog.database, table.catalog.table] if table.catalog else [])
        ]
        keys += [(table.local_location, "table local_location")] if table.local_location else []
        for column in table.columns:
            names = [column.name_property] if column.name_property else []
            keys += [
                (key, f"table column {column.name or column.name_property!r}")
                for key in column.placeholders() + names
            ]
        for key, where in keys:
            known(key, where)
        if isinstance(table.partition_by, TablePartitioning):
            covers(
                table.partition_by.map,
                table.partition_by.property,
                "table partition_by",
                "give the columns of",
            )

    def file_patterns(self) -> list[str]:
        """Every file pattern of the role, conditional or not."""
        return [f if isinstance(f, str) else f.path for f in self.files]


class InitStep(_Model):
    """The one-shot Compose service that creates a local service's resources and seeds it.

    ``create`` runs once per resource (``{name}``); ``seed`` reads the sample records on standard
    input and writes them to the source's resource (``{name}``); a service that no source uses
    (object storage for a sink) has none. Both run with ``sh -ec``.
    """

    image: str
    environment: dict[str, str] = Field(default_factory=dict)
    create: str
    seed: str | None = None

    @model_validator(mode="after")
    def _placeholders(self) -> InitStep:
        for name in ("create", "seed"):
            if getattr(self, name) is not None and "{name}" not in getattr(self, name):
                raise ValueError(f"init.{name} must use the {{name}} placeholder")
        return self


class LocalService(_Model):
    """A service of the generated docker-compose.yml, such as a Kafka broker or a Kinesis emulator."""

    label: str
    docs: str
    resource_property: str
    properties: dict[str, str]
    #: The keys that name the service, as seen from inside the Compose network (the `flink` profile).
    cluster_properties: dict[str, str]
    environment: dict[str, str]
    #: Environment variables holding the service's local passwords: `make local-up` writes each,
    #: random, into the project's git-ignored .env, which Compose reads for the ``${NAME}`` in the
    #: definitions below. Every ``${NAME}`` they use is listed here, and each name listed is used.
    secrets: list[str] = Field(default_factory=list)
    features: str
    #: The Compose service definition; checked against the Compose Specification by the tests.
    service: dict[str, Any]
    init: InitStep

    def resource_name(self, local_values: dict[str, str]) -> str | None:
        """The resource the init step creates for a group with these local values.

        That is the ``resource_property`` value (the service's own, if it sets the key): its bucket
        if it is an ``s3://`` URI, else its last ``/`` segment (a topic, or the stream of an ARN).
        """
        value = self.properties.get(self.resource_property, local_values.get(self.resource_property))
        if value is None:
            return None
        if value.startswith("s3://"):
            return value.removeprefix("s3://").split("/", 1)[0]
        return value.rsplit("/", 1)[-1]

    @model_validator(mode="after")
    def _pinned_and_checked(self) -> LocalService:
        image = self.service.get("image")
        for where, value in (("service.image", image), ("init.image", self.init.image)):
            if not isinstance(value, str) or not re.fullmatch(r"[\w./-]+:[\w][\w.-]*", value):
                raise ValueError(f"{where} {value!r} must name an image with a pinned tag (name:1.2.3)")
            if value.endswith(":latest"):
                raise ValueError(f"{where} {value!r} must pin a version, not latest")
        if "healthcheck" not in self.service:
            raise ValueError(
                "service needs a healthcheck so that the init step and make local-up can wait for it"
            )
        definitions = json.dumps([self.service, self.init.model_dump(), self.environment])
        used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", definitions))
        if used != set(self.secrets):
            raise ValueError(
                f"secrets {sorted(self.secrets)} must list exactly the ${{NAME}} variables the service, "
                f"init and environment use: {sorted(used)}"
            )
        return self


class FlinkCluster(_Model):
    """The `flink` Compose profile: a session cluster of the project's Flink version."""

    image: str = Field(pattern=r"^[\w./-]+:[\w.-]*\{flink\}[\w.-]*\{java\}[\w.-]*$")
    docs: str
    properties: dict[str, str]


class ServiceCatalog(_Model):
    """``services.yml``: local services for development and the sample records they are seeded with."""

    sample_records: list[str] = Field(min_length=1)
    flink_cluster: FlinkCluster
    services: dict[str, LocalService]

    @model_validator(mode="after")
    def _shell_safe(self) -> ServiceCatalog:
        for record in self.sample_records:
            if "'" in record or "$" in record or "\n" in record:
                raise ValueError(
                    f"sample record {record!r} must be one line without ' or $ (it is quoted for sh)"
                )
        for service_id in self.services:
            if not re.fullmatch(r"[a-z][a-z0-9-]*", service_id):
                raise ValueError(f"service id {service_id!r} must be lowercase letters, digits and '-'")
        return self


class Connector(_Model):
    """A connector: its pins, dependencies, options and roles."""

    label: str
    docs: str
    versions: dict[str, VersionPin]
    dependencies: list[Dependency]
    options: dict[str, ConnectorOption] = Field(default_factory=dict)
    source: ConnectorRole | None = None
    sink: ConnectorRole | None = None
    #: The application must run in the VPC of the connector's service (Kafka brokers, databases):
    #: the infrastructure code then asks for subnets and security groups.
    needs_vpc: bool = False

    @model_validator(mode="after")
    def _has_a_role(self) -> Connector:
        if self.source is None and self.sink is None:
            raise ValueError("a connector needs a source or a sink")
        for name, option in self.options.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"option name {name!r} must be lower_snake_case")
            if name == API_CONDITION:
                raise ValueError(f"option name {name!r} is reserved for the chosen API in `when`")
            for role in option.roles:
                if self.role(role) is None:
                    raise ValueError(f"option {name} is for the {role} role, which the connector lacks")
        for where, when in self._conditions():
            self._check_condition(where, when)
        self._check_table_roles()
        return self

    def _check_table_roles(self) -> None:
        if self.sink is not None and self.sink.table is not None:
            table = self.sink.table
            if table.bridge:
                raise ValueError("sink.table: bridge is for sources (a DataStream source read as a table)")
            if isinstance(table.format, TableFormatChoice):
                option = self.options.get(table.format.option)
                if option is None or option.choices is None or set(option.choices) != set(table.format.map):
                    raise ValueError(
                        f"sink.table.format follows option {table.format.option!r}: its map must give a "
                        "format for exactly that option's choices"
                    )
        if self.source is not None and self.source.table is not None:
            table = self.source.table
            if table.catalog is not None or table.columns or table.partition_by is not None:
                raise ValueError("source.table: catalog, columns and partition_by are for sinks")
            if table.connector is not None and table.format != "raw":
                raise ValueError(
                    "source.table: format must be raw, so that the job parses each record in SQL "
                    "and routes malformed ones to the dead-letter table"
                )

    def _check_condition(self, where: str, when: When) -> None:
        for name, values in when.items():
            if name == API_CONDITION:
                continue  # checked against apis.yml by Catalog
            known = self.options.get(name)
            if known is None:
                raise ValueError(f"{where}: when names unknown option {name!r}")
            unknown = [v for v in values if known.choices is not None and v not in known.choices]
            if unknown:
                raise ValueError(f"{where}: when {name} lists unknown values {unknown}")

    def _conditions(self) -> Iterator[tuple[str, When]]:
        items: list[tuple[str, When | None]] = [(d.key, d.when) for d in self.dependencies]
        for role in (self.source, self.sink):
            if role is not None:
                items += [(f"{role.property_group}.{p.key}", p.when) for p in role.properties]
                items += [(s.sid, s.when) for s in role.iam]
                items += [(f.path, f.when) for f in role.files if not isinstance(f, str)]
                items += [
                    (f"{role.property_group}.local_services.{u.service}", u.when)
                    for u in role.local_services
                    if not isinstance(u, str)
                ]
                if role.table is not None and role.table.jaas is not None:
                    items.append((f"{role.property_group}.table.jaas", role.table.jaas.when))
        return ((where, when) for where, when in items if when is not None)

    def default_options(self) -> dict[str, str]:
        """Each option's default answer."""
        return {name: option.default for name, option in self.options.items()}

    def role(self, role: Role) -> ConnectorRole | None:
        """The connector in ``role``, or None."""
        return self.source if role == "source" else self.sink


def _disjoint(first: When | None, second: When | None) -> bool:
    """Whether no answers can satisfy both conditions (they need different values of an option)."""
    if first is None or second is None:
        return False
    return any(name in second and not set(values) & set(second[name]) for name, values in first.items())


def iam_resource(resource: str, values: dict[str, str], partition: str = "aws") -> str:
    """The ARN of an IAM statement's ``resource`` for a property group's ``values``.

    ``resource`` is a property key (its value is the ARN), ``*``, or a template with ``{key}``,
    ``{key|bucket}`` and ``{key|prefix}`` placeholders (the last two for ``s3://bucket/prefix``
    values), ``{key|retype:OLD:NEW}`` (an ARN of resource type ``OLD`` given type ``NEW``) and
    ``{partition}``, the AWS ``partition`` the stack deploys into.

    Raises:
        ValueError: naming the key when a value is missing, is not an ``s3://`` URI, or is not an
            ARN of the resource type the template expects.
    """
    if resource == "*":
        return resource
    if "{" not in resource:
        return _value(values, resource)

    def replace(match: re.Match[str]) -> str:
        key, part = match.group(1), match.group(2)
        if key == PARTITION_PLACEHOLDER and part is None:
            return partition
        value = _value(values, key)
        if part is None:
            return value
        if part.startswith("retype:"):
            _, old, new = part.split(":")
            head, separator, rest = value.partition(f":{old}/")
            if not separator or head.count(":") != 4:
                raise ValueError(f"{key} = {value!r} is not an ARN of resource type {old}")
            return f"{head}:{new}/{rest}"
        uri = re.fullmatch(r"s3a?://([^/]+)/?(.*)", value)
        if uri is None:
            raise ValueError(f"{key} = {value!r} is not an s3://bucket/prefix URI")
        bucket, prefix = uri.group(1), uri.group(2).strip("/")
        return bucket if part == "bucket" else (prefix + "/" if prefix else "")

    return _RESOURCE_PLACEHOLDER.sub(replace, resource)


def _value(values: dict[str, str], key: str) -> str:
    if key not in values:
        raise ValueError(f"the IAM resource needs a value for {key}")
    return values[key]


def applies(when: When | None, options: dict[str, str]) -> bool:
    """Whether an item with ``when`` applies under a connector's option answers."""
    return when is None or all(options.get(name) in values for name, values in when.items())


@dataclass(frozen=True)
class Coordinate:
    """A resolved Maven coordinate on one Flink line."""

    group: str
    artifact: str
    version: str
    scope: Scope | Literal["import"]

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}"


IacFlavour = Literal["cloudformation", "cdk", "terraform", "none"]


class IacChoice(_Model):
    """One choice of the ``iac`` question and the template folders that belong to it."""

    label: str
    files: list[str]


class IacVersions(_Model):
    """Tool and library versions of the generated infrastructure code."""

    aws_cdk_lib: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    aws_cdk_cli: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    constructs: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    typescript: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    ts_node: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    types_node: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    terraform_required_version: str = Field(pattern=r"^(>=|~>|=) ?\d+\.\d+(\.\d+)?$")
    terraform_aws_provider: str = Field(pattern=r"^(>=|~>|=) ?\d+\.\d+(\.\d+)?$")


class IacApplication(_Model):
    """The MSF application configuration every flavour renders."""

    checkpoint_interval_ms: int = Field(ge=1)
    min_pause_between_checkpoints_ms: int = Field(ge=0)
    parallelism: int = Field(ge=1)
    parallelism_per_kpu: int = Field(ge=1)
    autoscaling: bool
    log_level: Literal["INFO", "WARN", "ERROR", "DEBUG"]
    metrics_level: Literal["APPLICATION", "TASK", "OPERATOR", "PARALLELISM"]
    snapshots: bool
    log_retention_days: int = Field(ge=1)


#: MSF's own limits on the application settings (kinesisanalyticsv2 API and the scaling guide):
#: the lowest value and the highest (None: unbounded).
MSF_SETTING_LIMITS: dict[str, tuple[int, int | None]] = {
    "parallelism": (1, None),
    "parallelism_per_kpu": (1, 8),
    "checkpoint_interval_ms": (1, None),
}


class SettingRange(_Model):
    """The whole numbers an application setting's answer may take: ``min`` to ``max`` (None: no maximum)."""

    min: int
    max: int | None = None

    def holds(self, value: int) -> bool:
        """Whether ``value`` is in the range."""
        return value >= self.min and (self.max is None or value <= self.max)

    def text(self) -> str:
        """The range in words, as the questionnaire says it."""
        return f"at least {self.min}" if self.max is None else f"{self.min} to {self.max}"


class IacApplicationLimits(_Model):
    """What the application settings' questions accept; ``IacApplication`` holds their defaults."""

    parallelism: SettingRange
    parallelism_per_kpu: SettingRange
    checkpoint_interval_ms: SettingRange
    log_level: list[Literal["INFO", "WARN", "ERROR", "DEBUG"]] = Field(min_length=1)
    metrics_level: list[Literal["APPLICATION", "TASK", "OPERATOR", "PARALLELISM"]] = Field(min_length=1)

    def problems(self, defaults: IacApplication) -> Iterator[str]:
        """Ranges outside MSF's limits and defaults outside their range."""
        for name, (lowest, highest) in MSF_SETTING_LIMITS.items():
            limit: SettingRange = getattr(self, name)
            where = f"application_limits.{name}"
            if limit.min < lowest:
                yield f"{where}: min {limit.min} is below MSF's lowest value {lowest}; raise it to {lowest}"
            if highest is not None and (limit.max is None or limit.max > highest):
                above = f"max {limit.max} is above MSF's highest value {highest}"
                yield f"{where}: {above}; lower it to {highest}"
            if limit.max is not None and limit.max < limit.min:
                yield f"{where}: max {limit.max} is below min {limit.min}"
            if not limit.holds(getattr(defaults, name)):
                yield f"application.{name}: {getattr(defaults, name)} is outside {where} ({limit.text()})"
        for name in ("log_level", "metrics_level"):
            levels: list[str] = getattr(self, name)
            default = getattr(defaults, name)
            if default not in levels:
                yield f"application.{name}: {default} is not one of application_limits.{name} {levels}"
            if len(set(levels)) != len(levels):
                yield f"application_limits.{name} lists a level twice"


class Alarm(_Model):
    """A CloudWatch alarm on an application metric; ``rate`` alarms on the metric's increase."""

    id: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$")
    description: str
    metric: dict[str, str]
    statistic: Literal["Maximum", "Minimum", "Average", "Sum"]
    comparison: Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold"]
    threshold: float
    period: int = Field(ge=60)
    evaluation_periods: int = Field(ge=1)
    rate: bool = False


class LagMetric(_Model):
    """The metric that says how far a source is behind its input."""

    metric: str
    statistic: Literal["Maximum", "Average"]
    threshold: float
    description: str


class CreatableResource(_Model):
    """A resource the stack can create for a connector role; its ARN fills ``property``."""

    kind: Literal["kinesis_stream"]
    property: str


class IacConnectorRole(_Model):
    """What the infrastructure needs to know about a connector role."""

    lag: LagMetric | None = None
    creates: CreatableResource | None = None


class VpcStatement(_Model):
    """An execution-role statement for applications in a VPC; resources may use placeholders."""

    sid: str = Field(pattern=r"^[A-Za-z0-9]+$")
    actions: list[str] = Field(min_length=1)
    resources: list[str] = Field(min_length=1)


class AlarmTopic(_Model):
    """The SNS topic the alarms notify: the ``alarm_topic_arn`` question and every flavour's parameter."""

    help: str
    pattern: str
    rule: str
    example: str

    @model_validator(mode="after")
    def _consistent(self) -> AlarmTopic:
        try:
            compiled = re.compile(self.pattern)
        except re.error as error:
            raise ValueError(f"pattern is not a regular expression: {error}") from None
        if not compiled.search(self.example):
            raise ValueError(f"example {self.example!r} does not match the pattern")
        return self


class IacCatalog(_Model):
    """``iac.yml``: the flavours, their pins, the application configuration and the alarms."""

    default: IacFlavour
    #: Each AWS partition with the prefix of its Region codes; the last prefix is empty.
    partitions: dict[str, str] = Field(min_length=1)
    flavours: dict[IacFlavour, IacChoice]
    versions: IacVersions
    application: IacApplication
    application_limits: IacApplicationLimits
    alarms: list[Alarm]
    alarm_topic: AlarmTopic
    connectors: dict[str, dict[Role, IacConnectorRole]]
    vpc_iam: list[VpcStatement]

    @model_validator(mode="after")
    def _default_is_offered(self) -> IacCatalog:
        if self.default not in self.flavours:
            raise ValueError(f"default {self.default!r} is not one of {list(self.flavours)}")
        if list(self.partitions.values())[-1] != "":
            raise ValueError("the last of partitions needs the empty prefix: it takes every other region")
        topic = self.alarm_topic
        for partition in self.partitions:
            if not re.search(topic.pattern, topic.example.replace("arn:aws:", f"arn:{partition}:", 1)):
                raise ValueError(f"alarm_topic.pattern refuses partition {partition!r}")
        _, partition, _, region, *_ = topic.example.split(":")
        if self.partition_of(region) != partition:
            raise ValueError(f"alarm_topic.example {topic.example!r} is not in the partition of its region")
        problems = list(self.application_limits.problems(self.application))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def partition_of(self, region: str) -> str:
        """The partition of an AWS Region code, such as aws-cn for cn-north-1."""
        return next(name for name, prefix in self.partitions.items() if region.startswith(prefix))


class Catalog(_Model):
    """The whole catalog, checked for consistency across files."""

    flink: FlinkCatalog
    apis: ApiCatalog
    build: BuildCatalog
    connectors: dict[str, Connector]
    iac: IacCatalog
    services: ServiceCatalog
    java: JavaCatalog

    @model_validator(mode="after")
    def _consistent(self) -> Catalog:
        problems = list(self._problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _problems(self) -> Iterator[str]:
        yield from self._version_problems()
        yield from self._dependency_problems()
        yield from self._role_problems()
        yield from self._api_problems()
        yield from self._iac_problems()
        yield from self._service_problems()

    def _version_problems(self) -> Iterator[str]:
        pins = dict(self.build.versions)
        owners: dict[str, str] = {}
        for connector_id, connector in self.connectors.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", connector_id):
                yield f"connector id {connector_id!r} must be lower_snake_case"
            for name, pin in connector.versions.items():
                # Connectors of one release train (the AWS connectors) share a pin: each declares
                # it, so that each is offered on exactly the lines of the train, and all agree.
                if name in self.build.versions:
                    yield f"connector {connector_id} redefines version {name} of build.yml"
                elif name in owners and pins[name] != pin:
                    yield (
                        f"connector {connector_id} pins {name} unlike connector {owners[name]}; "
                        f"connectors sharing a pin are one release train: give them the same values"
                    )
                owners.setdefault(name, connector_id)
            pins.update(connector.versions)
        properties = [pin.property for pin in pins.values()]
        if len(properties) != len(set(properties)):
            yield "two version pins share a Maven property"
        for name, pin in pins.items():
            yield from _pin_problems(name, pin, self.flink.lines)

    def _dependency_problems(self) -> Iterator[str]:
        pins = self.pins()
        dependencies = list(self.build.dependencies)
        for connector in self.connectors.values():
            dependencies.extend(connector.dependencies)
        for api in self.apis.apis.values():
            dependencies.extend(api.dependencies)
        for dependency in dependencies:
            unknown_lines = [line for line in dependency.lines or [] if line not in self.flink.lines]
            if unknown_lines:
                yield f"{dependency.key} names unknown Flink lines {unknown_lines}"
            if dependency.version is None and not any(
                dependency.group.startswith(bom.group) for bom in self.build.boms
            ):
                yield f"{dependency.key} has no version and no BOM manages it"
            if dependency.version is not None and dependency.version not in pins:
                yield f"{dependency.key} uses unknown version {dependency.version}"
        for bom in self.build.boms:
            if bom.version not in pins:
                yield f"BOM {bom.artifact} uses unknown version {bom.version}"

    def _role_problems(self) -> Iterator[str]:
        roles = [
            role
            for connector in self.connectors.values()
            for role in (connector.source, connector.sink)
            if role is not None
        ]
        if any(role.property_group == DEAD_LETTER_GROUP for role in roles):
            yield f"{DEAD_LETTER_GROUP} is reserved for the dead-letter output"
        factories = [role.factory for role in roles]
        if len(factories) != len(set(factories)):
            yield "two connector roles share a factory class"

    def _api_problems(self) -> Iterator[str]:
        if DATASTREAM not in self.apis.apis:
            yield f"apis.yml must offer {DATASTREAM}: every connector role has a DataStream factory"
        for connector_id, connector in self.connectors.items():
            for where, when in connector._conditions():
                unknown = [v for v in when.get(API_CONDITION, []) if v not in self.apis.apis]
                if unknown:
                    yield f"{connector_id} {where}: when api lists unknown APIs {unknown}"
            for role_name in _ROLES:
                role = connector.role(role_name)
                if role is None:
                    continue
                if role.table is None:
                    yield (
                        f"connectors.{connector_id}.{role_name} has no `table` section: add one "
                        "(docs/adding-a-connector.md, 'The Table API'), or `table: {unsupported: "
                        "<why>}` to keep the role out of Table API projects with that reason"
                    )
                elif TABLE in self.apis.apis:
                    yield from self._table_format_problems(connector_id, role_name, role.table)

    _FORMAT_ARTIFACTS = {"json": "flink-json", "parquet": "flink-parquet"}

    def _table_format_problems(self, connector_id: str, role_name: str, table: TableSection) -> Iterator[str]:
        """Each format a table can use needs its format artifact in Table API projects."""
        fmt = table.format
        choices: list[tuple[dict[str, str], str]]
        if isinstance(fmt, TableFormatChoice):
            choices = [({fmt.option: value}, f) for value, f in fmt.map.items()]
        else:
            choices = [({}, fmt)] if fmt is not None else []
        for chosen, name in choices:
            artifact = self._FORMAT_ARTIFACTS.get(name)
            if artifact is None:
                continue
            if not any(
                d.artifact == artifact
                for line in self.supported_lines(connector_id)
                for d in self.dependencies_for([connector_id], {connector_id: chosen}, line=line, api=TABLE)
            ):
                when = f" for {chosen}" if chosen else ""
                yield (
                    f"connectors.{connector_id}.{role_name}.table uses the {name} format{when}: add "
                    f"org.apache.flink:{artifact} with `when: {{api: [table]}}`"
                )

    def _iac_problems(self) -> Iterator[str]:
        for alarm in self.iac.alarms:
            if set(alarm.metric) != set(self.flink.lines):
                yield f"iac alarm {alarm.id} names a metric for {sorted(alarm.metric)}, not every Flink line"
        for connector_id, roles in self.iac.connectors.items():
            connector = self.connectors.get(connector_id)
            if connector is None:
                yield f"iac.connectors names unknown connector {connector_id!r}"
                continue
            for role_name, extra in roles.items():
                role = connector.role(role_name)
                if role is None:
                    yield f"iac.connectors.{connector_id} has no {role_name} role in connectors.yml"
                    continue
                if extra.lag is not None and role_name != "source":
                    yield f"iac.connectors.{connector_id}.{role_name}: only sources have a lag metric"
                keys = {p.key for p in role.properties}
                if extra.creates is not None and extra.creates.property not in keys:
                    yield (
                        f"iac.connectors.{connector_id}.{role_name}.creates names unknown property "
                        f"{extra.creates.property!r} of {role.property_group}"
                    )

    def _service_problems(self) -> Iterator[str]:
        known = list(self.services.services)
        for connector_id, connector in self.connectors.items():
            for role in (connector.source, connector.sink):
                if role is None:
                    continue
                keys = {p.key for p in role.properties}
                for service_id in role.service_ids():
                    service = self.services.services.get(service_id)
                    if service is None:
                        yield (
                            f"{connector_id} {role.property_group}: local_services names unknown service "
                            f"{service_id!r}; add it to services.yml or use one of {known}"
                        )
                    elif service.resource_property not in keys:
                        yield (
                            f"{connector_id} {role.property_group}: service {service_id} needs the property "
                            f"{service.resource_property!r} that names its resource"
                        )
                    elif role.passes_other_keys is None and (
                        others := sorted((set(service.properties) | set(service.cluster_properties)) - keys)
                    ):
                        yield (
                            f"{connector_id} {role.property_group}: service {service_id} sets {others}, "
                            "which are not keys of the group and the start-up check refuses; add them to "
                            "the role's properties or set its `passes_other_keys`"
                        )
                    elif missing := sorted(set(service.cluster_properties) - {e.key for e in role.endpoints}):
                        yield (
                            f"{connector_id} {role.property_group}: service {service_id} is reached "
                            f"through {missing}; list them in the role's `endpoints` so that a local run "
                            "checks them"
                        )
                    elif role is connector.source and service.init.seed is None:
                        yield (
                            f"{connector_id} {role.property_group}: service {service_id} has no init.seed, "
                            "which a source's service needs to write the sample records"
                        )

    # Queries --------------------------------------------------------------------------------

    def local_services(
        self, source: str, sinks: Iterable[str], options: dict[str, dict[str, str]] | None = None
    ) -> list[str]:
        """Ids of the local services a project needs, in services.yml order.

        ``options`` are the connectors' option answers (defaults for the rest), as in
        :meth:`options_for`.
        """
        needed: set[str] = set()
        roles: list[tuple[str, Role]] = [(source, "source"), *((sink, "sink") for sink in sinks)]
        for connector_id, role_name in roles:
            role = self.connectors[connector_id].role(role_name)
            if role is not None:
                needed.update(role.services_for(self.options_for(connector_id, options)))
        return [service_id for service_id in self.services.services if service_id in needed]

    def pins(self) -> dict[str, VersionPin]:
        """Every version pin: build.yml's and every connector's."""
        result = dict(self.build.versions)
        for connector in self.connectors.values():
            result.update(connector.versions)
        return result

    def version_of(self, dependency: Dependency, line: str) -> str:
        """The version ``dependency`` resolves to on ``line``: its pin's, or its BOM's."""
        name = dependency.version
        if name is None:
            name = next(b.version for b in self.build.boms if dependency.group.startswith(b.group))
        return _pinned(self.pins(), name, line)

    def supported_lines(self, connector_id: str) -> list[str]:
        """The Flink lines on which every version the connector pins has a value."""
        connector = self.connectors[connector_id]
        return [
            line
            for line in self.flink.lines
            if all(pin.value_for(line) is not None for pin in connector.versions.values())
        ]

    def unavailable_reason(self, connector_id: str, line: str) -> str | None:
        """Why ``connector_id`` has no release for ``line`` (its pins' ``missing``), or None."""
        reasons = [
            pin.missing[line]
            for pin in self.connectors[connector_id].versions.values()
            if pin.value_for(line) is None and line in pin.missing
        ]
        return "; ".join(dict.fromkeys(reasons)) or None

    def offered(self, role: Role, line: str, api: str = DATASTREAM) -> list[str]:
        """Ids of the connectors offered in ``role`` on ``line`` for ``api``, in catalog order."""
        return [
            connector_id
            for connector_id, connector in self.connectors.items()
            if connector.role(role) is not None
            and line in self.supported_lines(connector_id)
            and self.not_offered_for_api(connector_id, role, api) is None
        ]

    def not_offered_for_api(self, connector_id: str, role: Role, api: str) -> str | None:
        """Why the connector's ``role`` is not offered for ``api``, or None when it is."""
        spec = self.connectors[connector_id].role(role)
        if spec is None or api == DATASTREAM:
            return None
        if spec.table is None:
            return "it has no Table API definition"
        return spec.table.unsupported

    def options_for(
        self, connector_id: str, answers: dict[str, dict[str, str]] | None = None
    ) -> dict[str, str]:
        """A connector's option answers: the defaults overridden by ``answers[connector_id]``."""
        result = self.connectors[connector_id].default_options()
        result.update((answers or {}).get(connector_id, {}))
        return result

    def dependencies_for(
        self,
        connector_ids: Iterable[str],
        options: dict[str, dict[str, str]] | None = None,
        *,
        line: str,
        api: str = DATASTREAM,
    ) -> list[Dependency]:
        """build.yml's dependencies, the API's, then the connectors' that apply on ``line``, no duplicates."""
        result: dict[str, Dependency] = {dep.key: dep for dep in self.build.dependencies}
        for dependency in self.apis.apis[api].dependencies:
            result.setdefault(dependency.key, dependency)
        for connector_id in connector_ids:
            chosen = {**self.options_for(connector_id, options), API_CONDITION: api}
            for dependency in self.connectors[connector_id].dependencies:
                if applies(dependency.when, chosen) and (
                    dependency.lines is None or line in dependency.lines
                ):
                    result.setdefault(dependency.key, dependency)
        return list(result.values())

    def all_options(self) -> Iterator[tuple[str, str, ConnectorOption]]:
        """(connector id, option name, option) for every connector option."""
        for connector_id, connector in self.connectors.items():
            for name, option in connector.options.items():
                yield connector_id, name, option

    def option_questions(self) -> dict[str, tuple[str, str, ConnectorOption]]:
        """Every connector option by the name of its copier question, ``<connector>_<option>``.

        Values are (connector id, option name, option); the questions are in copier/questions.yml.
        """
        return {
            f"{connector_id}_{name}": (connector_id, name, option)
            for connector_id, name, option in self.all_options()
        }

    def coordinates(
        self,
        line: str,
        connector_ids: Iterable[str],
        options: dict[str, dict[str, str]] | None = None,
        api: str = DATASTREAM,
    ) -> list[Coordinate]:
        """The concrete coordinates (BOMs included) of a project on ``line`` with these connectors."""
        pins = self.pins()
        result = [
            Coordinate(bom.group, bom.artifact, _pinned(pins, bom.version, line), "import")
            for bom in self.build.boms
        ]
        result.extend(
            Coordinate(dep.group, dep.artifact, self.version_of(dep, line), dep.scope)
            for dep in self.dependencies_for(connector_ids, options, line=line, api=api)
        )
        return result

    def valid_combinations(self, api: str = DATASTREAM) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        """Every (line, source, sinks) the questionnaire allows for ``api``; sinks in catalog order."""
        for line in self.flink.lines:
            sinks = self.offered("sink", line, api)
            for source in self.offered("source", line, api):
                for mask in range(1, 2 ** len(sinks)):
                    yield line, source, tuple(s for i, s in enumerate(sinks) if mask >> i & 1)


def _pinned(pins: dict[str, VersionPin], name: str | None, line: str) -> str:
    assert name is not None
    value = pins[name].value_for(line)
    if value is None:
        raise CatalogError(f"version {name} has no pin for Flink {line}")
    return value


def split_flink_suffix(version: str) -> tuple[str, str | None]:
    """Splits a connector version into its own release and the Flink line it is built for.

    Args:
        version: a pinned or published version, such as ``5.0.0-2.2`` or ``3.27.7``.

    Returns:
        ``("5.0.0", "2.2")`` for ``5.0.0-2.2``; ``(version, None)`` without a Flink suffix.
    """
    suffix = _CONNECTOR_SUFFIX.search(version)
    if suffix is None:
        return version, None
    return version[: suffix.start()], suffix.group(1)


def runs_on_line(built_for: str, line: str) -> bool:
    """Whether a connector built for Flink ``built_for`` runs on the Flink ``line``.

    It does when both have the same major version and it is built for that line or an older one.
    """
    built, runs_on = Version(built_for), Version(line)
    return built.major == runs_on.major and built <= runs_on


def _line_coverage_problems(name: str, pin: VersionPin, lines: dict[str, FlinkLine]) -> Iterator[str]:
    """A per-line pin names every line: with a version, or in ``missing`` with the reason."""
    if pin.per_line is None:
        return
    for line_id in lines:
        if line_id not in pin.per_line and line_id not in pin.missing:
            yield (
                f"version {name} has no pin for Flink {line_id}: add the version built for it, or "
                f'`missing: {{"{line_id}": <why no release fits>}}`'
            )
    for line_id in pin.missing:
        if line_id not in lines:
            yield f"version {name} names unknown Flink line {line_id} in missing"


def _pin_problems(name: str, pin: VersionPin, lines: dict[str, FlinkLine]) -> Iterator[str]:
    values = [(None, pin.all)] if pin.all is not None else list((pin.per_line or {}).items())
    yield from _line_coverage_problems(name, pin, lines)
    for line, value in values:
        if line is not None and line not in lines:
            yield f"version {name} pins unknown Flink line {line}"
            continue
        assert value is not None
        base, built_for = split_flink_suffix(value)
        try:
            Version(base)
        except InvalidVersion:
            yield f"version {name} = {value!r} is not a release version"
            continue
        if built_for is not None and line is not None and not runs_on_line(built_for, line):
            yield f"{name} {value} is built for Flink {built_for}, not for the {line} line"
        if name == "flink" and line is not None and not value.startswith(line + "."):
            yield f"flink pin {value} does not belong to line {line}"


def catalog_dir() -> Path:
    """The directory of the catalog YAML files inside the package."""
    return Path(str(resources.files("msf_scaffold") / "catalog"))


def read_catalog_data(directory: Path | None = None) -> dict[str, Any]:
    """The raw catalog mappings, keyed flink/build/connectors, as copier sees them."""
    directory = directory or catalog_dir()
    data: dict[str, Any] = {}
    for filename, question in _CATALOG_FILES.items():
        path = directory / filename
        try:
            document = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, YAMLError) as error:
            raise CatalogError(f"cannot read catalog file {path}: {error}") from error
        try:
            entry = document[question]
            if entry.get("when") is not False:
                raise CatalogError(f"{path}: {question} must be hidden with `when: false`")
            data[question.removeprefix("catalog_")] = entry["default"]
        except (KeyError, TypeError, AttributeError) as error:
            raise CatalogError(f"{path} must hold `{question}: {{when: false, default: ...}}`") from error
    return data


def load_catalog(directory: Path | None = None) -> Catalog:
    """Reads and validates the catalog.

    Raises:
        CatalogError: naming the file area and rule that a value breaks.
    """
    if directory is None:
        return _load_packaged()
    return _parse(read_catalog_data(directory))


@cache
def _load_packaged() -> Catalog:
    return _parse(read_catalog_data())


def _parse(data: dict[str, Any]) -> Catalog:
    try:
        return Catalog.model_validate(data)
    except ValidationError as error:
        details = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors())
        raise CatalogError(f"invalid version catalog: {details}") from None
