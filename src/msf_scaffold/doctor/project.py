"""Everything the rules look at, read once: the pom, Java sources, IaC files, the JAR, the catalog."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from msf_scaffold.catalog import Catalog, FlinkLine
from msf_scaffold.doctor.iac import IacScan, scan_iac
from msf_scaffold.doctor.jar import JarContents, find_application_jar, inspect_jar
from msf_scaffold.doctor.java import JavaFile, java_files
from msf_scaffold.doctor.pom import Pom, load_pom
from msf_scaffold.doctor.runtime_properties import DeclaredGroup, declared_groups
from msf_scaffold.errors import UserError

_VERSION = re.compile(r"^(\d+)\.(\d+)")


@dataclass(frozen=True)
class FlinkVersion:
    """The Flink version a project builds against."""

    text: str
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> FlinkVersion | None:
        """``1.20.0`` -> 1.20; None when ``text`` does not start with ``major.minor``."""
        match = _VERSION.match(text)
        return None if match is None else cls(text, int(match.group(1)), int(match.group(2)))

    @property
    def line(self) -> str:
        """``major.minor``, the catalog's line id."""
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Project:
    """A Maven Flink project as the doctor sees it."""

    root: Path
    pom: Pom
    flink: FlinkVersion | None
    java: tuple[JavaFile, ...]
    iac: IacScan
    jar: JarContents | None
    catalog: Catalog
    #: The runtime property groups its files declare (local JSON, IaC, README).
    properties: tuple[DeclaredGroup, ...] = ()

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root (POSIX), e.g. ``../pom.xml`` for a parent pom."""
        return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()

    def catalog_line(self) -> FlinkLine | None:
        """The catalog's line for the project's Flink version, else the newest one of the same major."""
        if self.flink is None:
            return None
        lines = self.catalog.flink.lines
        if self.flink.line in lines:
            return lines[self.flink.line]
        same_major = [
            (FlinkVersion.parse(line_id), line)
            for line_id, line in lines.items()
            if line_id.split(".")[0] == str(self.flink.major)
        ]
        ranked = sorted((v.minor, line) for v, line in same_major if v is not None)
        return ranked[-1][1] if ranked else None

    def msf_runtime(self) -> str | None:
        """The MSF runtime id of the project's Flink line (``FLINK-1_20``)."""
        if self.flink is None:
            return None
        line = self.catalog.flink.lines.get(self.flink.line)
        return line.msf_runtime if line else f"FLINK-{self.flink.major}_{self.flink.minor}"

    def pinned_version(self, group: str, artifact: str) -> str | None:
        """The version msf-scaffold pins for ``group:artifact`` on the project's Flink line."""
        if self.flink is None or self.flink.line not in self.catalog.flink.lines:
            return None
        pins = self.catalog.pins()
        for connector in self.catalog.connectors.values():
            for dependency in connector.dependencies:
                if (dependency.group, dependency.artifact) == (group, artifact) and dependency.version:
                    return pins[dependency.version].value_for(self.flink.line)
        return None


def load_project(root: Path, catalog: Catalog) -> Project:
    """Reads the project at ``root``.

    Raises:
        UserError: when ``root`` is not a directory holding a readable, single-module Maven pom.
    """
    if not root.is_dir():
        raise UserError(f"{root} is not a directory: give the directory of a Maven project")
    pom = load_pom(root)
    if pom.packaging == "pom" and pom.modules:
        modules = ", ".join(pom.modules)
        raise UserError(
            f"{pom.path} is a multi-module parent (modules: {modules}); run the doctor on the module"
            " that builds the Flink application JAR, e.g. `msf-scaffold doctor <dir>/<module>`"
        )
    if not pom.uses_flink:
        inherited = (
            f" (flink.version is inherited from {pom.inherited_flink_from}, but this module uses no"
            " Flink artifact)"
            if pom.inherited_flink_from is not None
            else ""
        )
        raise UserError(
            f"{pom.path} is not a Flink project: it has no org.apache.flink dependency and no "
            f"flink.version property of its own{inherited}, so there is nothing for the doctor to"
            " check; run it on the module that builds the Flink application JAR"
            " (`msf-scaffold doctor path/to/module`)"
        )
    jar_path = find_application_jar(root)
    return Project(
        root=root,
        pom=pom,
        flink=FlinkVersion.parse(pom.flink_version.value) if pom.flink_version else None,
        java=tuple(java_files(root)),
        iac=scan_iac(root),
        jar=inspect_jar(jar_path) if jar_path else None,
        catalog=catalog,
        properties=declared_groups(root),
    )
