"""The generated project's renovate.json: valid for Renovate's own validator, template updates by
the copier manager, and Maven updates held to what the catalog allows on the project's Flink line.

One project per Flink line, with the connectors of every kind of pin the line offers: Flink, a
connector built for a Flink version (`-X.Y`), a library the catalog pins per line, and pins shared
by every line.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from tests.helpers import ROOT, Pom, answers_for, render

VALIDATOR = ROOT / "tools/renovate/node_modules/.bin/renovate-config-validator"
CATALOG = load_catalog()
_SUFFIX = re.compile(r"-(\d+\.\d+)$")
_RENDERED: dict[str, Path] = {}


def _offered(catalog: Catalog, connector: str, line: str) -> bool:
    return all(pin.value_for(line) is not None for pin in catalog.connectors[connector].versions.values())


def _project(factory: pytest.TempPathFactory, line: str) -> Path:
    if line not in _RENDERED:
        sinks = tuple(s for s in ("kinesis", "iceberg") if _offered(CATALOG, s, line))
        source = "kafka" if _offered(CATALOG, "kafka", line) else "kinesis"
        _RENDERED[line] = render(
            factory.mktemp(f"renovate-{line}") / "orders-app", answers_for(line, source, sinks)
        )
    return _RENDERED[line]


@pytest.fixture(params=list(CATALOG.flink.lines))
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    return request.param, _project(tmp_path_factory, request.param)


def _config(project: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((project / "renovate.json").read_text(encoding="utf-8"))
    return loaded


def _allowed(rule: dict[str, Any]) -> re.Pattern[str]:
    """A rule's allowedVersions regex (`/.../`) as Python's re reads it."""
    value = rule["allowedVersions"]
    assert value.startswith("/") and value.endswith("/"), value
    return re.compile(value[1:-1])


def _rules_for(config: dict[str, Any], package: str) -> list[dict[str, Any]]:
    return [rule for rule in config["packageRules"] if package in rule.get("matchPackageNames", [])]


def _versions(pom: Pom) -> dict[str, str]:
    """group:artifact -> version as written (a ${property}) of every versioned pom dependency."""
    return {f"{group}:{artifact}": version for group, artifact, version in pom.declared_versions() if version}


def test_renovates_validator_accepts_the_configuration(project: tuple[str, Path]) -> None:
    _, path = project
    assert VALIDATOR.is_file(), f"{VALIDATOR} is missing: run `make renovate-deps`"
    # Run in the project's root without a file argument: Renovate then validates renovate.json as
    # a repository's configuration (given a path, it would check a self-hosted configuration).
    result = subprocess.run(
        [str(VALIDATOR), "--strict"], cwd=path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Config validated successfully" in result.stdout + result.stderr


def test_template_updates_come_from_the_copier_manager(project: tuple[str, Path]) -> None:
    _, path = project
    config = _config(path)
    assert set(config["enabledManagers"]) == {"copier", "maven"}
    rules = [rule for rule in config["packageRules"] if rule.get("matchManagers") == ["copier"]]
    assert rules and all(rule.get("enabled", True) for rule in rules)
    assert (path / ".copier-answers.yml").is_file()  # what the copier manager reads


def test_flink_stays_on_the_projects_line_in_one_pull_request(project: tuple[str, Path]) -> None:
    line, path = project
    config = _config(path)
    pom = Pom(path / "pom.xml")
    flink = sorted(p for p, version in _versions(pom).items() if version == "${flink.version}")
    assert flink, "the pom has no Flink artifact"
    rules = [_rules_for(config, package) for package in flink]
    assert all(len(found) == 1 for found in rules), rules
    rule = rules[0][0]
    assert all(found == [rule] for found in rules)  # one rule, one group: not bumped separately
    assert rule["groupName"]
    allowed = _allowed(rule)
    current = pom.properties["flink.version"]
    assert current == CATALOG.build.versions["flink"].value_for(line)
    assert allowed.search(current)
    assert allowed.search(f"{line}.99")
    for other in CATALOG.flink.lines:
        other_pin = CATALOG.build.versions["flink"].value_for(other)
        assert other == line or (other_pin is not None and not allowed.search(other_pin)), other
        assert other == line or not allowed.search(f"{other}.0"), other


def test_connectors_keep_the_flink_build_of_their_version(project: tuple[str, Path]) -> None:
    _, path = project
    config = _config(path)
    pom = Pom(path / "pom.xml")
    suffixed = {
        package: value
        for package, version in _versions(pom).items()
        if (value := pom.resolve(version)) is not None and _SUFFIX.search(value)
    }
    assert suffixed, "the project has no connector built for a Flink version"
    builds = {match.group(1) for value in suffixed.values() if (match := _SUFFIX.search(value))}
    builds |= set(CATALOG.flink.lines)
    for package, value in suffixed.items():
        (rule,) = _rules_for(config, package)
        allowed = _allowed(rule)
        match = _SUFFIX.search(value)
        assert match is not None
        assert allowed.search(value), (package, value)
        assert allowed.search(f"99.0.0-{match.group(1)}"), package
        for build in builds - {match.group(1)}:
            assert not allowed.search(_SUFFIX.sub(f"-{build}", value)), (package, build)


def test_pins_the_catalog_sets_per_line_change_only_with_the_template(project: tuple[str, Path]) -> None:
    line, path = project
    config = _config(path)
    pom = Pom(path / "pom.xml")
    versions = _versions(pom)
    pins = {**CATALOG.build.versions}
    for connector in CATALOG.connectors.values():
        pins.update(connector.versions)
    held = []
    for name, pin in pins.items():
        value = pin.value_for(line)
        if name == "flink" or pin.per_line is None or value is None or _SUFFIX.search(value):
            continue
        held += [p for p, version in versions.items() if version == "${" + pin.property + "}"]
    assert held, "the project has no pin the catalog sets per line"
    for package in held:
        assert [rule.get("enabled", True) for rule in _rules_for(config, package)] == [False], package
