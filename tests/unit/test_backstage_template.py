"""backstage/template.yaml: fresh, valid for Backstage, and the questionnaire's questions and choices.

The template is validated with Backstage's own JSON schemas: Template v1beta3 from the npm package
@backstage/plugin-scaffolder-common and the entity schemas it refers to (Entity, EntityMeta,
common, and the EntityEnvelope every entity passes first) from @backstage/catalog-model. The
packages are downloaded from the npm registry at the pinned versions, checked against the
registry's sha512 integrity, and their schema modules are evaluated with Node (the packages ship the
schemas as JavaScript modules); the result is cached in .tools/backstage-schemas.

The form is checked as a JSON Schema too: for every Flink line and API its rules offer exactly the
catalog's sources and sinks, and a connector's options appear exactly when copier asks them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import itertools
import json
import shutil
import subprocess
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT7

from msf_scaffold.backstage_template import (
    ACTION,
    PER_LINE,
    _paragraphs,
    build_template,
    main,
    render_template,
)
from msf_scaffold.catalog import Catalog
from msf_scaffold.errors import UserError
from msf_scaffold.org_defaults import load_org_defaults
from msf_scaffold.questions import questions
from tests.helpers import ROOT

TEMPLATE_FILE = ROOT / "backstage" / "template.yaml"
REGISTRY = "https://registry.npmjs.org"
#: npm package -> (version, its dist.integrity (`npm view <package>@<version> dist.integrity`),
#: the schema modules).
PACKAGES = {
    "@backstage/plugin-scaffolder-common": (
        "2.4.0",
        "sha512-mPGoQEGZqVOJhRt8TGrwXU69ZW6fDfPwMZ1jIW64XwXOpZuTq4jfgHA86ia7d8Sz8PNjCm5ivZ+30ePjinkohg==",
        ["dist/Template.v1beta3.schema.json.cjs.js"],
    ),
    "@backstage/catalog-model": (
        "1.10.3",
        "sha512-RynNd3YiIrQ4QCB/aA05zmykaVKOduwTlOh6RjUuGJ0+SulrzIwI1SVoR/N4oM0HrFL1FY1XBT0ZOEVFQ1xPgg==",
        [
            "dist/schema/EntityEnvelope.schema.json.cjs.js",
            "dist/schema/Entity.schema.json.cjs.js",
            "dist/schema/EntityMeta.schema.json.cjs.js",
            "dist/schema/shared/common.schema.json.cjs.js",
        ],
    ),
}
CACHE = ROOT / ".tools" / "backstage-schemas"


def _download(package: str, version: str, integrity: str) -> bytes:
    url = f"{REGISTRY}/{package}/-/{package.split('/')[1]}-{version}.tgz"
    request = urllib.request.Request(url, headers={"User-Agent": "msf-scaffold-tests"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            data: bytes = response.read()
    except OSError as error:
        pytest.fail(f"cannot download {url} ({error}): the schema test needs the npm registry")
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    assert digest == integrity, f"{url} does not have the pinned integrity {integrity}"
    return data


def _evaluate(module: Path) -> Any:
    """The schema a package's JavaScript module exports, evaluated with Node."""
    node = shutil.which("node")
    assert node, "the Backstage schema test needs Node.js (node) to read the schemas npm ships"
    script = "process.stdout.write(JSON.stringify(require(process.argv[1]).default))"
    result = subprocess.run([node, "-e", script, str(module)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def _schemas() -> dict[str, Any]:
    """Every pinned schema by its $id, downloaded once and cached."""
    result: dict[str, Any] = {}
    for package, (version, integrity, modules) in PACKAGES.items():
        directory = CACHE / f"{package.replace('/', '+')}-{version}"
        if not all((directory / Path(m).name).with_suffix(".json").is_file() for m in modules):
            archive = _download(package, version, integrity)
            unpacked = directory / "package"
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                for module in modules:
                    member = tar.extractfile(f"package/{module}")
                    assert member is not None, f"{package} {version} has no {module}"
                    (unpacked / module).parent.mkdir(parents=True, exist_ok=True)
                    (unpacked / module).write_bytes(member.read())
            for module in modules:
                schema = _evaluate(unpacked / module)
                (directory / Path(module).name).with_suffix(".json").write_text(json.dumps(schema), "utf-8")
        for module in modules:
            schema = json.loads((directory / Path(module).name).with_suffix(".json").read_text("utf-8"))
            result[schema["$id"]] = schema
    return result


@pytest.fixture(scope="module")
def backstage_schemas() -> dict[str, Any]:
    return _schemas()


def _errors(entity: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    """What Backstage's schemas refuse in ``entity``: the envelope first, then the Template kind."""
    registry: Registry[Any] = Registry().with_resources(
        (schema_id, DRAFT7.create_resource(schema)) for schema_id, schema in schemas.items()
    )
    found = []
    for schema_id in ("EntityEnvelope", "TemplateV1beta3"):
        validator = jsonschema.Draft7Validator(schemas[schema_id], registry=registry)
        found += [
            f"{schema_id}: {'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(entity)
        ]
    return found


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE_FILE.read_text(encoding="utf-8"))
    return loaded


def _pipeline(template: dict[str, Any]) -> dict[str, Any]:
    page: dict[str, Any] = next(
        p for p in template["spec"]["parameters"] if "flink_version" in p["properties"]
    )
    return page


def _fields_for(page: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The page's properties as the form shows them for ``answers``: the rules whose if holds merged in."""
    fields: dict[str, Any] = copy.deepcopy(page["properties"])
    for rule in page.get("allOf", []):
        if jsonschema.Draft7Validator(rule["if"]).is_valid(answers):
            for name, extra in rule["then"]["properties"].items():
                field = fields.setdefault(name, {})
                items = {**field.get("items", {}), **extra.get("items", {})}
                field.update(extra)
                if items:
                    field["items"] = items
    return fields


def test_checked_in_template_is_up_to_date() -> None:
    assert TEMPLATE_FILE.read_text(encoding="utf-8") == render_template(ROOT), (
        "backstage/template.yaml is stale: run `make docs`"
    )


def test_template_passes_backstages_schemas(
    template: dict[str, Any], backstage_schemas: dict[str, Any]
) -> None:
    assert _errors(template, backstage_schemas) == []
    for page in template["spec"]["parameters"]:
        jsonschema.Draft7Validator.check_schema(page)


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda t: t.update(apiVersion="scaffolder.backstage.io/v1beta2"), "apiVersion"),
        (lambda t: t.update(kind="Component"), "kind"),
        (lambda t: t["spec"].pop("steps"), "'steps' is a required property"),
        (lambda t: t["spec"].pop("type"), "'type' is a required property"),
        (lambda t: t["metadata"].pop("name"), "'name' is a required property"),
        (lambda t: t["spec"]["steps"][0].pop("action"), "'action' is a required property"),
        (lambda t: t["spec"].update(parameters="form"), "parameters"),
    ],
)
def test_backstages_schemas_refuse_a_broken_template(
    template: dict[str, Any], backstage_schemas: dict[str, Any], break_it: Any, expected: str
) -> None:
    broken = copy.deepcopy(template)
    break_it(broken)
    errors = _errors(broken, backstage_schemas)
    assert any(expected in error for error in errors), errors


def test_every_question_is_asked_with_its_help(template: dict[str, Any]) -> None:
    pages = template["spec"]["parameters"]
    asked: dict[str, dict[str, Any]] = {}
    for page in pages:
        asked.update(page["properties"])
        for rule in page.get("allOf", []):
            asked.update({k: v for k, v in rule["then"]["properties"].items() if k not in PER_LINE})
    spec = questions(ROOT)
    assert set(spec) <= set(asked)
    for name in spec:
        assert asked[name]["description"].strip(), name
        assert "{{" not in asked[name]["description"], name
        # One paragraph: the help's lines (wrapped for the terminal) joined, its words unchanged.
        assert "\n" not in asked[name]["description"], name
        words = str(spec[name]["help"]).split()
        if "catalog_" not in spec[name]["help"]:  # rendered from the catalog: other words
            assert asked[name]["description"].split()[: len(words)] == words, name
    values = template["spec"]["steps"][0]["input"]["values"]
    assert template["spec"]["steps"][0]["action"] == ACTION
    assert values == {name: f"${{{{ parameters.{name} }}}}" for name in spec}


def test_a_help_becomes_one_paragraph_per_paragraph() -> None:
    wrapped = "First line of a help\n  wrapped at 76 columns.\n\n\nA second\nparagraph.\n"
    assert _paragraphs(wrapped) == "First line of a help wrapped at 76 columns.\n\nA second paragraph."


def test_sources_and_sinks_follow_the_flink_line_and_api(template: dict[str, Any], catalog: Catalog) -> None:
    page = _pipeline(template)
    validator = jsonschema.Draft7Validator(page)
    for line, api in itertools.product(catalog.flink.lines, catalog.apis.apis):
        answers = {"flink_version": line, "api": api}
        fields = _fields_for(page, answers)
        sources, sinks = catalog.offered("source", line, api), catalog.offered("sink", line, api)
        assert set(fields["source"]["enum"]) == set(sources), (line, api)
        assert set(fields["sinks"]["items"]["enum"]) == set(sinks), (line, api)
        assert len(fields["source"]["enumNames"]) == len(sources)
        assert len(fields["sinks"]["items"]["enumNames"]) == len(sinks)
        for connector_id, connector in catalog.connectors.items():
            if connector.source is not None:
                chosen = {**answers, "source": connector_id, "sinks": [sinks[0]]}
                assert validator.is_valid(chosen) == (connector_id in sources), (line, api, connector_id)
            if connector.sink is not None:
                chosen = {**answers, "source": sources[0], "sinks": [connector_id]}
                assert validator.is_valid(chosen) == (connector_id in sinks), (line, api, connector_id)


def test_choices_and_defaults_are_the_questionnaires(template: dict[str, Any], catalog: Catalog) -> None:
    fields: dict[str, dict[str, Any]] = {}
    for page in template["spec"]["parameters"]:
        fields.update(page["properties"])
        for rule in page.get("allOf", []):
            fields.update({k: v for k, v in rule["then"]["properties"].items() if k not in PER_LINE})
    assert fields["flink_version"]["enum"] == list(catalog.flink.lines)
    assert fields["flink_version"]["default"] == catalog.flink.default_line
    assert fields["api"]["enum"] == list(catalog.apis.apis)
    assert fields["api"]["default"] == catalog.apis.default_api
    assert fields["iac"]["enum"] == list(catalog.iac.flavours)
    assert fields["iac"]["default"] == catalog.iac.default
    for connector_id, option_name, option in catalog.all_options():
        name = f"{connector_id}_{option_name}"
        if name not in fields:
            continue  # an option the questionnaire does not ask
        if option.choices:
            assert fields[name]["enum"] == list(option.choices), name
            assert len(fields[name]["enumNames"]) == len(option.choices), name
            assert fields[name]["default"] == option.default, name
        elif "{artifact_id}" in str(option.default):
            assert "default" not in fields[name], f"{name} is derived from artifact_id"
    for name, spec in questions(ROOT).items():
        default = spec.get("default")
        if isinstance(default, str) and "{{" in default:
            continue
        expected = (
            yaml.safe_load(str(default)) if spec.get("multiselect") or spec.get("type") == "yaml" else default
        )
        assert fields[name]["default"] == expected, name
        if isinstance(spec.get("choices"), dict):
            assert fields[name]["enum"] == list(spec["choices"].values()), name
            assert fields[name]["enumNames"] == list(spec["choices"]), name


def test_options_appear_exactly_when_copier_asks_them(template: dict[str, Any], catalog: Catalog) -> None:
    spec = questions(ROOT)
    conditional = {name: str(q["when"]) for name, q in spec.items() if "when" in q}
    sources = [c for c, connector in catalog.connectors.items() if connector.source]
    sink_sets = [[c] for c, connector in catalog.connectors.items() if connector.sink]
    iac = [*catalog.iac.flavours]
    pages = template["spec"]["parameters"]
    env = jinja2.Environment()
    for source, sinks, reader, flavour in itertools.product(sources, sink_sets, ["POLLING", "EFO"], iac):
        answers = {"source": source, "sinks": sinks, "kinesis_reader": reader, "iac": flavour}
        shown: set[str] = set()
        for page in pages:
            shown |= set(_fields_for(page, answers))
        for name, when in conditional.items():
            asked = env.from_string(when).render(**answers) == "True"
            assert (name in shown) == asked, (name, answers)


def test_org_defaults_set_the_defaults_and_restrict_the_choices(tmp_path: Path, catalog: Catalog) -> None:
    line = catalog.flink.default_line
    source, sink = catalog.offered("source", line)[:2]
    org_file = tmp_path / "acme.yml"
    org_file.write_text(
        yaml.safe_dump(
            {
                "defaults": {"owner": "data-platform", "aws_region": "eu-west-1", "sinks": [sink]},
                "allowed": {"flink_version": [line], "source": [source, sink], "sinks": [sink]},
            }
        ),
        encoding="utf-8",
    )
    org = load_org_defaults(org_file, list(questions(ROOT)))
    built = build_template(ROOT, catalog, org)
    page = _pipeline(built)
    assert page["properties"]["flink_version"]["enum"] == [line]
    assert page["properties"]["sinks"]["default"] == [sink]
    fields = _fields_for(page, {"flink_version": line, "api": catalog.apis.default_api})
    assert set(fields["source"]["enum"]) == {source, sink} & set(catalog.offered("source", line))
    assert fields["sinks"]["items"]["enum"] == [sink]
    assert built["spec"]["owner"] == "data-platform"
    deployment = next(p for p in built["spec"]["parameters"] if "aws_region" in p["properties"])
    assert deployment["properties"]["aws_region"]["default"] == "eu-west-1"


def test_org_defaults_that_leave_no_source_are_refused(tmp_path: Path, catalog: Catalog, capsys: Any) -> None:
    line, source = next(
        (line, c)
        for line in catalog.flink.lines
        for c, connector in catalog.connectors.items()
        if connector.source and c not in catalog.offered("source", line)
    )
    org_file = tmp_path / "acme.yml"
    org_file.write_text(yaml.safe_dump({"allowed": {"flink_version": [line], "source": [source]}}), "utf-8")
    org = load_org_defaults(org_file, list(questions(ROOT)))
    with pytest.raises(UserError, match="allow no source and sink"):
        build_template(ROOT, catalog, org)
    assert main(["--org-defaults", str(org_file)]) == UserError.exit_code
    captured = capsys.readouterr()
    assert "allow no source and sink" in captured.err
    assert captured.out == ""
