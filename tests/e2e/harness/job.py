"""A generated project for the e2e tier: rendered, built once, run as a local Flink job."""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.maven import maven_args, missing_artifacts
from tests.e2e.harness.processes import ManagedProcess
from tests.helpers import Pom, answers_file, answers_for, local_properties, render
from tests.served_here import Served, build_here

BUILD_TIMEOUT_S = 900


@cache
def _served_here() -> Served:
    return Served.here(load_catalog())


@dataclass(frozen=True)
class Scenario:
    """One generated project: its source, its sinks and any other answers (connector options)."""

    source: str
    sinks: tuple[str, ...]
    answers: dict[str, Any] = field(default_factory=dict)
    line: str = "2.2"
    label: str = ""

    @property
    def id(self) -> str:
        """A readable id, also the project's artifact id."""
        suffix = f"-{self.label}" if self.label else ""
        return f"e2e-{self.source.replace('_', '-')}-to-{'-'.join(self.sinks).replace('_', '-')}{suffix}"

    def not_served_here(self) -> list[str]:
        """The catalog coordinates of this project that the Maven repository in use lacks, with no
        substitute (``tests/data/unresolvable-here.yml``): known from the data, without a build."""
        served = _served_here()
        option_of = served.catalog.option_questions()
        options: dict[str, dict[str, str]] = {}
        for answer, value in self.answers.items():
            if answer in option_of:
                connector_id, name, _ = option_of[answer]
                options.setdefault(connector_id, {})[name] = str(value)
        api = str(self.answers.get("api", served.catalog.apis.default_api))
        return served.missing(self.line, api, (self.source, *self.sinks), options)


@dataclass(frozen=True)
class BuiltProject:
    """A generated project whose classes and classpath are built."""

    scenario: Scenario
    path: Path
    package: str
    classpath: str
    jvm_options: list[str]

    def properties(self) -> dict[str, dict[str, str]]:
        """The project's local properties file as {group: {key: value}}."""
        return local_properties(self.path)

    def run(
        self, groups: dict[str, dict[str, str]], log: Path, env: dict[str, str] | None = None
    ) -> ManagedProcess:
        """Starts StreamingJob locally (embedded MiniCluster) with these runtime properties."""
        properties = log.with_suffix(".properties.json")
        properties.write_text(
            json.dumps([{"PropertyGroupId": g, "PropertyMap": m} for g, m in groups.items()], indent=2),
            encoding="utf-8",
        )
        command = [
            "java",
            "-Xmx1g",
            # The project's logging configuration: a log4j2-test file of a test dependency would
            # otherwise take precedence and silence the job.
            f"-Dlog4j2.configurationFile={self.path / 'target/classes/log4j2.properties'}",
            *self.jvm_options,
            "-cp",
            f"{self.path / 'target/classes'}:{self.classpath}",
            f"{self.package}.StreamingJob",
        ]
        return ManagedProcess(
            self.scenario.id,
            command,
            log,
            cwd=self.path,
            env={"FLINK_APPLICATION_PROPERTIES": str(properties), **(env or {})},
        )


class NotServedHereError(RuntimeError):
    """The Maven repository the build uses does not serve some of the project's artifacts."""

    def __init__(self, project: str, missing: list[str]) -> None:
        super().__init__(
            f"the Maven repository this build uses does not serve {', '.join(missing)}; "
            f"{project} cannot be built here"
        )
        self.missing = missing


class BuildFailedError(RuntimeError):
    """The project did not build for another reason than an artifact the repository lacks."""


def compile_project(project: Path, scenario: Scenario) -> BuiltProject:
    """Builds a generated project's classes and its test classpath once (no tests: the compile tier
    runs them); the build's log goes to ``build.log`` in the project.

    Raises ``NotServedHereError`` when the Maven repository lacks one of the project's artifacts (the
    log names the coordinate) and ``BuildFailedError`` for any other build failure.
    """
    command = [
        "./mvnw",
        "-B",
        "--no-transfer-progress",
        "package",
        "-DskipTests",
        "dependency:build-classpath",
        "-Dmdep.outputFile=target/classpath.txt",
        "-Dmdep.includeScope=test",
        *maven_args(),
    ]
    result = subprocess.run(
        command, cwd=project, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
    )
    log = result.stdout + result.stderr
    (project / "build.log").write_text(log, encoding="utf-8")
    if result.returncode != 0:
        missing = missing_artifacts(log)
        if missing:
            raise NotServedHereError(scenario.id, missing)
        errors = "\n".join(line for line in log.splitlines() if "ERROR" in line)
        raise BuildFailedError(f"{scenario.id} did not build:\n{errors[-6000:]}")
    pom = Pom(project / "pom.xml")
    return BuiltProject(
        scenario=scenario,
        path=project,
        package=answers_file(project)["package"],
        classpath=(project / "target/classpath.txt").read_text(encoding="utf-8").strip(),
        jvm_options=shlex.split(pom.properties["flink.jvm.options"]),
    )


def build(scenario: Scenario, workdir: Path) -> BuiltProject:
    """Renders the scenario's project and builds it once, for a test.

    Marks the calling test ``xfail`` when the Maven repository does not serve one of the
    project's artifacts (known from the data before anything is rendered, or else from the
    build's log); any other build failure fails the test.
    """
    import pytest  # noqa: PLC0415 - `make demo` builds with compile_project, without the dev extra

    absent = scenario.not_served_here()
    if absent:
        pytest.xfail(str(NotServedHereError(scenario.id, absent)) + " (tests/data/unresolvable-here.yml)")
    project = render(
        workdir / scenario.id,
        answers_for(
            scenario.line, scenario.source, scenario.sinks, artifact_id=scenario.id, **scenario.answers
        ),
    )
    # Pins this Maven repository does not serve are built with their listed substitutes.
    build_here(project)
    try:
        return compile_project(project, scenario)
    except NotServedHereError as error:
        pytest.xfail(str(error))
    except BuildFailedError as error:
        pytest.fail(str(error))
