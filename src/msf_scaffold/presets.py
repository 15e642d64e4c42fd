"""Presets: answers for the common pipelines, kept as copier data files in ``presets/``.

A preset is a YAML mapping of question to answer whose first lines are a ``# `` comment that
describes it (wrapped over as many lines as it needs). The CLI applies one with ``--preset NAME``;
plain copier uses the same file with ``copier copy --data-file presets/NAME.yml``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msf_scaffold.errors import CatalogError, UserError
from msf_scaffold.template_source import bundled_template, package_checkout
from msf_scaffold.yaml_files import load_yaml


@dataclass(frozen=True)
class Preset:
    """One preset."""

    name: str
    description: str
    answers: dict[str, Any]


def presets_dir() -> Path:
    """The presets folder of this installation's template."""
    return (package_checkout() or bundled_template()) / "presets"


def load_presets(directory: Path | None = None) -> dict[str, Preset]:
    """Every preset by name, sorted by name."""
    directory = directory or presets_dir()
    result = {}
    for path in sorted(directory.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        comment = list(itertools.takewhile(lambda line: line.startswith("# "), text.splitlines()))
        if not comment:
            raise CatalogError(f"preset {path.name} must start with a '# ' line that describes it")
        answers = load_yaml(text)
        if not isinstance(answers, dict) or not answers:
            raise CatalogError(f"preset {path.name} must be a mapping of question: answer")
        description = " ".join(line[2:].strip() for line in comment)
        result[path.stem] = Preset(path.stem, description, answers)
    return result


def preset(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        UserError: no such preset; the message lists the presets.
    """
    presets = load_presets()
    if name not in presets:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(presets)}")
    return presets[name]
