"""``GET /metadata``: the questionnaire, its choices per Flink line and API, defaults and versions.

Everything is read from copier/questions.yml and the catalog, rendered with the template's own
Jinja as copier renders it (``msf_scaffold.docs`` does the same for docs/options.md), so the form
offers what ``msf-scaffold new`` offers. A question's ``when`` is given as a small expression tree
(``var``, ``const``, ``eq``, ``ne``, ``in``, ``notin``, ``and``, ``or``, ``not``) that the page
evaluates on the answers.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import PurePath
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes

from msf_scaffold._version import __version__
from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.copier_jinja import copier_environment
from msf_scaffold.docs import template_context
from msf_scaffold.errors import CatalogError
from msf_scaffold.matrix import connector_support, line_summaries
from msf_scaffold.org_defaults import OrgDefaults
from msf_scaffold.presets import load_presets
from msf_scaffold.questions import questions
from msf_scaffold.template_source import bundled_template, package_checkout
from msf_scaffold.yaml_files import load_yaml

#: The folder name the service renders into (see render.py): it names no project.
_DESTINATION = PurePath("_")


def metadata(org: OrgDefaults | None = None, catalog: Catalog | None = None) -> dict[str, Any]:
    """The metadata document; ``org`` replaces defaults and lists the allowed choices."""
    root = package_checkout() or bundled_template()
    catalog = catalog or load_catalog()
    specs = questions(root)
    env = copier_environment(root)
    context = template_context(root)
    context["_copier_conf"] = {"dst_path": _DESTINATION}
    defaults = _defaults(env, specs, context, org)
    placeholders = {name: f"<{name}>" for name in specs}
    documented = []
    for name, spec in specs.items():
        help_text = str(spec.get("help", ""))
        if "{{" in help_text:
            help_text = env.from_string(help_text).render(**context, **placeholders)
        entry: dict[str, Any] = {
            "name": name,
            "type": "list" if spec.get("multiselect") else str(spec.get("type", "str")),
            "help": " ".join(help_text.split()),
            "default": defaults[name],
            "derived_from": _derived_from(env, spec, context, specs),
            "validated": "validator" in spec,
            "when": _when(env, spec.get("when")),
            # The experience level's part: a question not asked keeps its default (copier's `ask`).
            "ask": _when(env, spec.get("ask")),
        }
        if "choices" in spec:
            entry.update(_choices(env, spec["choices"], context, defaults, catalog))
        documented.append(entry)
    return {
        "version": __version__,
        "questions": documented,
        "defaults": defaults,
        "allowed": dict(org.allowed) if org else {},
        "lines": [asdict(summary) for summary in line_summaries(catalog)],
        "apis": {
            api_id: {"label": api.label, "summary": api.summary} for api_id, api in catalog.apis.apis.items()
        },
        "versions": {
            "lines": [asdict(summary) for summary in line_summaries(catalog)],
            "connectors": [asdict(support) for support in connector_support(catalog)],
        },
        "presets": [
            {"name": item.name, "description": item.description, "answers": item.answers}
            for item in load_presets().values()
        ],
    }


def _defaults(
    env: jinja2.Environment,
    specs: dict[str, dict[str, Any]],
    context: dict[str, Any],
    org: OrgDefaults | None,
) -> dict[str, Any]:
    """Every question's default in question order, as copier computes it (organisation defaults first)."""
    answers: dict[str, Any] = {}
    org_defaults = org.defaults if org else {}
    for name, spec in specs.items():
        value = org_defaults.get(name, spec.get("default"))
        if isinstance(value, str) and "{{" in value:
            value = env.from_string(value).render(**context, **answers)
        if (spec.get("multiselect") or spec.get("type") == "yaml") and isinstance(value, str):
            value = load_yaml(value)
        elif spec.get("type") == "bool" and isinstance(value, str):  # a default read from the catalog
            value = value.strip().lower() in {"true", "yes", "y", "on", "1"}
        elif spec.get("type") == "int" and isinstance(value, str):
            value = int(value)
        answers[name] = value
    return answers


def _derived_from(
    env: jinja2.Environment, spec: dict[str, Any], context: dict[str, Any], specs: dict[str, Any]
) -> list[str]:
    """The answers a question's default reads (its default follows them), in question order."""
    default = spec.get("default")
    if not isinstance(default, str) or "{{" not in default:
        return []
    read = jinja2.meta.find_undeclared_variables(env.parse(default))
    return [name for name in specs if name in read]


def _when(env: jinja2.Environment, when: Any) -> Any:
    """A question's ``when`` as an expression tree (True when it is always asked)."""
    if when is None or isinstance(when, bool):
        return True if when is None else when
    body = env.parse(str(when)).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output) or len(body[0].nodes) != 1:
        raise CatalogError(f"when {when!r} must be a single {{{{ expression }}}}")
    return _expression(body[0].nodes[0], str(when))


_OPERATORS = {"eq": "eq", "ne": "ne", "in": "in", "notin": "notin"}


def _expression(node: nodes.Node, text: str) -> Any:
    if isinstance(node, nodes.Name):
        return {"var": node.name}
    if isinstance(node, nodes.Const):
        return {"const": node.value}
    if isinstance(node, (nodes.And, nodes.Or)):
        kind = "and" if isinstance(node, nodes.And) else "or"
        return {"op": kind, "args": [_expression(node.left, text), _expression(node.right, text)]}
    if isinstance(node, nodes.Not):
        return {"op": "not", "args": [_expression(node.node, text)]}
    if isinstance(node, nodes.Compare) and len(node.ops) == 1 and node.ops[0].op in _OPERATORS:
        operand = node.ops[0]
        return {
            "op": _OPERATORS[operand.op],
            "args": [_expression(node.expr, text), _expression(operand.expr, text)],
        }
    raise CatalogError(
        f"when {text!r} uses {type(node).__name__}; the web form evaluates names, constants, ==, !=, "
        "in, not in, and, or, not"
    )


def _choice_list(env: jinja2.Environment, spec: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    """(value, label, refused: the reason copier refuses it, or None) of each choice."""
    if isinstance(spec, str):
        spec = load_yaml(env.from_string(spec).render(**values))
    result = []
    for label, value in (spec or {}).items():
        if isinstance(value, dict):
            refused = str(value.get("validator") or "").strip() or None
            result.append({"value": str(value["value"]), "label": str(label), "refused": refused})
        else:
            result.append({"value": str(value), "label": str(label), "refused": None})
    return result


def _choices(
    env: jinja2.Environment, spec: Any, context: dict[str, Any], defaults: dict[str, Any], catalog: Catalog
) -> dict[str, Any]:
    """``choices``, or ``choices_by_line`` (line -> API -> choices) when they depend on the line."""
    if isinstance(spec, str) and "flink_version" in spec:
        return {
            "choices_by_line": {
                line: {
                    api: _choice_list(env, spec, {**context, **defaults, "flink_version": line, "api": api})
                    for api in catalog.apis.apis
                }
                for line in catalog.flink.lines
            }
        }
    return {"choices": _choice_list(env, spec, {**context, **defaults})}
