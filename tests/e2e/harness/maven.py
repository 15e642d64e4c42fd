"""Maven for the e2e tier: classpaths from Maven Central, and what a failed build could not find."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path


def maven_args() -> list[str]:
    """Extra Maven arguments from ``MSF_SCAFFOLD_MAVEN_ARGS`` (a mirror, another local repository)."""
    return shlex.split(os.environ.get("MSF_SCAFFOLD_MAVEN_ARGS", ""))


def missing_artifacts(log: str) -> list[str]:
    """Coordinates that Maven's log says the repository does not serve."""
    missing = set(re.findall(r"([\w.-]+:[\w.-]+:(?:jar|pom):[\w.-]+) was not found in", log))
    missing |= set(re.findall(r"Could not find artifact ([\w.-]+:[\w.-]+:(?:jar|pom):[\w.-]+)", log))
    return sorted(missing)


def resolve_classpath(coordinates: list[str], workdir: Path, timeout_s: float = 600) -> str:
    """The classpath of ``group:artifact:version`` coordinates and their dependencies, resolved by Maven.

    A throw-away pom lists the coordinates; ``dependency:build-classpath`` downloads the jars into
    the user's Maven repository (once) and prints the classpath.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    dependencies = "\n".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
        for g, a, v in (coordinate.split(":") for coordinate in coordinates)
    )
    (workdir / "pom.xml").write_text(
        f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>e2e</groupId>
  <artifactId>{workdir.name}</artifactId>
  <version>1</version>
  <dependencies>
{dependencies}
  </dependencies>
</project>
""",
        encoding="utf-8",
    )
    output = workdir / "classpath.txt"
    result = subprocess.run(
        ["mvn", "-B", "-q", "dependency:build-classpath", f"-Dmdep.outputFile={output}", *maven_args()],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"Maven could not resolve {coordinates}:\n{(result.stdout + result.stderr)[-4000:]}"
        )
    return output.read_text(encoding="utf-8").strip()
