"""Shared test helpers: rendering the template and reading generated files as data."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import copier
import yaml
from tools.release import create_tags

from msf_scaffold.catalog import Dependency, VersionPin

ROOT = Path(__file__).resolve().parents[1]
POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def _copy_working_tree(destination: Path) -> None:
    files = (
        subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def git(repo: Path, *args: str) -> str:
    """Runs git in ``repo`` with a test identity; returns its output (fails on an error)."""
    identity = ["-c", "user.name=test", "-c", "user.email=test@localhost"]
    return subprocess.run(
        ["git", "-C", str(repo), *identity, *args], capture_output=True, text=True, check=True
    ).stdout


def snapshot_template(destination: Path) -> Path:
    """A clean git repository holding the template's working tree (committed changes or not).

    copier renders a dirty template through a throw-away commit whose id changes on every run;
    tests that compare two renders use this snapshot so that both see the same commit.
    """
    _copy_working_tree(destination)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "snapshot")
    return destination


def release_clone(destination: Path, head_tag: str) -> Path:
    """A clone of this repository with every release tagged (``tools/release.py tags``), and the
    working tree (committed or not) on top, tagged ``head_tag``, as if it had been released."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(destination)], check=True, capture_output=True)
    git(destination, "config", "user.name", "test")
    git(destination, "config", "user.email", "test@localhost")
    create_tags(destination)
    _copy_working_tree(destination)
    git(destination, "add", "-A")
    if git(destination, "status", "--porcelain").strip():
        git(destination, "commit", "-q", "-m", "working tree")
    git(destination, "tag", "-f", head_tag)
    return destination


def build_wheel(directory: Path) -> Path:
    """Builds msf-scaffold's wheel from the working tree into ``directory``; returns the file."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(directory), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = directory.glob("msf_scaffold-*.whl")
    return wheel


def render(destination: Path, answers: dict[str, Any]) -> Path:
    """Renders the working tree of the template (HEAD plus uncommitted changes)."""
    copier.run_copy(
        str(ROOT), destination, data=answers, defaults=True, quiet=True, vcs_ref="HEAD", unsafe=False
    )
    return destination


def answers_for(line: str, source: str, sinks: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    """copier data for one combination."""
    return {"flink_version": line, "source": source, "sinks": list(sinks), **extra}


def maven_verify(project: Path) -> subprocess.CompletedProcess[str]:
    """Runs the generated project's own build, ``./mvnw -B verify``; the caller checks the result."""
    return subprocess.run(
        ["./mvnw", "-B", "--no-transfer-progress", "verify"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def java_sources(project: Path) -> dict[str, str]:
    """Generated Java files by path relative to the project."""
    return {
        path.relative_to(project).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(project.rglob("*.java"))
    }


@dataclass(frozen=True)
class PomDependency:
    """A dependency of a parsed pom with its version resolved through dependencyManagement."""

    group: str
    artifact: str
    version: str | None
    scope: str


class Pom:
    """A generated pom.xml, parsed."""

    def __init__(self, path: Path) -> None:
        self.root = ET.parse(path).getroot()

    def text(self, xpath: str) -> str:
        """Text of the single element at ``xpath``."""
        element = self.root.find(xpath, POM_NS)
        assert element is not None and element.text is not None, xpath
        return element.text.strip()

    @property
    def properties(self) -> dict[str, str]:
        """``<properties>`` as a mapping."""
        element = self.root.find("m:properties", POM_NS)
        assert element is not None
        return {child.tag.split("}")[1]: (child.text or "").strip() for child in element}

    def resolve(self, value: str | None) -> str | None:
        """Replaces ``${property}`` references by their values."""
        if value is None:
            return None
        return re.sub(r"\$\{([^}]+)\}", lambda m: self.properties[m.group(1)], value)

    def _deps(self, xpath: str) -> list[ET.Element]:
        return self.root.findall(xpath, POM_NS)

    @property
    def managed(self) -> dict[tuple[str, str], tuple[str | None, str]]:
        """dependencyManagement entries: (group, artifact) -> (resolved version, scope or '')."""
        result = {}
        for dep in self._deps("m:dependencyManagement/m:dependencies/m:dependency"):
            key = (_child(dep, "groupId"), _child(dep, "artifactId"))
            assert key[0] is not None and key[1] is not None
            result[(key[0], key[1])] = (self.resolve(_child(dep, "version")), _child(dep, "scope") or "")
        return result

    @property
    def dependencies(self) -> list[PomDependency]:
        """Direct dependencies with versions resolved from dependencyManagement."""
        managed = self.managed
        result = []
        for dep in self._deps("m:dependencies/m:dependency"):
            group, artifact = _child(dep, "groupId"), _child(dep, "artifactId")
            assert group is not None and artifact is not None
            version = self.resolve(_child(dep, "version")) or managed.get((group, artifact), (None, ""))[0]
            result.append(PomDependency(group, artifact, version, _child(dep, "scope") or "compile"))
        return result

    def declared_versions(self) -> list[tuple[str, str, str | None]]:
        """(group, artifact, version as written) of every dependency and dependencyManagement entry."""
        result = []
        for xpath in ("m:dependencies/m:dependency", "m:dependencyManagement/m:dependencies/m:dependency"):
            for dep in self._deps(xpath):
                group, artifact = _child(dep, "groupId"), _child(dep, "artifactId")
                assert group is not None and artifact is not None
                result.append((group, artifact, _child(dep, "version")))
        return result

    def plugin(self, artifact: str) -> ET.Element:
        """The build plugin with this artifactId."""
        for plugin in self.root.findall("m:build/m:plugins/m:plugin", POM_NS):
            if _child(plugin, "artifactId") == artifact:
                return plugin
        raise AssertionError(f"plugin {artifact} not in pom")

    def texts(self, element: ET.Element, xpath: str) -> list[str]:
        """Texts of all elements at ``xpath`` below ``element``."""
        return [(e.text or "").strip() for e in element.findall(xpath, POM_NS)]


def assert_pom_has_the_catalog_dependencies(
    pom: Pom, dependencies: list[Dependency], pins: dict[str, VersionPin], line: str
) -> None:
    """The pom declares exactly the catalog's ``dependencies`` (versions resolved on ``line``) and
    pins each ``managed`` one in dependencyManagement without declaring it."""

    def version(d: Dependency) -> str | None:
        return pins[d.version].value_for(line) if d.version else None

    expected = {(d.group, d.artifact, version(d), d.scope) for d in dependencies if d.declared}
    assert {(d.group, d.artifact, d.version, d.scope) for d in pom.dependencies} == expected
    for d in dependencies:
        if not d.declared:
            assert pom.managed.get((d.group, d.artifact)) == (version(d), ""), f"{d.key} is not pinned"


def _child(element: ET.Element, name: str) -> str | None:
    child = element.find(f"m:{name}", POM_NS)
    return None if child is None or child.text is None else child.text.strip()


def local_properties(project: Path) -> dict[str, dict[str, str]]:
    """The local properties file as {group: {key: value}}."""
    path = project / "src/main/resources/flink-application-properties-dev.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    return {entry["PropertyGroupId"]: entry["PropertyMap"] for entry in document}


def answers_file(project: Path) -> dict[str, Any]:
    """The project's .copier-answers.yml."""
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def compose_errors(document: Any) -> list[str]:
    """Violations of the Compose Specification's JSON schema in a parsed docker-compose.yml.

    The schema is the copy of compose-spec.json that check-jsonschema ships and keeps current
    (``check-jsonschema --builtin-schema vendor.compose-spec``).
    """
    import jsonschema  # noqa: PLC0415 - `make demo` imports this module without the dev extra

    schema = json.loads(
        (resources.files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json").read_text("utf-8")
    )
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


#: A pom that `msf-scaffold doctor` reports an error on (exit code 1): Flink bundled in compile scope.
POM_WITH_A_DOCTOR_ERROR = (
    '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
    "<groupId>g</groupId><artifactId>a</artifactId><version>1</version>"
    "<properties><flink.version>2.2.0</flink.version></properties>"
    "<dependencies><dependency><groupId>org.apache.flink</groupId>"
    "<artifactId>flink-streaming-java</artifactId><version>${flink.version}</version>"
    "</dependency></dependencies></project>"
)
