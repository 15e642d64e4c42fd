"""The external checkers the infrastructure code must pass: cfn-lint and checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cfnlint.api import lint_file

from tests.helpers import ROOT


def cfn_lint_errors(template: Path) -> list[str]:
    """cfn-lint's errors (rules E*) on a CloudFormation template; warnings are not errors."""
    return [
        f"{template.name}:{match.linenumber} {match.rule.id} {match.message}"
        for match in lint_file(template)
        if match.rule.id.startswith("E")
    ]


def checkov_binary() -> str:
    """checkov from $CHECKOV, the environment `make install` creates for it, or PATH."""
    candidates = [os.environ.get("CHECKOV"), str(ROOT / ".venv-checkov/bin/checkov"), shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise AssertionError("checkov not found: run `make install` (it creates .venv-checkov) or set CHECKOV")


def checkov(directory: Path, framework: str) -> dict[str, Any]:
    """checkov's JSON report on ``directory`` (offline: no platform download, no mapping)."""
    completed = subprocess.run(
        [checkov_binary(), "-d", str(directory), "--framework", framework, "-o", "json", "--skip-download"],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        timeout=600,
        check=False,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    assert report["summary"]["parsing_errors"] == 0, report["results"].get("parsing_errors")
    return report


def assert_checkov_clean(report: dict[str, Any]) -> None:
    """No failed check, and every suppression carries its justification next to the resource."""
    failed = [(c["check_id"], c["resource"], c["check_name"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    for skipped in report["results"]["skipped_checks"]:
        comment = skipped["check_result"].get("suppress_comment", "")
        assert len(comment.split()) >= 5, f"{skipped['check_id']} on {skipped['resource']} is not justified"
    assert report["summary"]["passed"] > 0
