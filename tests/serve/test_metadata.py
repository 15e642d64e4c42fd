"""/metadata against the questionnaire and the catalog."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, Role
from msf_scaffold.matrix import connector_support, line_summaries
from msf_scaffold.presets import load_presets
from msf_scaffold.questions import question_names
from tests.helpers import ROOT
from tests.questionnaire import Questionnaire
from tests.serve.conftest import ALLOWED_EXPERIENCE, Server


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    status, body = server.json("/metadata")
    assert status == 200
    return dict(body)


def evaluate(node: Any, values: dict[str, Any]) -> Any:
    """The page's evaluation of a `when` tree (app.js), in Python."""
    if isinstance(node, bool):
        return node
    if "var" in node:
        return values[node["var"]]
    if "const" in node:
        return node["const"]
    args = [evaluate(arg, values) for arg in node["args"]]
    operations: dict[str, Callable[[], Any]] = {
        "eq": lambda: args[0] == args[1],
        "ne": lambda: args[0] != args[1],
        "in": lambda: args[0] in args[1],
        "notin": lambda: args[0] not in args[1],
        "and": lambda: bool(args[0]) and bool(args[1]),
        "or": lambda: bool(args[0]) or bool(args[1]),
        "not": lambda: not args[0],
    }
    return operations[node["op"]]()


def test_versions_are_the_catalogs(document: dict[str, Any], catalog: Catalog) -> None:
    expected = {
        "lines": [asdict(summary) for summary in line_summaries(catalog)],
        "connectors": [asdict(support) for support in connector_support(catalog)],
    }
    assert document["versions"] == json.loads(json.dumps(expected))  # as `msf-scaffold versions --json`
    assert [line["line"] for line in document["lines"]] == list(catalog.flink.lines)
    assert list(document["apis"]) == list(catalog.apis.apis)
    assert [preset["name"] for preset in document["presets"]] == list(load_presets())


def test_questions_defaults_and_allowed(document: dict[str, Any], catalog: Catalog) -> None:
    assert [q["name"] for q in document["questions"]] == question_names(ROOT)
    defaults = Questionnaire(ROOT, "_").defaults()
    assert document["defaults"] == defaults
    assert {q["name"]: q["default"] for q in document["questions"]} == defaults
    assert defaults["flink_version"] == catalog.flink.default_line
    assert document["allowed"] == {"experience": ALLOWED_EXPERIENCE}
    assert all(q["help"] and "{{" not in q["help"] for q in document["questions"])


def test_choices_per_line_and_api_are_what_the_catalog_offers(
    document: dict[str, Any], catalog: Catalog
) -> None:
    by_name = {q["name"]: q for q in document["questions"]}
    roles: tuple[tuple[Role, str], ...] = (("source", "source"), ("sink", "sinks"))
    for role, question in roles:
        for line, api in itertools.product(catalog.flink.lines, catalog.apis.apis):
            choices = by_name[question]["choices_by_line"][line][api]
            offered = [choice["value"] for choice in choices if choice["refused"] is None]
            assert offered == catalog.offered(role, line, api), (question, line, api)
    assert [c["value"] for c in by_name["flink_version"]["choices"]] == list(catalog.flink.lines)


def test_when_trees_ask_what_copier_asks(document: dict[str, Any], catalog: Catalog) -> None:
    questionnaire = Questionnaire(ROOT, "_")
    sources = catalog.offered("source", catalog.flink.default_line)
    sinks = catalog.offered("sink", catalog.flink.default_line)
    for source, sink_set, iac in itertools.product(sources, [[s] for s in sinks] + [sinks], ["none", "cdk"]):
        answers = {**questionnaire.defaults(), "source": source, "sinks": sink_set, "iac": iac}
        for question in document["questions"]:
            expected = questionnaire.asked(question["name"], answers)
            assert evaluate(question["when"], answers) == expected, (question["name"], answers)


def test_the_form_shows_what_copier_prompts_at_each_experience_level(document: dict[str, Any]) -> None:
    questionnaire = Questionnaire(ROOT, "_")
    levels = [
        choice["value"] for q in document["questions"] if q["name"] == "experience" for choice in q["choices"]
    ]
    assert len(levels) == 3
    shown_at: dict[str, int] = {}
    for level, iac in itertools.product(levels, ["none", "cdk"]):
        answers = {
            **questionnaire.defaults(),
            "experience": level,
            "source": "kafka",
            "sinks": ["kafka"],
            "iac": iac,
        }
        shown = [
            q["name"]
            for q in document["questions"]
            if evaluate(q["when"], answers) and evaluate(q["ask"], answers)
        ]
        assert shown == [q for q in question_names(ROOT) if questionnaire.prompted(q, answers)], (level, iac)
        shown_at[level] = max(shown_at.get(level, 0), len(shown))
    # A newcomer to Flink sees the fewest questions, an experienced user the most.
    assert shown_at["new_to_flink"] < shown_at["new_to_msf"] < shown_at["experienced"]
