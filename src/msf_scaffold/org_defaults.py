"""Organisation defaults: a platform team's file of default answers and allowed choices.

```yaml
# msf-scaffold organisation defaults
defaults:                 # default answers; people can still change them when asked
  group_id: com.acme.streaming
  aws_region: eu-west-1
  owner: data-platform
allowed:                  # the only choices the organisation supports
  flink_version: ["2.2"]
  source: [kafka, kinesis]
  sinks: [kafka, kinesis]
template: https://git.example.com/platform/msf-scaffold.git   # optional: the template to use
vcs_ref: v0.2.0                                               # optional: its version
template_url: https://git.example.com/mirrors/msf-scaffold.git   # optional: the URL projects record
```

``template_url`` replaces the canonical template URL that projects rendered from msf-scaffold's
own template record for ``copier update`` (for a mirror of the public repository); the
``MSF_SCAFFOLD_TEMPLATE_URL`` environment variable overrides both.

The CLI reads it from ``--org-defaults FILE`` or the ``MSF_SCAFFOLD_ORG_DEFAULTS`` environment
variable. Defaults become copier's ``user_defaults`` (validated by the questionnaire like any
answer); ``allowed`` is checked against the final answers before the project is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.errors import UserError
from msf_scaffold.questions import did_you_mean
from msf_scaffold.yaml_files import load_mapping_file

ORG_DEFAULTS_ENV = "MSF_SCAFFOLD_ORG_DEFAULTS"
_KEYS = {"defaults", "allowed", "template", "vcs_ref", "template_url"}


@dataclass(frozen=True)
class OrgDefaults:
    """A loaded, checked organisation defaults file."""

    path: Path
    defaults: dict[str, Any] = field(default_factory=dict)
    allowed: dict[str, list[str]] = field(default_factory=dict)
    template: str | None = None
    vcs_ref: str | None = None
    template_url: str | None = None

    def check(self, answers: Mapping[str, Any]) -> None:
        """Raises UserError when ``answers`` use a choice the organisation does not allow."""
        for question, allowed in self.allowed.items():
            value = answers.get(question)
            values = value if isinstance(value, list) else [value]
            refused = [str(v) for v in values if v is not None and str(v) not in allowed]
            if refused:
                raise UserError(
                    f"{question} {', '.join(refused)} is not allowed by the organisation defaults in "
                    f"{self.path}; choose from: {', '.join(allowed)}. Nothing was written."
                )


def allowed_choices(catalog: Catalog) -> dict[str, set[str]]:
    """The questions an organisation may restrict, with every value the catalog offers."""
    return {
        "flink_version": set(catalog.flink.lines),
        "api": set(catalog.apis.apis),
        "source": {c for c, connector in catalog.connectors.items() if connector.source},
        "sinks": {c for c, connector in catalog.connectors.items() if connector.sink},
        "experience": {"new_to_flink", "new_to_msf", "experienced"},
    }


def load_org_defaults(path: Path | None, questions: list[str]) -> OrgDefaults | None:
    """Reads ``path`` (or the file named by the environment variable); None when neither is set.

    Raises:
        UserError: naming the file, the key and the fix for anything malformed.
    """
    if path is None:
        from_env = os.environ.get(ORG_DEFAULTS_ENV)
        if not from_env:
            return None
        path = Path(from_env)
    document = _read_document(path)
    defaults = _mapping(path, document, "defaults")
    unknown_questions = sorted(set(defaults) - set(questions))
    if unknown_questions:
        raise UserError(
            f"organisation defaults {path}: defaults.{unknown_questions[0]} is not a question"
            f"{did_you_mean(unknown_questions[0], questions)}; "
            f"the questions are: {', '.join(questions)}"
        )
    result = OrgDefaults(
        path=path,
        defaults=defaults,
        allowed=_allowed(path, _mapping(path, document, "allowed")),
        template=_optional_text(path, document, "template"),
        vcs_ref=_optional_text(path, document, "vcs_ref"),
        template_url=_optional_text(path, document, "template_url"),
    )
    try:
        result.check(defaults)
    except UserError:
        raise UserError(
            f"organisation defaults {path}: the defaults use a choice that allowed forbids; make them agree"
        ) from None
    return result


def _read_document(path: Path) -> dict[str, Any]:
    document = load_mapping_file(
        path, f"organisation defaults {path}", f"the keys {', '.join(sorted(_KEYS))}"
    )
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise UserError(
            f"organisation defaults {path}: unknown key {', '.join(unknown)}; the keys are "
            f"{', '.join(sorted(_KEYS))}"
        )
    return document


def _allowed(path: Path, allowed_raw: dict[str, Any]) -> dict[str, list[str]]:
    offered = allowed_choices(load_catalog())
    allowed: dict[str, list[str]] = {}
    for question, values in allowed_raw.items():
        if question not in offered:
            raise UserError(
                f"organisation defaults {path}: allowed.{question} cannot be restricted; restrict "
                f"{', '.join(sorted(offered))}"
            )
        if not isinstance(values, list) or not values:
            raise UserError(f"organisation defaults {path}: allowed.{question} must be a non-empty list")
        unknown_values = [str(v) for v in values if str(v) not in offered[question]]
        if unknown_values:
            raise UserError(
                f"organisation defaults {path}: allowed.{question} has {', '.join(unknown_values)}, which "
                f"msf-scaffold does not offer; use values from: {', '.join(sorted(offered[question]))}"
            )
        allowed[question] = [str(v) for v in values]
    return allowed


def _mapping(path: Path, document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key) or {}
    if not isinstance(value, dict):
        raise UserError(f"organisation defaults {path}: {key} must be a mapping of question: value")
    return {str(k): v for k, v in value.items()}


def _optional_text(path: Path, document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise UserError(f"organisation defaults {path}: {key} must be a string")
    return value
