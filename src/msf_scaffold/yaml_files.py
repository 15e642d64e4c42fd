"""YAML parsing for the catalog, the questionnaire, presets and defaults files."""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's C loader when PyYAML was built with it (several times faster), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def load_yaml(text: str) -> Any:
    """Parses YAML text with a safe loader."""
    return yaml.load(text, Loader=_LOADER)
