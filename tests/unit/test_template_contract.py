"""The template's contract with the catalog: questions are well formed, and every connector's files
exist while no connector file exists without a catalog entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from msf_scaffold.catalog import Catalog
from msf_scaffold.questions import question_names
from tests.helpers import ROOT

QUESTION_KEYS = {
    "type",
    "help",
    "choices",
    "default",
    "validator",
    "multiselect",
    "when",
    "secret",
    "placeholder",
    "qmark",
    "multiline",
    "ask",
}


def _questions() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "copier/questions.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_question_has_help_a_default_and_known_keys_only() -> None:
    # copier silently ignores unknown keys (a `validate:` typo would disable validation).
    for name, question in _questions().items():
        assert set(question) <= QUESTION_KEYS, (name, set(question) - QUESTION_KEYS)
        assert question.get("help"), name
        assert "default" in question, name
        assert question.get("type") in {"str", "bool", "int", "yaml"}, name


def test_free_text_questions_have_validators() -> None:
    for name, question in _questions().items():
        if "choices" not in question and question.get("type") in {"str", "yaml"}:
            assert "validator" in question, name


def test_question_names_are_read_from_the_template() -> None:
    assert question_names(ROOT)[:2] == ["experience", "project_name"]


def test_copier_settings_need_no_trust() -> None:
    text = (ROOT / "copier.yml").read_text()
    for unsafe in ("_tasks", "_migrations", "_jinja_extensions"):
        assert unsafe not in text


def test_every_connector_file_exists_in_the_template(catalog: Catalog) -> None:
    # Main code and the connector's own tests.
    java = ROOT / "template/src"
    present = {p.name.removesuffix(".jinja") for p in java.rglob("*.java.jinja")}
    for connector_id, connector in catalog.connectors.items():
        for role in (connector.source, connector.sink):
            if role is not None:
                for pattern in role.file_patterns():
                    assert Path(pattern).name in present, (connector_id, pattern)


def test_no_source_or_sink_file_lacks_a_catalog_entry(catalog: Catalog) -> None:
    owned = {
        Path(pattern).name
        for connector in catalog.connectors.values()
        for role in (connector.source, connector.sink)
        if role is not None
        for pattern in role.file_patterns()
    }
    java = ROOT / "template/src"
    for folder in ("sources", "sinks"):
        for path in java.rglob(f"{folder}/*.java.jinja"):
            assert path.name.removesuffix(".jinja") in owned, path


def test_core_templates_never_name_a_connector(catalog: Catalog) -> None:
    """Adding a connector must not need edits to the core templates."""
    core = [ROOT / "template/pom.xml.jinja"] + [
        p for p in (ROOT / "template/src").rglob("*.jinja") if p.parent.name not in {"sources", "sinks"}
    ]
    # The infrastructure code reads connectors only through iam_statements and iac_parameters.
    core += sorted((ROOT / "template/infra").rglob("*.jinja"))
    names = {role.factory for c in catalog.connectors.values() for role in (c.source, c.sink) if role}
    for path in core:
        text = path.read_text()
        for name in names:
            assert name not in text, (path, name)
        for connector_id in catalog.connectors:
            assert not re.search(rf"==\s*'{connector_id}'", text), (path, connector_id)


def test_every_api_file_pattern_names_template_files(catalog: Catalog) -> None:
    """An API's `files` (apis.yml) must match files of the template, or a typo keeps code it should drop."""
    template = ROOT / "template"
    files = [
        re.sub(r"\{\{[^}]*\}\}", "pkg", p.relative_to(template).as_posix()).removesuffix(".jinja")
        for p in template.rglob("*")
        if p.is_file()
    ]
    for api_id, api in catalog.apis.apis.items():
        for pattern in api.files:
            regex = re.escape(pattern).replace(r"\*\*", ".+").replace(r"\*", "[^/]+")
            assert any(re.fullmatch(regex, f) for f in files), (api_id, pattern)


def test_conditional_file_names_name_known_apis(catalog: Catalog) -> None:
    """Files that exist once per API are named `{% if api == '<id>' %}<name>{% endif %}.jinja`."""
    conditional: dict[str, set[str]] = {}
    for path in (ROOT / "template").rglob("*.jinja"):
        match = re.fullmatch(r"\{% if api == '(\w+)' %\}(.+)\{% endif %\}\.jinja", path.name)
        if match:
            assert match.group(1) in catalog.apis.apis, path
            conditional.setdefault(match.group(2), set()).add(match.group(1))
    assert conditional == {
        name: set(catalog.apis.apis) for name in ("StreamingJob.java", "StreamingJobIT.java")
    }
