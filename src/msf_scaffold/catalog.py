"""The version catalog: a typed, validated model of ``src/msf_scaffold/catalog/*.yml``.

copier reads the same files through ``!include`` (each holds one hidden computed question whose
``default`` is the data), so the template and this module can never disagree. This module adds what
copier cannot do: it checks the catalog's rules and answers questions about it (which connectors a
Flink line offers, which Maven coordinates a project uses).
"""

from __future__ import annotations

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
Scope = Literal["provided", "compile", "runtime", "test"]

_CATALOG_FILES = {
    "flink.yml": "catalog_flink",
    "apis.yml": "catalog_apis",
    "build.yml": "catalog_build",
    "connectors.yml": "catalog_connectors",
}
_JAVA_IDENTIFIER = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_PROPERTY_GROUP_ID = re.compile(r"^[a-zA-Z0-9_.-]{1,50}$")
_CONNECTOR_SUFFIX = re.compile(r"-(\d+\.\d+)$")
_COORDINATE = re.compile(r"[^:\s]+:[^:\s]+")
_JAR_PATH = re.compile(r"[A-Za-z0-9_$.-]+(/[A-Za-z0-9_$.*-]+)*")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
#: The runtime property group of the dead-letter output; no connector may use it.
DEAD_LETTER_GROUP = "DeadLetterSink"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlinkLine(_Model):
    """One offered Flink line, such as 2.2."""

    label: str
    msf_runtime: str = Field(pattern=r"^FLINK-\d+_\d+$")
    java_release: int
    notes: str


class FlinkCatalog(_Model):
    """``flink.yml``: the offered lines and the default one."""

    default_line: str
    lines: dict[str, FlinkLine]

    @model_validator(mode="after")
    def _default_is_offered(self) -> FlinkCatalog:
        if self.default_line not in self.lines:
            raise ValueError(f"default_line {self.default_line!r} is not one of {list(self.lines)}")
        for line_id, line in self.lines.items():
            if line.msf_runtime != "FLINK-" + line_id.replace(".", "_"):
                raise ValueError(f"line {line_id} has msf_runtime {line.msf_runtime}")
        return self


class Api(_Model):
    """A Flink API a job can be written in."""

    label: str
    summary: str


class ApiCatalog(_Model):
    """``apis.yml``: the offered APIs and the default one."""

    default_api: str
    apis: dict[str, Api]

    @model_validator(mode="after")
    def _default_is_offered(self) -> ApiCatalog:
        if self.default_api not in self.apis:
            raise ValueError(f"default_api {self.default_api!r} is not one of {list(self.apis)}")
        return self


class VersionPin(_Model):
    """A version that becomes one ``<properties>`` entry of the generated pom."""

    property: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*\.version$")
    per_line: dict[str, str] | None = None
    all: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> VersionPin:
        if (self.per_line is None) == (self.all is None):
            raise ValueError(f"{self.property}: give exactly one of per_line and all")
        return self

    def value_for(self, line: str) -> str | None:
        """The pinned version on ``line``, or None when the line has no pin."""
        if self.all is not None:
            return self.all
        assert self.per_line is not None
        return self.per_line.get(line)


#: ``when`` of a catalog item: option name -> the option values for which the item applies. An
#: item without ``when`` always applies; the options are those of the item's own connector.
When = dict[str, list[str]]


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


class ConditionalFile(_Model):
    """A template file of a connector role that only some option values need."""

    path: str
    when: When


class Dependency(_Model):
    """A Maven dependency; ``version`` names a pin, or is absent when a BOM manages it.

    ``exclusions`` (``group:artifact``) are transitive dependencies the generated pom excludes;
    ``jar_excludes`` are paths inside the dependency's jar (``org/example/**``) that the shaded
    application JAR leaves out, for classes a connector bundles that the Flink runtime provides.
    """

    group: str
    artifact: str
    version: str | None = None
    scope: Scope
    why: str
    when: When | None = None
    exclusions: list[str] = Field(default_factory=list)
    jar_excludes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _exclusions(self) -> Dependency:
        for exclusion in self.exclusions:
            if not _COORDINATE.fullmatch(exclusion):
                raise ValueError(f"{self.key}: exclusion {exclusion!r} must be group:artifact")
        for path in self.jar_excludes:
            if not _JAR_PATH.fullmatch(path):
                raise ValueError(
                    f"{self.key}: jar_excludes entry {path!r} must be a path such as org/example/**"
                )
        if self.jar_excludes and self.scope != "compile":
            raise ValueError(f"{self.key}: jar_excludes only applies to compile-scope (bundled) dependencies")
        return self

    @property
    def key(self) -> str:
        """``group:artifact``."""
        return f"{self.group}:{self.artifact}"


class Bom(_Model):
    """A BOM imported into the generated pom's dependencyManagement."""

    group: str
    artifact: str
    version: str


class Banned(_Model):
    """An artifact the generated build's enforcer rules forbid."""

    coordinate: str = Field(pattern=r"^[^:\s]+:[^:\s]+$")
    why: str
    transitive: bool = True


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
    banned: list[Banned]


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

    @model_validator(mode="after")
    def _consistent(self) -> RuntimeProperty:
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


class IamStatement(_Model):
    """IAM actions a connector role needs, on the ARN held by a runtime property (or ``*``).

    ``resource_type`` replaces the ARN's resource type, the text between its sixth field's start
    and the first ``/``: Amazon MSK names a topic of the cluster
    ``arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`` as ``...:topic/<name>/<uuid>/<topic>``.
    ``resource_suffix`` is then appended (``/consumer/*`` for Kinesis EFO consumers); a
    ``{key}`` in it stands for the value of that key of the same property group (``/{topic}``).
    """

    sid: str = Field(pattern=r"^[A-Za-z0-9]+$")
    actions: list[str]
    resource: str
    resource_type: str | None = Field(default=None, pattern=r"^[a-z][a-z-]*$")
    resource_suffix: str = ""
    when: When | None = None

    def suffix_keys(self) -> list[str]:
        """The property keys that ``resource_suffix`` refers to."""
        return _PLACEHOLDER.findall(self.resource_suffix)

    @model_validator(mode="after")
    def _resource(self) -> IamStatement:
        if self.resource == "*" and (self.resource_type or self.resource_suffix):
            raise ValueError(f"{self.sid}: resource_type and resource_suffix need an ARN property, not '*'")
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

    @model_validator(mode="after")
    def _names(self) -> ConnectorRole:
        if not _JAVA_IDENTIFIER.match(self.factory):
            raise ValueError(f"factory {self.factory!r} is not a Java class name")
        if not _PROPERTY_GROUP_ID.match(self.property_group):
            raise ValueError(f"property_group {self.property_group!r} breaks MSF's PropertyGroupId rule")
        if not any(self.factory in pattern for pattern in self.file_patterns()):
            raise ValueError(f"files of {self.factory} do not include the factory itself")
        keys = [p.key for p in self.properties]
        self._check_repeated_keys()
        for statement in self.iam:
            if statement.resource != "*" and statement.resource not in keys:
                raise ValueError(f"IAM statement {statement.sid} names unknown property {statement.resource}")
            for key in statement.suffix_keys():
                if key not in keys:
                    raise ValueError(
                        f"IAM statement {statement.sid}: resource_suffix names unknown property {{{key}}}"
                    )
        return self

    def _check_repeated_keys(self) -> None:
        for i, first in enumerate(self.properties):
            for second in self.properties[i + 1 :]:
                if first.key == second.key and not _exclusive(first.when, second.when):
                    raise ValueError(
                        f"{self.property_group} lists {first.key} twice; a key may repeat only with "
                        "`when` conditions that never hold together (different values of one option)"
                    )

    def file_patterns(self) -> list[str]:
        """Every file pattern of the role, conditional or not."""
        return [f if isinstance(f, str) else f.path for f in self.files]


class Connector(_Model):
    """A connector: its pins, dependencies, options and roles."""

    label: str
    docs: str
    versions: dict[str, VersionPin]
    dependencies: list[Dependency]
    options: dict[str, ConnectorOption] = Field(default_factory=dict)
    source: ConnectorRole | None = None
    sink: ConnectorRole | None = None

    @model_validator(mode="after")
    def _has_a_role(self) -> Connector:
        if self.source is None and self.sink is None:
            raise ValueError("a connector needs a source or a sink")
        for name, option in self.options.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"option name {name!r} must be lower_snake_case")
            for role in option.roles:
                if self.role(role) is None:
                    raise ValueError(f"option {name} is for the {role} role, which the connector lacks")
        for where, when in self._conditions():
            self._check_condition(where, when)
        return self

    def _check_condition(self, where: str, when: When) -> None:
        for name, values in when.items():
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
        return ((where, when) for where, when in items if when is not None)

    def default_options(self) -> dict[str, str]:
        """Each option's default answer."""
        return {name: option.default for name, option in self.options.items()}

    def role(self, role: Role) -> ConnectorRole | None:
        """The connector in ``role``, or None."""
        return self.source if role == "source" else self.sink


def _exclusive(first: When | None, second: When | None) -> bool:
    """Whether no option answers make both conditions hold: they list disjoint values of an option."""
    if first is None or second is None:
        return False
    return any(name in second and not set(values) & set(second[name]) for name, values in first.items())


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


class Catalog(_Model):
    """The whole catalog, checked for consistency across files."""

    flink: FlinkCatalog
    apis: ApiCatalog
    build: BuildCatalog
    connectors: dict[str, Connector]

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

    def _version_problems(self) -> Iterator[str]:
        pins = dict(self.build.versions)
        for connector_id, connector in self.connectors.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", connector_id):
                yield f"connector id {connector_id!r} must be lower_snake_case"
            for name in connector.versions:
                if name in pins:
                    yield f"connector {connector_id} redefines version {name}"
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
        for dependency in dependencies:
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

    # Queries --------------------------------------------------------------------------------

    def pins(self) -> dict[str, VersionPin]:
        """Every version pin: build.yml's and every connector's."""
        result = dict(self.build.versions)
        for connector in self.connectors.values():
            result.update(connector.versions)
        return result

    def supported_lines(self, connector_id: str) -> list[str]:
        """The Flink lines on which every version the connector pins has a value."""
        connector = self.connectors[connector_id]
        return [
            line
            for line in self.flink.lines
            if all(pin.value_for(line) is not None for pin in connector.versions.values())
        ]

    def offered(self, role: Role, line: str) -> list[str]:
        """Ids of the connectors offered in ``role`` on ``line``, in catalog order."""
        return [
            connector_id
            for connector_id, connector in self.connectors.items()
            if connector.role(role) is not None and line in self.supported_lines(connector_id)
        ]

    def options_for(
        self, connector_id: str, answers: dict[str, dict[str, str]] | None = None
    ) -> dict[str, str]:
        """A connector's option answers: the defaults overridden by ``answers[connector_id]``."""
        result = self.connectors[connector_id].default_options()
        result.update((answers or {}).get(connector_id, {}))
        return result

    def dependencies_for(
        self, connector_ids: Iterable[str], options: dict[str, dict[str, str]] | None = None
    ) -> list[Dependency]:
        """build.yml's dependencies followed by the connectors' that apply, without duplicates."""
        result: dict[str, Dependency] = {dep.key: dep for dep in self.build.dependencies}
        for connector_id in connector_ids:
            chosen = self.options_for(connector_id, options)
            for dependency in self.connectors[connector_id].dependencies:
                if applies(dependency.when, chosen):
                    result.setdefault(dependency.key, dependency)
        return list(result.values())

    def all_options(self) -> Iterator[tuple[str, str, ConnectorOption]]:
        """(connector id, option name, option) for every connector option."""
        for connector_id, connector in self.connectors.items():
            for name, option in connector.options.items():
                yield connector_id, name, option

    def coordinates(
        self,
        line: str,
        connector_ids: Iterable[str],
        options: dict[str, dict[str, str]] | None = None,
    ) -> list[Coordinate]:
        """The concrete coordinates (BOMs included) of a project on ``line`` with these connectors."""
        pins = self.pins()
        result = [
            Coordinate(bom.group, bom.artifact, _pinned(pins, bom.version, line), "import")
            for bom in self.build.boms
        ]
        result.extend(
            Coordinate(dep.group, dep.artifact, _pinned(pins, dep.version, line), dep.scope)
            for dep in self.dependencies_for(connector_ids, options)
            if dep.version is not None
        )
        return result

    def valid_combinations(self) -> Iterator[tuple[str, str, tuple[str, ...]]]:
        """Every (line, source, sinks) the questionnaire allows; sinks in catalog order."""
        for line in self.flink.lines:
            sinks = self.offered("sink", line)
            for source in self.offered("source", line):
                for mask in range(1, 2 ** len(sinks)):
                    yield line, source, tuple(s for i, s in enumerate(sinks) if mask >> i & 1)


def _pinned(pins: dict[str, VersionPin], name: str | None, line: str) -> str:
    assert name is not None
    value = pins[name].value_for(line)
    if value is None:
        raise CatalogError(f"version {name} has no pin for Flink {line}")
    return value


def _pin_problems(name: str, pin: VersionPin, lines: dict[str, FlinkLine]) -> Iterator[str]:
    values = [(None, pin.all)] if pin.all is not None else list((pin.per_line or {}).items())
    for line, value in values:
        if line is not None and line not in lines:
            yield f"version {name} pins unknown Flink line {line}"
            continue
        assert value is not None
        suffix = _CONNECTOR_SUFFIX.search(value)
        base = value[: suffix.start()] if suffix else value
        try:
            Version(base)
        except InvalidVersion:
            yield f"version {name} = {value!r} is not a release version"
            continue
        if suffix and line is not None:
            built_for, runs_on = Version(suffix.group(1)), Version(line)
            if built_for.major != runs_on.major or built_for > runs_on:
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
