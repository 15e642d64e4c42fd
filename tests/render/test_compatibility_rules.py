"""Compatibility is data: a connector without a release for a Flink line is refused on that line
with the catalog's reason and the alternative, in the questionnaire and in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.docs import render_options
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from tests.helpers import ROOT

CATALOG = load_catalog()


def _gaps(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(connector, line, reason) for every connector a line does not offer."""
    return [
        (connector_id, line, reason)
        for connector_id in catalog.connectors
        for line in catalog.flink.lines
        if (reason := catalog.unavailable_reason(connector_id, line)) is not None
    ]


def _refusal(catalog: Catalog, connector_id: str, line: str, role: str) -> str:
    connector = catalog.connectors[connector_id]
    lines = " or ".join(catalog.supported_lines(connector_id))
    reason = catalog.unavailable_reason(connector_id, line)
    return (
        f"{connector.label} is not offered on Flink {line}: {reason}; choose Flink {lines} or another {role}."
    )


def test_the_catalog_has_a_gap_to_test() -> None:
    # Flink CDC has no release for the 2.3 line: without a gap the tests below would test nothing.
    assert _gaps(CATALOG)


@pytest.mark.parametrize(("connector_id", "line", "reason"), _gaps(CATALOG))
def test_an_unsupported_choice_is_refused_with_the_reason_and_the_alternative(
    tmp_path: Path, connector_id: str, line: str, reason: str
) -> None:
    connector = CATALOG.connectors[connector_id]
    role = "source" if connector.source is not None else "sink"
    answer = {"source": connector_id} if role == "source" else {"sinks": f"[print, {connector_id}]"}
    with pytest.raises(UserError) as error:
        generate(tmp_path / "app", data={"flink_version": line, **answer}, defaults=True, git=False)
    assert reason in str(error.value)
    assert _refusal(CATALOG, connector_id, line, role) in str(error.value)
    assert not (tmp_path / "app").exists()


def test_the_same_choice_is_accepted_on_a_line_that_supports_it(tmp_path: Path) -> None:
    connector_id, line, _ = _gaps(CATALOG)[0]
    other = next(lin for lin in CATALOG.supported_lines(connector_id) if lin != line)
    result = generate(
        tmp_path / "app", data={"flink_version": other, "source": connector_id}, defaults=True, git=False
    )
    assert (result.destination / "pom.xml").is_file()


def test_the_options_page_says_why() -> None:
    page = render_options(ROOT, CATALOG)
    for connector_id, line, _ in _gaps(CATALOG):
        connector = CATALOG.connectors[connector_id]
        role = "source" if connector.source is not None else "sink"
        assert f"| `{connector_id}` | not offered: {_refusal(CATALOG, connector_id, line, role)} |" in page
