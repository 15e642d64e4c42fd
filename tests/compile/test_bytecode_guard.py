"""The generated pom's bytecode guard fires: a bundled jar built for a newer Java fails the build.

The compile tier builds with JDK 17, so a dependency built for Java 17 compiles and passes every
test there, and fails only on MSF, where the Java 11 lines run it (UnsupportedClassVersionError).
The enforcer's enforceBytecodeVersion rule runs in the validate phase; these tests run just that
phase on a data generator -> print project of each line whose Java is older than the jar's.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from tests.helpers import answers_for, render

pytestmark = pytest.mark.compile

#: A jar of class-file major version 61 (Java 17): aws-msk-iam-auth moved to Java 17 in 2.3.5.
JAVA_17_JAR = ("software.amazon.msk", "aws-msk-iam-auth", "2.4.0")
#: How Maven names the jar (group:artifact:type:version).
JAR_ID = "{}:{}:jar:{}".format(*JAVA_17_JAR)
JAVA_17 = 17
CATALOG = load_catalog()
OLDER_LINES = [line for line, spec in CATALOG.flink.lines.items() if spec.java_release < JAVA_17]


def _validate(project: Path) -> subprocess.CompletedProcess[str]:
    """``./mvnw validate``: the enforcer's rules, nothing else (the bytecode rule resolves the jars)."""
    return subprocess.run(
        [
            "./mvnw",
            "-B",
            "--no-transfer-progress",
            "validate",
            *shlex.split(os.environ.get("MSF_SCAFFOLD_MAVEN_ARGS", "")),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _add_dependency(project: Path, scope: str) -> None:
    """Declares the Java 17 jar in the project's own ``<dependencies>`` (not the plugins')."""
    pom = project / "pom.xml"
    text = pom.read_text(encoding="utf-8")
    end = text.rindex("</dependencies>", 0, text.index("<build>"))
    group, artifact, version = JAVA_17_JAR
    dependency = (
        f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version><scope>{scope}</scope></dependency>\n    "
    )
    pom.write_text(text[:end] + dependency + text[end:], encoding="utf-8")


def _output(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    if re.search(rf"(Could not find artifact {re.escape(JAR_ID)}|{re.escape(JAR_ID)} was not found)", output):
        pytest.xfail(f"the Maven repository this build uses does not serve {JAR_ID}")
    return output


@pytest.fixture(params=OLDER_LINES)
def project(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, int]:
    line: str = request.param
    rendered = render(tmp_path / f"f{line}", answers_for(line, "datagen", ("print",)))
    return rendered, CATALOG.flink.lines[line].java_release


def test_a_bundled_java_17_jar_fails_the_build_and_is_named(project: tuple[Path, int]) -> None:
    path, release = project
    clean = _validate(path)
    assert clean.returncode == 0, (clean.stdout + clean.stderr)[-4000:]
    assert "EnforceBytecodeVersion passed" in clean.stdout

    _add_dependency(path, "compile")
    result = _validate(path)
    output = _output(result)
    assert result.returncode != 0, output[-4000:]
    # The rule's report: the jar, one of its classes and both Java levels.
    assert re.search(
        rf"Restricted to JDK {release} yet {re.escape(JAR_ID)}:compile"
        rf" contains \S+\.class targeted to JDK {JAVA_17}",
        output,
    ), output[-4000:]
    # The pom's message: the runtime's Java and the fix.
    assert f"(Java {release}), so the job would fail at start-up" in output
    assert f"Use a release of it built for Java {release} or older" in output
    assert f"Found Banned Dependency: {JAR_ID}" in output


def test_a_provided_java_17_jar_is_not_bundled_and_passes(project: tuple[Path, int]) -> None:
    path, _ = project
    _add_dependency(path, "provided")
    result = _validate(path)
    output = _output(result)
    assert result.returncode == 0, output[-4000:]
    assert "EnforceBytecodeVersion passed" in output
