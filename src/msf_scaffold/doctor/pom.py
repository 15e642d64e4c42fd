"""The parts of a Maven pom that the doctor checks, read with their file and line.

The pom is parsed with expat into :mod:`xml.etree.ElementTree` elements whose tags are the local
names (so poms with and without the Maven namespace look the same), and every element keeps the
line it starts on. Properties (``${...}``) are resolved from the pom, from parents reachable
through ``<relativePath>`` and from a few built-ins such as ``${project.version}``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from xml.parsers import expat

from msf_scaffold.errors import UserError

_REFERENCE = re.compile(r"\$\{([^}]+)\}")
_MAX_PARENTS = 5
#: Property expansion stops here: no real pom comes near, and a pom whose properties repeat each
#: other (``<p1>${p0}${p0}</p1>``, ten levels) would otherwise take gigabytes.
MAX_EXPANSION = 65_536
_MAX_DEPTH = 10
SHADE_PLUGIN = "maven-shade-plugin"
COMPILER_PLUGIN = "maven-compiler-plugin"


@dataclass(frozen=True)
class Location:
    """A place in a file; ``line`` is 1-based, or None when unknown."""

    file: Path
    line: int | None


@dataclass(frozen=True)
class Setting:
    """A resolved value from the pom and where it is written."""

    name: str
    value: str
    where: Location


@dataclass(frozen=True)
class Dependency:
    """A direct dependency with version and scope resolved through dependencyManagement."""

    group: str
    artifact: str
    version: str | None
    scope: str
    where: Location
    version_where: Location

    @property
    def key(self) -> str:
        """``group:artifact``."""
        return f"{self.group}:{self.artifact}"

    @property
    def bundled(self) -> bool:
        """Whether the scope puts the artifact into a shaded JAR (compile or runtime)."""
        return self.scope in ("compile", "runtime")


@dataclass(frozen=True)
class Shade:
    """The maven-shade-plugin configuration, merged over executions and pluginManagement."""

    where: Location
    includes: tuple[str, ...]
    excludes: tuple[str, ...]
    transformers: tuple[str, ...]

    def bundles(self, group: str, artifact: str) -> bool:
        """Whether the artifactSet lets ``group:artifact`` into the JAR."""
        if self.includes and not any(_pattern_matches(p, group, artifact) for p in self.includes):
            return False
        return not any(_pattern_matches(p, group, artifact) for p in self.excludes)

    def has_transformer(self, simple_name: str) -> bool:
        """Whether a transformer whose class name ends with ``simple_name`` is configured."""
        return any(t.rsplit(".", 1)[-1] == simple_name for t in self.transformers)


@dataclass(frozen=True)
class _PomFile:
    path: Path
    root: ET.Element
    lines: dict[ET.Element, int]

    def where(self, element: ET.Element | None) -> Location:
        return Location(self.path, None if element is None else self.lines.get(element))


class SuspiciousPomError(UserError):
    """A property of the pom expands beyond :data:`MAX_EXPANSION` characters."""


@dataclass(frozen=True)
class Pom:
    """The checked model of a project's pom.xml (and its local parents)."""

    path: Path
    packaging: str
    modules: tuple[str, ...]
    properties: dict[str, Setting]
    dependencies: tuple[Dependency, ...]
    shade: Shade | None
    flink_version: Setting | None
    java_release: Setting | None
    #: Whether the module is a Flink project: it depends on an ``org.apache.flink`` artifact (also
    #: through a parent's ``<dependencies>``), or its own pom manages one or sets ``flink.version``.
    #: A module of a Flink build that only inherits ``flink.version`` or managed Flink artifacts
    #: from its parent is not one.
    uses_flink: bool = True
    #: The parent pom that sets ``flink.version`` when this pom inherits it, else None.
    inherited_flink_from: Path | None = None

    def resolve(self, value: str) -> str:
        """Replaces ``${name}`` references by property values; unknown ones stay as they are."""
        return _resolve(value, {name: s.value for name, s in self.properties.items()})


def parse_xml(path: Path) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parses an XML file into local-name elements and the line each element starts on.

    Raises:
        UserError: when the file cannot be read or is not well-formed XML.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path} cannot be read: {error.strerror}") from None
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def start(tag: str, attributes: dict[str, str]) -> None:
        element = builder.start(_local(tag), {_local(k): v for k, v in attributes.items()})
        lines[element] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_local(tag))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise UserError(
            f"{path} is not well-formed XML ({error}); fix the XML (for example with `./mvnw validate`)"
            " and run the doctor again"
        ) from None
    return builder.close(), lines


def load_pom(project: Path) -> Pom:
    """Reads ``project/pom.xml`` and the parents reachable through ``<relativePath>``.

    Raises:
        UserError: when there is no pom.xml, or a pom is unreadable or not a Maven pom.
    """
    path = project / "pom.xml"
    if not path.is_file():
        raise UserError(
            f"{path} not found: run the doctor on the directory that holds the Maven project's pom.xml"
            " (for example `msf-scaffold doctor path/to/project`)"
        )
    chain = _pom_chain(path)
    properties = _properties(chain)
    values = {name: s.value for name, s in properties.items()}
    try:
        for value in values.values():
            _resolve(value, values)
    except SuspiciousPomError as error:
        raise SuspiciousPomError(f"{path}: {error}") from None
    dependencies = tuple(_dependencies(chain, values, properties))
    root = chain[0].root
    own_groups = [_text(e, "groupId") or "" for e in root.iter("dependency")]
    own_flink = "flink.version" in {e.tag for e in root.findall("properties/*")} or any(
        _resolve(group, values).startswith("org.apache.flink") for group in own_groups
    )
    flink_property = properties.get("flink.version")
    return Pom(
        path=path,
        packaging=_text(root, "packaging") or "jar",
        modules=tuple((e.text or "").strip() for e in root.findall("modules/module")),
        properties=properties,
        dependencies=dependencies,
        shade=_shade(chain, values),
        flink_version=_flink_version(properties, dependencies),
        java_release=_java_release(chain, properties, values),
        uses_flink=own_flink or any(d.group.startswith("org.apache.flink") for d in dependencies),
        inherited_flink_from=(
            flink_property.where.file
            if flink_property is not None and flink_property.where.file != path
            else None
        ),
    )


def pom_chain_paths(path: Path) -> tuple[Path, ...]:
    """The pom at ``path`` and the parents reachable through ``<relativePath>``, the child first."""
    return tuple(pom.path for pom in _pom_chain(path))


# Reading ------------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _text(element: ET.Element, path: str) -> str | None:
    child = element.find(path)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _pom_chain(path: Path) -> list[_PomFile]:
    chain: list[_PomFile] = []
    current: Path | None = path
    while current is not None and len(chain) <= _MAX_PARENTS:
        root, lines = parse_xml(current)
        if root.tag != "project":
            raise UserError(f"{current} is not a Maven pom (its root element is <{root.tag}>, not <project>)")
        chain.append(_PomFile(current, root, lines))
        current = _parent_path(current, root)
    return chain


def _parent_path(path: Path, root: ET.Element) -> Path | None:
    parent = root.find("parent")
    if parent is None:
        return None
    relative = parent.find("relativePath")
    if relative is not None and not (relative.text or "").strip():
        return None
    candidate = path.parent / ((relative.text or "").strip() if relative is not None else "../pom.xml")
    if candidate.is_dir():
        candidate = candidate / "pom.xml"
    return candidate.resolve() if candidate.is_file() else None


def _properties(chain: list[_PomFile]) -> dict[str, Setting]:
    result: dict[str, Setting] = {}
    for pom in reversed(chain):  # the parent first, so that the child overrides it
        root = pom.root
        parent = root.find("parent")
        for name in ("groupId", "artifactId", "version"):
            element = root.find(name)
            if element is None and parent is not None and name != "artifactId":
                element = parent.find(name)
            if element is not None and element.text:
                setting = Setting(f"project.{name}", element.text.strip(), pom.where(element))
                result[f"project.{name}"] = result[name] = setting
        result["project.basedir"] = result["basedir"] = Setting(
            "project.basedir", str(pom.path.parent), Location(pom.path, None)
        )
        for element in root.findall("properties/*"):
            result[element.tag] = Setting(element.tag, (element.text or "").strip(), pom.where(element))
    return result


def _resolve(value: str, values: dict[str, str]) -> str:
    """Replaces references, ten levels deep at most.

    Raises:
        SuspiciousPomError: the value grows beyond :data:`MAX_EXPANSION` characters.
    """
    for _ in range(_MAX_DEPTH):
        resolved = _substitute(value, values)
        if resolved == value:
            break
        value = resolved
    return value


def _substitute(value: str, values: dict[str, str]) -> str:
    """One round of replacing ``${name}`` references, counting the size as it grows."""
    parts: list[str] = []
    size, end = 0, 0
    for match in _REFERENCE.finditer(value):
        replacement = values.get(match.group(1), match.group(0))
        parts += [value[end : match.start()], replacement]
        size += match.start() - end + len(replacement)
        end = match.end()
        if size > MAX_EXPANSION:
            raise SuspiciousPomError(
                f"the property reference ${{{match.group(1)}}} expands a value to more than "
                f"{MAX_EXPANSION} characters: the pom is suspicious (properties that repeat each "
                "other grow exponentially); make each property a plain value or a few references"
            )
    parts.append(value[end:])
    return "".join(parts)


def _dependencies(
    chain: list[_PomFile], values: dict[str, str], properties: dict[str, Setting]
) -> Iterator[Dependency]:
    managed: dict[tuple[str, str], tuple[ET.Element, _PomFile]] = {}
    for pom in reversed(chain):
        for element in pom.root.findall("dependencyManagement/dependencies/dependency"):
            key = (_resolve(_text(element, "groupId") or "", values), _text(element, "artifactId") or "")
            managed[key] = (element, pom)
    seen: set[tuple[str, str]] = set()
    for pom in chain:  # the child first: its declaration replaces an inherited one
        for element in pom.root.findall("dependencies/dependency"):
            group = _resolve(_text(element, "groupId") or "", values)
            artifact = _resolve(_text(element, "artifactId") or "", values)
            if (group, artifact) in seen:
                continue
            seen.add((group, artifact))
            entry = managed.get((group, artifact))
            version_element, version_pom = element.find("version"), pom
            if version_element is None and entry is not None:
                version_element, version_pom = entry[0].find("version"), entry[1]
            scope = _text(element, "scope") or (entry and _text(entry[0], "scope")) or "compile"
            raw = None if version_element is None else (version_element.text or "").strip()
            yield Dependency(
                group=group,
                artifact=artifact,
                version=None if raw is None else _resolve(raw, values),
                scope=_resolve(scope, values),
                where=pom.where(element),
                version_where=_value_location(raw, version_pom.where(version_element), properties),
            )


def _value_location(raw: str | None, written: Location, properties: dict[str, Setting]) -> Location:
    """Where a value is defined: the property when the value is one ``${...}`` reference."""
    match = _REFERENCE.fullmatch(raw or "")
    if match and match.group(1) in properties:
        return properties[match.group(1)].where
    return written


def _plugins(chain: list[_PomFile], artifact: str) -> tuple[list[tuple[ET.Element, _PomFile]], bool]:
    """The plugin's elements in build/plugins and pluginManagement, and whether it is declared."""
    found: list[tuple[ET.Element, _PomFile]] = []
    declared = False
    for pom in chain:
        for path, is_declaration in (
            ("build/plugins/plugin", True),
            ("build/pluginManagement/plugins/plugin", False),
        ):
            for plugin in pom.root.findall(path):
                if _text(plugin, "artifactId") == artifact:
                    found.append((plugin, pom))
                    declared = declared or is_declaration
    return found, declared


def _configurations(plugin: ET.Element) -> list[ET.Element]:
    return plugin.findall("configuration") + plugin.findall("executions/execution/configuration")


def _shade(chain: list[_PomFile], values: dict[str, str]) -> Shade | None:
    plugins, declared = _plugins(chain, SHADE_PLUGIN)
    if not declared:
        return None
    includes: list[str] = []
    excludes: list[str] = []
    transformers: list[str] = []
    for plugin, _ in plugins:
        for configuration in _configurations(plugin):
            includes += [
                _resolve((e.text or "").strip(), values)
                for e in configuration.findall("artifactSet/includes/include")
            ]
            excludes += [
                _resolve((e.text or "").strip(), values)
                for e in configuration.findall("artifactSet/excludes/exclude")
            ]
            transformers += [
                e.get("implementation", "").strip() for e in configuration.findall("transformers/transformer")
            ]
    first, pom = next((p for p in plugins if p[0] in p[1].root.findall("build/plugins/plugin")), plugins[0])
    return Shade(pom.where(first), tuple(includes), tuple(excludes), tuple(transformers))


def _pattern_matches(pattern: str, group: str, artifact: str) -> bool:
    parts = pattern.split(":")
    artifact_pattern = parts[1] if len(parts) > 1 and parts[1] else "*"
    return fnmatchcase(group, parts[0] or "*") and fnmatchcase(artifact, artifact_pattern)


_FLINK_CORE = ("flink-streaming-java", "flink-core", "flink-clients", "flink-runtime")


def _flink_version(properties: dict[str, Setting], dependencies: tuple[Dependency, ...]) -> Setting | None:
    setting = properties.get("flink.version")
    if setting is not None:
        value = _resolve(setting.value, {n: s.value for n, s in properties.items()})
        if "${" not in value:
            return Setting("flink.version", value, setting.where)
    for dependency in dependencies:
        if (
            dependency.group == "org.apache.flink"
            and dependency.artifact in _FLINK_CORE
            and dependency.version
            and "${" not in dependency.version
        ):
            return Setting(f"version of {dependency.artifact}", dependency.version, dependency.version_where)
    return None


def _java_release(
    chain: list[_PomFile], properties: dict[str, Setting], values: dict[str, str]
) -> Setting | None:
    """The bytecode level the build produces: release wins over target, then source."""
    plugins, _ = _plugins(chain, COMPILER_PLUGIN)
    for parameter in ("release", "target", "source"):
        for plugin, pom in plugins:
            for configuration in _configurations(plugin):
                element = configuration.find(parameter)
                if element is not None and element.text:
                    raw = element.text.strip()
                    value = _resolve(raw, values)
                    if "${" not in value:
                        where = _value_location(raw, pom.where(element), properties)
                        return Setting(f"maven-compiler-plugin <{parameter}>", value, where)
        for name in (f"maven.compiler.{parameter}", "target.java.version" if parameter == "source" else ""):
            setting = properties.get(name)
            if setting is not None:
                value = _resolve(setting.value, values)
                if "${" not in value:
                    return Setting(name, value, setting.where)
    return None
