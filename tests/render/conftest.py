"""The render tier's shared fixture: a covering set of projects (docs/testing.md), rendered once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.properties import PropertyGroupSpec, property_groups
from tests.covering import Scenario, covering_set
from tests.helpers import answers_file, build_wheel
from tests.matrix_docs import RENDER_LEAVES_OUT, RENDER_STRENGTH

SCENARIOS = covering_set(load_catalog(), strength=RENDER_STRENGTH, leave_out=RENDER_LEAVES_OUT)

#: (project, Flink line, source, sinks, connector options)
Rendered = tuple[Path, str, str, tuple[str, ...], dict[str, dict[str, str]]]
_RENDERED: dict[str, Path] = {}


@pytest.fixture(params=SCENARIOS, ids=[s.label for s in SCENARIOS])
def rendered(request: pytest.FixtureRequest, copie_session: Any) -> Rendered:
    """Each scenario is rendered once per test session (pytest-copie) and shared by the tests."""
    scenario: Scenario = request.param
    if scenario.id not in _RENDERED:
        result = copie_session.copy(extra_answers=scenario.answers())
        assert result.exit_code == 0, result.exception
        _RENDERED[scenario.id] = result.project_dir
    return _RENDERED[scenario.id], scenario.line, scenario.source, scenario.sinks, scenario.options


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """msf-scaffold's wheel, built from the working tree once per test session (and worker)."""
    return build_wheel(tmp_path_factory.mktemp("dist"))


def project_property_groups(rendered: Rendered, catalog: Catalog) -> list[PropertyGroupSpec]:
    """The property groups the catalog gives the rendered project (the Python twin's answer)."""
    project, _, source, sinks, options = rendered
    answers = answers_file(project)
    return property_groups(
        catalog,
        source,
        sinks,
        aws_region=answers["aws_region"],
        artifact_id=answers["artifact_id"],
        options=options,
        api=answers["api"],
    )
