"""The questionnaire as copier defines it, read for argument checks (never redefined here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from msf_scaffold.errors import CatalogError
from msf_scaffold.yaml_files import YAMLError, load_yaml


def question_names(template_root: Path) -> list[str]:
    """Names of the questions a user may answer, in the order copier asks them."""
    path = template_root / "copier" / "questions.yml"
    try:
        document: Any = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise CatalogError(f"cannot read the questionnaire {path}: {error}") from error
    if not isinstance(document, dict):
        raise CatalogError(f"{path} must be a mapping of questions")
    return [name for name in document if not name.startswith("_")]
