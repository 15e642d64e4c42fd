"""Renovate (renovate.json) finds every version of the catalog, and its rules still apply.

Renovate reads the catalog with regex custom managers. A pin whose YAML the regexes miss is never
updated, and nothing would say so: these tests run every custom manager's `matchStrings` over the
real catalog files with Python's `re` (the JavaScript named groups `(?<name>...)` become
`(?P<name>...)`), the way Renovate applies them (`any`: every regex over the whole file;
`recursive`: each regex over the previous one's matches), and compare what they extract with the
catalog: every pin once per line value with its `tracks` artifact, every Compose image, every
GitHub action and every version of iac.yml. A new pin, line, image or action that no manager
matches is a red test here.

The package rules are checked the same way, with the few match keys renovate.json uses: every rule
applies to at least one dependency (a rule naming an artifact the catalog no longer tracks would
silently stop guarding its line), the current versions are within their `allowedVersions`, and
each Flink line is one group with its Flink and connector versions held to that line.

The configuration itself is checked by Renovate's own validator (`make renovate-check`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, VersionPin, load_catalog, read_catalog_data

ROOT = Path(__file__).resolve().parents[2]
CATALOG_DIR = "src/msf_scaffold/catalog"
#: The depType of a `per_line` value (per line) and of an `all` pin: the package rules group on them.
LINE_DEP_TYPE = "flink-{line}-line"
EVERY_LINE_DEP_TYPE = "every-line"
#: iac.yml `versions` key -> (datasource, package) that the custom managers must extract for it.
IAC_PACKAGES = {
    "aws_cdk_lib": ("npm", "aws-cdk-lib"),
    "aws_cdk_cli": ("npm", "aws-cdk"),
    "constructs": ("npm", "constructs"),
    "typescript": ("npm", "typescript"),
    "ts_node": ("npm", "ts-node"),
    "types_node": ("npm", "@types/node"),
    "terraform_aws_provider": ("terraform-provider", "hashicorp/aws"),
}
#: iac.yml versions without a manager, and why.
IAC_UNMANAGED = {
    "terraform_required_version": "a lower bound (>= 1.5.0) that every new Terraform release satisfies",
}
#: npm package files the npm manager reads (enabledManagers), with the dependency sections it reads.
NPM_FILES = ["tests/e2e/package.json", "tools/renovate/package.json"]
#: The package-rule keys this emulation understands; a rule with another match key fails the test
#: rather than being misjudged.
RULE_KEYS = {
    "description",
    "matchDepTypes",
    "matchPackageNames",
    "matchCurrentValue",
    "matchFileNames",
    "allowedVersions",
    "groupName",
    "addLabels",
}
_JS_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")
_TEMPLATE = re.compile(r"\{\{\{?\s*(\w+)\s*\}?\}\}")
_RANGE = re.compile(r"^(<=|<|>=|>)\s*(\d+(?:\.\d+)*)$")


@dataclass(frozen=True)
class Dep:
    """One dependency as Renovate extracts it."""

    file: str
    dep_type: str
    datasource: str
    name: str
    value: str
    versioning: str | None = None


def _config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((ROOT / "renovate.json").read_text(encoding="utf-8"))
    return config


def _python_regex(pattern: str) -> re.Pattern[str]:
    # ASCII: JavaScript's \w, \d and \s (without the u flag) and RE2's are ASCII classes.
    return re.compile(_JS_NAMED_GROUP.sub("(?P<", pattern), re.ASCII)


def _render(template: str, groups: dict[str, str]) -> str:
    if "{{" in _TEMPLATE.sub("", template):
        pytest.fail(f"template {template!r}: only {{{{name}}}} placeholders are emulated here")
    return _TEMPLATE.sub(lambda match: groups[match.group(1)], template)


def _field(manager: dict[str, Any], groups: dict[str, str], name: str) -> str | None:
    template = manager.get(f"{name}Template")
    if template is not None:
        return _render(template, groups)
    return groups.get(name)


def _matches(manager: dict[str, Any], text: str) -> list[tuple[dict[str, str], str]]:
    """(named groups, replaced text) of every match, as Renovate's regex manager finds them."""
    regexes = [_python_regex(pattern) for pattern in manager["matchStrings"]]
    strategy = manager.get("matchStringsStrategy", "any")
    found: list[tuple[dict[str, str], str]] = []
    if strategy == "any":
        for regex in regexes:
            found += [(_groups(match), match.group(0)) for match in regex.finditer(text)]
    elif strategy == "recursive":

        def walk(content: str, index: int, groups: dict[str, str]) -> None:
            if index == len(regexes):
                found.append((groups, content))
                return
            for match in regexes[index].finditer(content):
                walk(match.group(0), index + 1, {**groups, **_groups(match)})

        walk(text, 0, {})
    else:
        pytest.fail(f"matchStringsStrategy {strategy!r} is not emulated here")
    for _, replaced in found:
        assert replaced, f"a matchString of {manager.get('description')!r} matches the empty string"
    return found


def _groups(match: re.Match[str]) -> dict[str, str]:
    return {name: value for name, value in match.groupdict().items() if value is not None}


def _catalog_files() -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / CATALOG_DIR).glob("*.yml"))


def _extract(config: dict[str, Any]) -> list[Dep]:
    deps: list[Dep] = []
    for manager in config["customManagers"]:
        assert manager["customType"] == "regex"
        file_patterns = [re.compile(pattern) for pattern in manager["fileMatch"]]
        for file in _catalog_files():
            if not any(pattern.search(file) for pattern in file_patterns):
                continue
            text = (ROOT / file).read_text(encoding="utf-8")
            for groups, replaced in _matches(manager, text):
                name = _field(manager, groups, "depName")
                value = _field(manager, groups, "currentValue")
                assert name and value, f"{file}: {replaced!r} gives no depName or currentValue"
                assert value in replaced, f"{file}: Renovate replaces {value!r} inside {replaced!r}"
                assert replaced.count(value) == 1, (
                    f"{file}: {value!r} occurs twice in the text Renovate replaces ({replaced!r}); an "
                    "update would change both"
                )
                deps.append(
                    Dep(
                        file=file,
                        dep_type=_field(manager, groups, "depType") or "",
                        datasource=_field(manager, groups, "datasource") or "",
                        name=name,
                        value=value,
                        versioning=_field(manager, groups, "versioning"),
                    )
                )
    return deps


def _npm_deps() -> list[Dep]:
    deps = []
    for file in NPM_FILES:
        package = json.loads((ROOT / file).read_text(encoding="utf-8"))
        for section in ("dependencies", "devDependencies"):
            deps += [
                Dep(file=file, dep_type=section, datasource="npm", name=name, value=value)
                for name, value in package.get(section, {}).items()
            ]
    return deps


def _by_type(deps: list[Dep], *datasources: str) -> Counter[tuple[str, str, str]]:
    return Counter((dep.dep_type, dep.name, dep.value) for dep in deps if dep.datasource in datasources)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / CATALOG_DIR)


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return _config()


@pytest.fixture(scope="module")
def extracted(config: dict[str, Any]) -> list[Dep]:
    return _extract(config)


def test_regexes_run_on_re2_and_stay_in_the_catalog(config: dict[str, Any]) -> None:
    # Renovate runs matchStrings with RE2 where it is installed: no lookaround, no backreference.
    for manager in config["customManagers"]:
        for pattern in manager["matchStrings"]:
            for construct in ("(?=", "(?!", "(?<=", "(?<!", "\\k<"):
                assert construct not in pattern, f"{pattern!r}: {construct} is not supported by RE2"
            assert not re.search(r"\\[1-9]", pattern), f"{pattern!r}: backreferences are not supported by RE2"
        for pattern in manager["fileMatch"]:
            assert pattern.startswith(f"^{CATALOG_DIR}/"), (
                f"fileMatch {pattern!r} reaches outside the catalog"
            )


def _pin_texts() -> list[VersionPin]:
    """Every pin as written in the catalog files: a pin shared through a YAML alias is written once."""
    data = read_catalog_data(ROOT / CATALOG_DIR)
    mappings = [data["build"]["versions"]] + [
        connector.get("versions", {}) for connector in data["connectors"].values()
    ]
    unique = {id(pin): pin for versions in mappings for pin in versions.values()}
    return [VersionPin.model_validate(pin) for pin in unique.values()]


def test_every_maven_pin_is_matched_once_per_line_value(catalog: Catalog, extracted: list[Dep]) -> None:
    expected: Counter[tuple[str, str, str]] = Counter()
    for pin in _pin_texts():
        if pin.all is not None:
            expected[(EVERY_LINE_DEP_TYPE, pin.tracks, pin.all)] += 1
        for line, value in (pin.per_line or {}).items():
            expected[(LINE_DEP_TYPE.format(line=line), pin.tracks, value)] += 1
    assert {pin.tracks for pin in catalog.pins().values()} <= {name for _, name, _ in expected}
    found = _by_type(extracted, "maven")
    missed = expected - found
    extra = found - expected
    assert not missed, (
        f"renovate.json's customManagers miss these catalog pins (depType, tracks, version): "
        f"{sorted(missed)}; keep the pin's shape (property, tracks, why, then per_line or all; no "
        "line of a folded `why` that starts with `word: `) or extend the matchStrings"
    )
    assert not extra, f"renovate.json's customManagers extract what is not a catalog pin: {sorted(extra)}"


def test_every_compose_image_is_matched(catalog: Catalog, extracted: list[Dep]) -> None:
    images = []
    for service in catalog.services.services.values():
        images += [service.service["image"], service.init.image]
    expected = Counter(tuple(image.rsplit(":", 1)) for image in images)
    found = Counter((dep.name, dep.value) for dep in extracted if dep.datasource == "docker")
    assert found == expected, f"Compose images: expected {sorted(expected)}, Renovate finds {sorted(found)}"
    # The Flink cluster image is a template of the line's versions: no tag of its own to update.
    assert "{flink}" in catalog.services.flink_cluster.image


def test_every_github_action_is_matched_on_a_major_tag(catalog: Catalog, extracted: list[Dep]) -> None:
    expected = Counter(tuple(action.split("@", 1)) for action in catalog.build.github_actions.values())
    actions = [dep for dep in extracted if dep.datasource == "github-tags"]
    found = Counter((dep.name, dep.value) for dep in actions)
    assert found == expected, f"GitHub Actions: expected {sorted(expected)}, Renovate finds {sorted(found)}"
    for dep in actions:
        assert dep.versioning and dep.versioning.startswith("regex:")
        versioning = _python_regex(dep.versioning.removeprefix("regex:"))
        assert versioning.search(dep.value), (
            f"{dep.name}@{dep.value} is not a major tag (vN), the only versions Renovate proposes for actions"
        )


def test_every_iac_version_is_matched(catalog: Catalog, extracted: list[Dep]) -> None:
    versions = catalog.iac.versions.model_dump()
    assert set(IAC_PACKAGES) | set(IAC_UNMANAGED) == set(versions), (
        "iac.yml versions changed: map each new key to its package in IAC_PACKAGES (and a customManager "
        "in renovate.json) or explain in IAC_UNMANAGED why Renovate leaves it alone"
    )
    expected = Counter((*IAC_PACKAGES[key], versions[key]) for key in IAC_PACKAGES)
    found = Counter(
        (dep.datasource, dep.name, dep.value) for dep in extracted if dep.file.endswith("/iac.yml")
    )
    assert found == expected, f"iac.yml: expected {sorted(expected)}, Renovate finds {sorted(found)}"


def _rule_applies(rule: dict[str, Any], dep: Dep) -> bool:
    unknown = set(rule) - RULE_KEYS
    assert not unknown, f"package rule keys {sorted(unknown)} are not emulated by this test"
    if "matchDepTypes" in rule and dep.dep_type not in rule["matchDepTypes"]:
        return False
    if "matchPackageNames" in rule and not any(_name_matches(p, dep.name) for p in rule["matchPackageNames"]):
        return False
    if "matchCurrentValue" in rule and not _slash_regex(rule["matchCurrentValue"]).search(dep.value):
        return False
    return "matchFileNames" not in rule or dep.file in rule["matchFileNames"]


def _name_matches(pattern: str, name: str) -> bool:
    if pattern.startswith("/"):
        return bool(_slash_regex(pattern).search(name))
    assert "*" not in pattern, f"glob {pattern!r} is not emulated by this test"
    return pattern == name


def _slash_regex(value: str) -> re.Pattern[str]:
    assert value.startswith("/") and value.endswith("/"), f"{value!r} is not a /regex/"
    return _python_regex(value[1:-1])


def _numbers(version: str) -> tuple[int, ...]:
    match = re.match(r"\d+(?:\.\d+)*", version)
    assert match, f"{version!r} does not start with a number"
    return tuple(int(part) for part in match.group(0).split("."))


def _allowed(allowed: str, version: str) -> bool:
    if allowed.startswith("/"):
        return bool(_slash_regex(allowed).search(version))
    match = _RANGE.match(allowed)
    assert match, f"allowedVersions {allowed!r} is neither a /regex/ nor a simple <, <=, >, >= bound"
    operator, bound = match.group(1), _numbers(match.group(2))
    current = _numbers(version)
    return {
        "<": current < bound,
        "<=": current <= bound,
        ">": current > bound,
        ">=": current >= bound,
    }[operator]


def test_every_package_rule_applies_and_current_versions_are_allowed(
    config: dict[str, Any], extracted: list[Dep]
) -> None:
    deps = extracted + _npm_deps()
    for rule in config["packageRules"]:
        applies_to = [dep for dep in deps if _rule_applies(rule, dep)]
        assert applies_to, f"package rule {rule['description']!r} applies to no dependency any more"
        if "allowedVersions" in rule:
            outside = [
                f"{dep.name} {dep.value}"
                for dep in applies_to
                if not _allowed(rule["allowedVersions"], dep.value)
            ]
            assert not outside, (
                f"the catalog pins {outside} outside allowedVersions {rule['allowedVersions']} of "
                f"{rule['description']!r}"
            )


def test_every_line_is_one_group_held_to_its_line(
    catalog: Catalog, config: dict[str, Any], extracted: list[Dep]
) -> None:
    rules: list[dict[str, Any]] = config["packageRules"]
    flink = catalog.build.versions["flink"]
    for line in catalog.flink.lines:
        dep_type = LINE_DEP_TYPE.format(line=line)
        line_deps = [dep for dep in extracted if dep.dep_type == dep_type]
        assert line_deps, f"no customManager extracts the Flink {line} values (depType {dep_type})"
        for dep in line_deps:
            groups = [rule["groupName"] for rule in rules if "groupName" in rule and _rule_applies(rule, dep)]
            assert groups and groups[-1] == f"Flink {line} line", f"{dep} is not in the group of its line"
        flink_deps = [dep for dep in line_deps if dep.name == flink.tracks]
        assert len(flink_deps) == 1, f"the Flink {line} pin is not extracted once: {flink_deps}"
        flink_dep = flink_deps[0]
        allowed = [
            rule["allowedVersions"]
            for rule in rules
            if "allowedVersions" in rule and _rule_applies(rule, flink_dep)
        ]
        assert allowed == ["/^" + re.escape(line) + "\\./"], (
            f"the Flink {line} pin is not held to Flink {line}"
        )
        for dep in line_deps:
            suffix = re.search(r"-(\d+)\.(\d+)$", dep.value)
            if suffix is None:
                continue
            constraints = [
                rule["allowedVersions"]
                for rule in rules
                if "allowedVersions" in rule and _rule_applies(rule, dep)
            ]
            assert constraints, (
                f"{dep.name} {dep.value} on Flink {line}: no rule keeps it on a build for {line}"
            )
            major, minor = line.split(".")
            newer = f"{dep.value.rsplit('-', 1)[0]}-{major}.{int(minor) + 1}"
            assert not all(_allowed(allowed, newer) for allowed in constraints), (
                f"{dep.name} on Flink {line} could move to {newer}, a build for a newer Flink"
            )
