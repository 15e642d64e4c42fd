"""Every project's Makefile: `make` lists the targets, and build, test, run (and deploy) name the
commands the README documents. The Makefile is run with real make (help for real, the rest as a
dry run, so no Maven or Docker starts)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from tests.covering import EXPERIENCES
from tests.helpers import answers_file, answers_for, render
from tests.render.conftest import Rendered

#: The Maven command of each target every project has.
MAVEN = {
    "build": "./mvnw -B package -DskipTests",
    "test": "./mvnw -B verify",
    "run": "./mvnw -B -q compile exec:exec",
}
LOCAL_TARGETS = ("local-up", "local-seed", "run-local", "run-cluster", "local-down")
IAC_FLAVOURS = list(load_catalog().iac.flavours)
#: Per IaC flavour the pipeline of its project (a flavour not named here: datagen to print).
IAC_PIPELINES: dict[str, tuple[str, tuple[str, ...]]] = {"terraform": ("kafka", ("kafka",))}
#: Instructions that once named a Maven profile and goal the projects do not have.
STALE = (b"-Plocal", b"exec:java")
_IAC_RENDERED: dict[str, Path] = {}


@dataclass
class Makefile:
    """The rules, `.PHONY` list and `## target: description` lines of a Makefile."""

    rules: dict[str, list[str]] = field(default_factory=dict)
    phony: list[str] = field(default_factory=list)
    described: dict[str, str] = field(default_factory=dict)


def _parse(text: str) -> Makefile:
    parsed = Makefile()
    current = None
    for line in text.splitlines():
        if line.startswith(".PHONY:"):
            parsed.phony = line.split(":", 1)[1].split()
        elif match := re.match(r"^## ([^ :]+): (.+)$", line):
            parsed.described[match[1]] = match[2]
        elif match := re.match(r"^([A-Za-z0-9_.-]+):(?![=:])", line):
            current = match[1]
            parsed.rules[current] = []
        elif line.startswith("\t") and current is not None:
            parsed.rules[current].append(line[1:])
        elif not line.strip():
            current = None
    return parsed


def _make(project: Path, *args: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    completed = subprocess.run(
        ["make", *args], cwd=project, env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def _check(project: Path, local_services: bool, iac: str) -> None:
    makefile = _parse((project / "Makefile").read_text(encoding="utf-8"))
    assert next(iter(makefile.rules)) == "help"
    expected = [
        "help",
        *MAVEN,
        *(LOCAL_TARGETS if local_services else ()),
        *(["deploy"] if iac != "none" else []),
    ]
    assert makefile.phony == expected
    for target in makefile.phony:
        assert makefile.rules[target], f"{target} has no recipe"
        assert makefile.described[target], f"{target} has no ## line"
    # Every rule is listed by help: the phony targets and the .env file of the local passwords.
    assert set(makefile.rules) == set(makefile.described)

    listed = {}
    for line in _make(project, "-s", "help").splitlines():
        name, description = line.split(maxsplit=1)
        listed[name] = description
    assert listed == makefile.described
    assert _make(project) == _make(project, "help")  # a bare `make` only lists

    assert _make(project, "-n", *MAVEN).splitlines() == list(MAVEN.values())
    if local_services:
        # local-seed re-runs the init steps that local-up runs after starting the services.
        assert makefile.rules["local-seed"] == makefile.rules["local-up"][1:]

    readme = (project / "README.md").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"`make ([a-z][\w.-]*)", readme)) | set(
        re.findall(r"^make ([a-z][\w.-]*)", readme, re.M)
    )
    assert mentioned <= set(makefile.rules), mentioned - set(makefile.rules)
    if iac != "none":
        # deploy runs the commands the README documents for the flavour, none of its own.
        for line in _make(project, "-n", "deploy").splitlines():
            for command in line.split("&&"):
                assert command.strip() in readme, command
        assert "make deploy" in readme


def test_every_project_has_a_makefile_that_lists_builds_tests_and_runs(
    rendered: Rendered, catalog: Catalog
) -> None:
    project, _, source, sinks, options = rendered
    _check(project, bool(catalog.local_services(source, sinks, options)), answers_file(project)["iac"])


@pytest.fixture(params=IAC_FLAVOURS)
def iac_project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One project per IaC flavour (the render tier's covering set has the default flavour only),
    each at another experience level."""
    iac = request.param
    if iac not in _IAC_RENDERED:
        source, sinks = IAC_PIPELINES.get(iac, ("datagen", ("print",)))
        experience = EXPERIENCES[IAC_FLAVOURS.index(iac) % len(EXPERIENCES)]
        answers = answers_for("2.2", source, sinks, iac=iac, experience=experience)
        _IAC_RENDERED[iac] = render(tmp_path_factory.mktemp(iac) / "orders-app", answers)
    return iac, _IAC_RENDERED[iac]


def test_each_iac_flavour_deploys_with_the_command_its_readme_documents(
    iac_project: tuple[str, Path], catalog: Catalog
) -> None:
    iac, project = iac_project
    source, sinks = IAC_PIPELINES.get(iac, ("datagen", ("print",)))
    _check(project, bool(catalog.local_services(source, sinks, {})), iac)
    assert answers_file(project)["iac"] == iac


def _assert_no_stale_instructions(project: Path) -> None:
    files = [path for path in project.rglob("*") if path.is_file()]
    assert any(path.name == "log4j2.properties" for path in files)
    for path in files:
        content = path.read_bytes()
        assert not any(stale in content for stale in STALE), path


def test_no_file_names_the_missing_maven_profile_or_exec_java(rendered: Rendered) -> None:
    _assert_no_stale_instructions(rendered[0])


def test_no_file_of_any_iac_flavour_names_them_either(iac_project: tuple[str, Path]) -> None:
    _assert_no_stale_instructions(iac_project[1])
