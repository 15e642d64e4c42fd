"""The compatibility matrix: what each Flink line offers, computed from the catalog."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from msf_scaffold.catalog import Catalog, Dependency

#: The terminal width the text output fits.
WIDTH = 100


@dataclass(frozen=True)
class LineSummary:
    """One Flink line with its runtime, Java level and pinned versions."""

    line: str
    label: str
    msf_runtime: str
    java_release: int
    flink_version: str
    default: bool


@dataclass(frozen=True)
class ConnectorSupport:
    """A connector's roles, its artifact versions per line (None: not offered) and the reasons.

    ``not_offered`` maps each line the connector is not offered on to the catalog's reason.
    """

    connector_id: str
    label: str
    roles: tuple[str, ...]
    versions: dict[str, str | None]
    not_offered: dict[str, str]


@dataclass(frozen=True)
class RuntimeLeftOut:
    """An MSF runtime that no line offers, and why."""

    msf_runtime: str
    reason: str


def line_summaries(catalog: Catalog) -> list[LineSummary]:
    """The offered Flink lines, in catalog order."""
    flink_pin = catalog.build.versions["flink"]
    return [
        LineSummary(
            line=line_id,
            label=line.label,
            msf_runtime=line.msf_runtime,
            java_release=line.java_release,
            flink_version=flink_pin.value_for(line_id) or "?",
            default=line_id == catalog.flink.default_line,
        )
        for line_id, line in catalog.flink.lines.items()
    ]


@dataclass(frozen=True)
class Coordinate:
    """A Maven artifact a connector bundles on a line; ``bom`` is the BOM that sets its version, if any."""

    group: str
    artifact: str
    version: str
    bom: str | None = None

    def __str__(self) -> str:
        coordinate = f"{self.group}:{self.artifact}:{self.version}"
        return f"{coordinate}  (version from {self.bom})" if self.bom else coordinate


def connector_coordinates(catalog: Catalog) -> dict[str, dict[str, list[Coordinate] | None]]:
    """Per connector and Flink line, the artifacts it bundles (an empty list: built in; None: not offered)."""
    result: dict[str, dict[str, list[Coordinate] | None]] = {}
    for connector_id, connector in catalog.connectors.items():
        supported = catalog.supported_lines(connector_id)
        per_line: dict[str, list[Coordinate] | None] = {}
        for line in catalog.flink.lines:
            if line not in supported:
                per_line[line] = None
                continue
            bundled = [
                dep
                for dep in connector.dependencies
                if dep.scope == "compile" and (not dep.lines or line in dep.lines)
            ]
            # Pinned artifacts first (the first is the main one), then those a BOM manages.
            per_line[line] = [
                Coordinate(dep.group, dep.artifact, catalog.version_of(dep, line), _bom(catalog, dep))
                for dep in sorted(bundled, key=lambda d: d.version is None)
            ]
        result[connector_id] = per_line
    return result


def _bom(catalog: Catalog, dependency: Dependency) -> str | None:
    if dependency.version is not None:
        return None
    bom = next(b for b in catalog.build.boms if dependency.group.startswith(b.group))
    return f"{bom.group}:{bom.artifact}"


def connector_support(catalog: Catalog) -> list[ConnectorSupport]:
    """Each connector's artifact versions per line."""
    coordinates = connector_coordinates(catalog)
    rows = []
    for connector_id, connector in catalog.connectors.items():
        versions: dict[str, str | None] = {}
        for line, bundled in coordinates[connector_id].items():
            if bundled is None:
                versions[line] = None
                continue
            pinned = [f"{c.artifact} {c.version}" for c in bundled if c.bom is None]
            # Artifacts a BOM manages, by group: "software.amazon.awssdk 2.55.6 (glue, s3)".
            managed: dict[str, list[str]] = {}
            for c in (c for c in bundled if c.bom is not None):
                managed.setdefault(f"{c.group} {c.version}", []).append(c.artifact)
            pinned += [f"{group} ({', '.join(artifacts)})" for group, artifacts in managed.items()]
            versions[line] = ", ".join(pinned) or "built in"
        roles = tuple(role for role in ("source", "sink") if connector.role(role) is not None)
        reasons = {
            line: catalog.unavailable_reason(connector_id, line) or "no release for this line"
            for line, version in versions.items()
            if version is None
        }
        rows.append(ConnectorSupport(connector_id, connector.label, roles, versions, reasons))
    return rows


def runtimes_left_out(catalog: Catalog) -> list[RuntimeLeftOut]:
    """The MSF runtimes the catalog deliberately does not offer, with the reason."""
    return [RuntimeLeftOut(runtime, reason) for runtime, reason in catalog.flink.not_offered.items()]


def render_text(catalog: Catalog, *, details: bool = False) -> str:
    """The matrix as plain-text tables that fit a terminal of :data:`WIDTH` columns.

    The connector table shows each connector's main artifact version per line; ``details`` adds,
    per Flink line, every Maven coordinate each connector bundles, one per row.
    """
    lines = line_summaries(catalog)
    connectors = connector_support(catalog)
    coordinates = connector_coordinates(catalog)
    out = ["Flink lines", ""]
    header = ["line", "MSF runtime", "Java", "Flink", ""]
    body = [
        [s.line, s.msf_runtime, str(s.java_release), s.flink_version, "default" if s.default else ""]
        for s in lines
    ]
    out += _table(header, body)
    out += ["", *_wrap(f"Default {catalog.flink.default_line}: {catalog.flink.default_line_why}")]
    out += ["", "Connectors (main artifact version per Flink line)", ""]
    header = ["connector", "roles"] + [f"Flink {s.line}" for s in lines]
    body = [
        [c.connector_id, "+".join(c.roles)]
        + [_main_version(coordinates[c.connector_id][s.line]) for s in lines]
        for c in connectors
    ]
    out += _table(header, body, fixed=2)
    if details:
        for s in lines:
            out += [
                "",
                f"Flink {s.line} (MSF runtime {s.msf_runtime}, Java {s.java_release}): coordinates",
                "",
            ]
            for c in connectors:
                bundled = coordinates[c.connector_id][s.line]
                name = f"{c.connector_id} ({'+'.join(c.roles)})"
                if bundled is None:
                    out += _wrap(f"{name}: not offered", indent="  ")
                elif not bundled:
                    out += _wrap(f"{name}: built in", indent="  ")
                else:
                    out += [f"  {name}"]
                    out += [row for coordinate in bundled for row in _wrap(str(coordinate), indent="    ")]
    else:
        out += ["", *_wrap("Every Maven coordinate per Flink line: msf-scaffold versions --details")]
    gaps = [(c.connector_id, line, why) for c in connectors for line, why in c.not_offered.items()]
    if gaps:
        out += ["", "Not offered", ""]
        out += [
            row for connector_id, line, why in gaps for row in _wrap(f"{connector_id} on Flink {line}: {why}")
        ]
    out += ["", "MSF runtimes not offered", ""]
    out += [row for r in runtimes_left_out(catalog) for row in _wrap(f"{r.msf_runtime}: {r.reason}")]
    return "\n".join(out)


def _main_version(bundled: list[Coordinate] | None) -> str:
    """The version of the connector's first (main) artifact, "built in" or "not offered"."""
    if bundled is None:
        return "not offered"
    return bundled[0].version if bundled else "built in"


def _wrap(text: str, indent: str = "") -> list[str]:
    """``text`` wrapped at :data:`WIDTH`; continuation rows are indented two more spaces.

    Words are not broken (a Maven coordinate stays whole, hyphens included).
    """
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _table(header: list[str], rows: list[list[str]], fixed: int | None = None) -> list[str]:
    """A table in columns of two spaces; wider than :data:`WIDTH`, it is split after column ``fixed``.

    The parts repeat the first ``fixed`` columns and take as many of the other columns as fit.
    """
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str], columns: list[int]) -> str:
        return "  ".join(row[i].ljust(widths[i]) for i in columns).rstrip()

    def part(columns: list[int]) -> list[str]:
        return [
            fmt(header, columns),
            fmt(["-" * w for w in widths], columns),
            *(fmt(r, columns) for r in rows),
        ]

    if fixed is None:
        return part(list(range(len(header))))
    groups: list[list[int]] = []
    for column in range(fixed, len(header)):
        candidate = [*range(fixed), *(groups[-1][fixed:] if groups else []), column]
        if groups and sum(widths[i] + 2 for i in candidate) - 2 <= WIDTH:
            groups[-1] = candidate
        else:
            groups.append([*range(fixed), column])
    out: list[str] = []
    for columns in groups:
        out += [*([""] if out else []), *part(columns)]
    return out
