"""The render tier's shared fixture: every combination the questionnaire allows, rendered once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import load_catalog
from tests.helpers import answers_for

COMBINATIONS = list(load_catalog().valid_combinations())


def _id(combination: tuple[str, str, tuple[str, ...]]) -> str:
    line, source, sinks = combination
    return f"{line}-{source}-to-{'+'.join(sinks)}"


_RENDERED: dict[tuple[str, str, tuple[str, ...]], Path] = {}


@pytest.fixture(params=COMBINATIONS, ids=[_id(c) for c in COMBINATIONS])
def rendered(request: pytest.FixtureRequest, copie_session: Any) -> tuple[Path, str, str, tuple[str, ...]]:
    """Each combination is rendered once per test session (pytest-copie) and shared by the tests."""
    line, source, sinks = request.param
    if request.param not in _RENDERED:
        result = copie_session.copy(extra_answers=answers_for(line, source, sinks))
        assert result.exit_code == 0, result.exception
        _RENDERED[request.param] = result.project_dir
    return _RENDERED[request.param], line, source, sinks
