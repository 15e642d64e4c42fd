"""The compatibility matrix: what each Flink line offers, computed from the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from msf_scaffold.catalog import Catalog


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


def connector_support(catalog: Catalog) -> list[ConnectorSupport]:
    """Each connector's artifact versions per line."""
    pins = catalog.pins()
    rows = []
    for connector_id, connector in catalog.connectors.items():
        supported = catalog.supported_lines(connector_id)
        versions: dict[str, str | None] = {}
        for line in catalog.flink.lines:
            if line not in supported:
                versions[line] = None
                continue
            bundled = [
                dep
                for dep in connector.dependencies
                if dep.scope == "compile" and (not dep.lines or line in dep.lines)
            ]
            pinned = [f"{dep.artifact} {pins[dep.version].value_for(line)}" for dep in bundled if dep.version]
            # Artifacts a BOM manages, by group: "software.amazon.awssdk 2.55.6 (glue, s3)".
            managed: dict[str, list[str]] = {}
            for dep in (d for d in bundled if d.version is None):
                managed.setdefault(f"{dep.group} {catalog.version_of(dep, line)}", []).append(dep.artifact)
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


def render_text(catalog: Catalog) -> str:
    """The matrix as plain-text tables for a terminal."""
    lines = line_summaries(catalog)
    out = ["Flink lines", ""]
    header = ["line", "MSF runtime", "Java", "Flink", ""]
    body = [
        [s.line, s.msf_runtime, str(s.java_release), s.flink_version, "default" if s.default else ""]
        for s in lines
    ]
    out += _table(header, body)
    out += ["", f"Default {catalog.flink.default_line}: {catalog.flink.default_line_why}"]
    out += ["", "Connectors", ""]
    header = ["connector", "roles"] + [f"Flink {s.line}" for s in lines]
    body = [
        [c.connector_id, "+".join(c.roles)] + [c.versions[s.line] or "not offered" for s in lines]
        for c in connector_support(catalog)
    ]
    out += _table(header, body)
    gaps = [
        (c.connector_id, line, why) for c in connector_support(catalog) for line, why in c.not_offered.items()
    ]
    if gaps:
        out += ["", "Not offered", ""]
        out += [f"{connector_id} on Flink {line}: {why}" for connector_id, line, why in gaps]
    out += ["", "MSF runtimes not offered", ""]
    out += [f"{r.msf_runtime}: {r.reason}" for r in runtimes_left_out(catalog)]
    return "\n".join(out)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(row) for row in rows)]
