"""The template's Jinja as copier renders it, for Python that evaluates it outside a copier run.

The summary of `msf-scaffold new`, the web service's metadata, the generated docs and the tests
render questions, defaults and macros of this template themselves. Each builds its environment here:
with copier.yml's ``_envops`` (read from the file, so that a change there reaches every renderer) and
the filters copier gives every template (jinja2-ansible-filters), so that each renders what copier
would.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

#: The Jinja extension copier loads for every template: Ansible's core filters (``to_json``,
#: ``regex_replace``, ``b64encode``, ...).
COPIER_EXTENSIONS = ("jinja2_ansible_filters.AnsibleCoreFiltersExtension",)


class _Loader(yaml.SafeLoader):
    """Reads copier.yml without following its ``!include`` lines (the catalog and the questions)."""


_Loader.add_constructor("!include", lambda loader, node: None)


@cache
def envops(template_root: Path) -> dict[str, Any]:
    """copier.yml's ``_envops``: the Jinja settings copier renders this template with."""
    text = (template_root / "copier.yml").read_text(encoding="utf-8")
    for document in yaml.load_all(text, Loader=_Loader):
        if isinstance(document, dict) and "_envops" in document:
            return dict(document["_envops"])
    raise ValueError(f"{template_root / 'copier.yml'} has no _envops")


def copier_environment(template_root: Path, *, loader: bool = True) -> jinja2.Environment:
    """A Jinja environment configured as copier configures it for this template.

    With ``loader``, templates load by their path relative to the template's root, as copier loads
    the macros that questions import (``{% from 'copier/escape.jinja' import ... %}``).
    """
    settings = envops(template_root)
    undefined = (
        jinja2.StrictUndefined if settings.get("undefined") == "jinja2.StrictUndefined" else jinja2.Undefined
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_root) if loader else None,
        extensions=list(COPIER_EXTENSIONS),
        undefined=undefined,
        keep_trailing_newline=bool(settings.get("keep_trailing_newline", False)),
        trim_blocks=bool(settings.get("trim_blocks", False)),
        lstrip_blocks=bool(settings.get("lstrip_blocks", False)),
    )
    # Ansible's to_json is json.dumps with its own encoder, which only differs for Ansible's types.
    env.filters["to_json"] = json.dumps
    return env
