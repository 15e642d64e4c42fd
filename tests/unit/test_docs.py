"""The generated documentation pages match the catalog and the questionnaire."""

from __future__ import annotations

from msf_scaffold.catalog import Catalog
from msf_scaffold.docs import generated_pages
from tests.helpers import ROOT
from tests.matrix_docs import PAGE, page


def test_generated_docs_are_up_to_date() -> None:
    for path, text in generated_pages(ROOT).items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `make docs`"


def test_options_page_lists_every_question_and_connector() -> None:
    pages = {path.name: text for path, text in generated_pages(ROOT).items()}
    options = pages["options.md"]
    for name in ("experience", "project_name", "package", "flink_version", "api", "source", "sinks"):
        assert f"## `{name}`" in options
    assert "Choices on Flink 1.20 with the DataStream API (Java):" in options
    assert "Choices on Flink 1.20 with the Table API / SQL:" in options
    assert "| `kafka` | Apache Kafka / Amazon MSK |" in options
    assert "| `FLINK-2_2` | 17 |" in pages["compatibility.md"]


def test_testing_page_records_the_current_matrix_sizes(catalog: Catalog) -> None:
    assert PAGE.read_text(encoding="utf-8") == page(catalog), (
        "run `python -m tests.matrix_docs` (`make docs`)"
    )
