"""The baseline project generator: Apache Flink's quickstart Maven archetype.

Only ``flink-quickstart-java`` 2.3.0 is served by the Maven repository this suite was first run
against (2.2.0 and 1.20.x are not), so that version is the baseline; :data:`VERSION` says so in the
report.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks import maven
from benchmarks.timing import run
from benchmarks.workspace import remove

GROUP = "org.apache.flink"
ARTIFACT = "flink-quickstart-java"
VERSION = "2.3.0"
COORDINATE = f"{GROUP}:{ARTIFACT}:{VERSION}"


def generate_command(artifact_id: str, offline: bool) -> list[str]:
    """``mvn -B [-o] -q archetype:generate`` for a project ``artifact_id`` in batch mode."""
    return maven.system_maven(
        "archetype:generate",
        "-DinteractiveMode=false",
        f"-DarchetypeGroupId={GROUP}",
        f"-DarchetypeArtifactId={ARTIFACT}",
        f"-DarchetypeVersion={VERSION}",
        "-DgroupId=com.example",
        f"-DartifactId={artifact_id}",
        "-Dversion=0.1",
        f"-Dpackage=com.example.{artifact_id.replace('-', '')}",
        offline=offline,
    )


def warm(directory: Path) -> None:
    """Resolves the archetype, its catalog and the archetype plugin online once (untimed)."""
    run(generate_command("warm-up", offline=False), directory)
    remove(directory / "warm-up")


def generate(directory: Path, artifact_id: str) -> Path:
    """Generates a quickstart project offline into ``directory/artifact_id``."""
    maven.run_offline(lambda offline: generate_command(artifact_id, offline), directory)
    return directory / artifact_id


def flink_version(project: Path) -> str:
    """The Flink version the archetype's pom uses."""
    return maven.pom_property(project / "pom.xml", "flink.version")
