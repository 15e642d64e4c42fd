"""YAML parsing for the catalog, the questionnaire, presets and defaults files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from msf_scaffold.errors import UserError

#: libyaml's C loader when PyYAML was built with it (several times faster), else the Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def load_yaml(text: str) -> Any:
    """Parses YAML text with a safe loader."""
    return yaml.load(text, Loader=_LOADER)


def load_mapping_file(path: Path, what: str, shape: str) -> dict[str, Any]:
    """Reads a YAML file that must hold a mapping; an empty file is an empty mapping.

    ``what`` names the file in messages (``--answers-file x.yml``) and ``shape`` says what the
    mapping holds, so every message names the file and the fix.
    """
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"{what} cannot be read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise UserError(
            f"{what} is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8"
        ) from None
    except YAMLError as error:
        raise UserError(f"{what} is not valid YAML: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UserError(f"{what} must be a YAML mapping of {shape}")
    return {str(key): value for key, value in loaded.items()}
