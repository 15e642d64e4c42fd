"""Maven commands: the generated projects' wrapper, offline, warming the local repository on demand.

Timed builds run offline (``-o``) so that the network never enters a figure. When the local
repository lacks an artifact, the same goals run online once, untimed, and the timed run repeats
offline. ``MSF_SCAFFOLD_MAVEN_ARGS`` (as for the compile tier) adds arguments to every Maven run.
"""

from __future__ import annotations

import os
import re
import shlex
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.timing import BenchmarkError, progress, run

MAVEN_ARGS_ENV = "MSF_SCAFFOLD_MAVEN_ARGS"
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
#: Builds a Maven command line, offline (True) or online (False).
CommandFactory = Callable[[bool], list[str]]
_MISSING = re.compile(
    r"offline|Could not resolve|Could not find artifact|Cannot access|was not found|Failed to read artifact"
)


def extra_args() -> list[str]:
    """Arguments from ``MSF_SCAFFOLD_MAVEN_ARGS``."""
    return shlex.split(os.environ.get(MAVEN_ARGS_ENV, ""))


def wrapper(*goals: str, offline: bool = True, quiet: bool = True) -> list[str]:
    """``./mvnw -B`` with ``goals``."""
    flags = ["-B", "--no-transfer-progress"]
    if offline:
        flags.append("-o")
    if quiet:
        flags.append("-q")
    return ["./mvnw", *flags, *goals, *extra_args()]


def system_maven(*goals: str, offline: bool = True, quiet: bool = True) -> list[str]:
    """``mvn -B`` (the Maven on PATH) with ``goals``."""
    return ["mvn", *wrapper(*goals, offline=offline, quiet=quiet)[1:]]


@dataclass(frozen=True)
class Timing:
    """A successful timed run: wall-clock seconds and the command's standard output."""

    seconds: float
    output: str


def timed_offline(
    command: CommandFactory,
    cwd: Path,
    *,
    prepare: Callable[[], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> Timing:
    """Times ``command(True)`` (offline); warms the repository with ``command(False)`` if needed.

    ``prepare`` runs before every attempt (for example to delete ``target/``).
    """
    try:
        return _timed_run(command(True), cwd, prepare, env)
    except BenchmarkError as error:
        if not _MISSING.search(error.output):
            raise
    progress(f"  local Maven repository incomplete for {cwd.name}; resolving online once (untimed)")
    _timed_run(command(False), cwd, prepare, env)
    return _timed_run(command(True), cwd, prepare, env)


def _timed_run(
    command: list[str], cwd: Path, prepare: Callable[[], None] | None, env: Mapping[str, str] | None
) -> Timing:
    if prepare:
        prepare()
    started = time.perf_counter()
    output = run(command, cwd, env=env).stdout
    return Timing(time.perf_counter() - started, output)


def run_offline(command: CommandFactory, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Runs ``command(True)``, warming online first if needed; returns standard output."""
    try:
        return run(command(True), cwd, env=env).stdout
    except BenchmarkError as error:
        if not _MISSING.search(error.output):
            raise
    progress(f"  local Maven repository incomplete for {cwd.name}; resolving online once")
    run(command(False), cwd, env=env)
    return run(command(True), cwd, env=env).stdout


def maven_env(**extra: str) -> dict[str, str]:
    """The environment for Maven runs, with ``extra`` variables."""
    return {**os.environ, **extra}


def pom_property(pom: Path, name: str) -> str:
    """A ``<properties>`` value of a pom."""
    element = ET.parse(pom).getroot().find(f"m:properties/m:{name}", POM_NS)
    if element is None or element.text is None:
        raise BenchmarkError(f"{pom} has no property {name}")
    return element.text.strip()


def add_dependency(pom: Path, group: str, artifact: str, version: str) -> None:
    """Adds a compile-scope dependency to a pom's ``<dependencies>`` as text (keeps its layout)."""
    text = pom.read_text(encoding="utf-8")
    marker = "<dependencies>"
    if marker not in text:
        raise BenchmarkError(f"{pom} has no <dependencies> element")
    dependency = (
        f"\n\t\t<dependency>\n\t\t\t<groupId>{group}</groupId>\n\t\t\t<artifactId>{artifact}</artifactId>"
        f"\n\t\t\t<version>{version}</version>\n\t\t</dependency>"
    )
    pom.write_text(text.replace(marker, marker + dependency, 1), encoding="utf-8")


def aggregator_pom(root: Path, name: str, modules: Sequence[str]) -> Path:
    """Writes a reactor pom ``name`` in ``root`` that builds ``modules``."""
    listed = "\n".join(f"    <module>{module}</module>" for module in modules)
    path = root / name
    path.write_text(
        f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example.benchmarks</groupId>
  <artifactId>{name.removesuffix(".xml")}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>
{listed}
  </modules>
</project>
""",
        encoding="utf-8",
    )
    return path


def shaded_jar(project: Path) -> Path:
    """The shaded JAR in ``target/`` (not the ``original-`` one)."""
    jars = [p for p in (project / "target").glob("*.jar") if not p.name.startswith("original-")]
    if len(jars) != 1:
        raise BenchmarkError(f"expected one shaded JAR in {project / 'target'}, found {jars}")
    return jars[0]
