"""Experience levels change explanations (comments, README), never the code's behaviour."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.covering import EXPERIENCES
from tests.helpers import java_sources


def _code_without_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", "", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def test_experience_changes_comments_and_readme_only(copie: Any) -> None:
    projects: dict[str, Path] = {}
    for experience in EXPERIENCES:
        # One name for the three (pytest-copie renders into copie000, copie001, ...): same package.
        answers = {
            "experience": experience,
            "project_name": "Stock Prices",
            "source": "datagen",
            "sinks": ["print"],
        }
        result = copie.copy(extra_answers=answers)
        assert result.exit_code == 0, result.exception
        projects[experience] = result.project_dir

    code = {
        e: {path: _code_without_comments(text) for path, text in java_sources(p).items()}
        for e, p in projects.items()
    }
    assert code["new_to_flink"] == code["new_to_msf"] == code["experienced"]

    readmes = {e: (p / "README.md").read_text() for e, p in projects.items()}
    assert "## Flink in five minutes" in readmes["new_to_flink"]
    assert "## Flink in five minutes" not in readmes["new_to_msf"]
    assert "What MSF manages for you" in readmes["new_to_msf"]
    assert "What MSF manages for you" not in readmes["experienced"]
    assert len(readmes["experienced"]) < len(readmes["new_to_msf"]) < len(readmes["new_to_flink"])

    def comment_lines(experience: str) -> int:
        return sum(text.count("//") + text.count("*") for text in java_sources(projects[experience]).values())

    assert comment_lines("experienced") < comment_lines("new_to_msf") < comment_lines("new_to_flink")


def test_table_api_projects_explain_sql_at_each_level_with_the_same_code(copie: Any) -> None:
    projects: dict[str, Path] = {}
    for experience in EXPERIENCES:
        answers = {
            "experience": experience,
            "project_name": "Stock Prices",
            "api": "table",
            "source": "kafka",
            "sinks": ["kafka", "print"],
        }
        result = copie.copy(extra_answers=answers)
        assert result.exit_code == 0, result.exception
        projects[experience] = result.project_dir

    code = {
        e: {path: _code_without_comments(text) for path, text in java_sources(p).items()}
        for e, p in projects.items()
    }
    assert code["new_to_flink"] == code["new_to_msf"] == code["experienced"]

    readmes = {e: (p / "README.md").read_text() for e, p in projects.items()}
    for readme in readmes.values():
        assert "(Table API / SQL, Java " in readme
        assert "`.../table/TableDefinitions.java`" in readme and "`src/main/resources/sql/`" in readme
        assert "| `scan.startup.mode` | `KafkaSource` / `starting.offsets`" in readme
        assert "StockPricePipeline" not in readme
    assert "## Flink SQL in five minutes" in readmes["new_to_flink"]
    assert "## Flink in five minutes" not in readmes["new_to_flink"]
    assert "## Flink SQL in five minutes" not in readmes["new_to_msf"]
    assert "The Table API and SQL runtime" in readmes["new_to_msf"]
    assert "What MSF manages for you" not in readmes["experienced"]
    assert len(readmes["experienced"]) < len(readmes["new_to_msf"]) < len(readmes["new_to_flink"])
