"""The external checkers the infrastructure code must pass: cfn-lint, checkov and hclfmt."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from cfnlint.api import lint_file

from tests.helpers import ROOT


def cfn_lint_findings(template: Path) -> list[str]:
    """What cfn-lint reports on a CloudFormation template at its default settings: errors (E*) and
    warnings (W*); informational findings (I*) are not shown by default and not counted."""
    return [
        f"{template.name}:{match.linenumber} {match.rule.id} {match.message}"
        for match in lint_file(template)
        if not match.rule.id.startswith("I")
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


#: HCL's formatter, built from the Go module by `make iac-tools`: the formatting `terraform fmt` applies
#: (both are hclwrite.Format), without installing Terraform.
HCLFMT_MODULE = "github.com/hashicorp/hcl/v2/cmd/hclfmt"


def hclfmt_binary() -> str:
    """hclfmt from $HCLFMT, the .tools/bin that `make iac-tools` fills, or PATH."""
    candidates = [os.environ.get("HCLFMT"), str(ROOT / ".tools/bin/hclfmt"), shutil.which("hclfmt")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise AssertionError(f"hclfmt not found: run `make iac-tools` (go install {HCLFMT_MODULE}) or set HCLFMT")


def hcl_format_diff(path: Path) -> str:
    """The change `terraform fmt` would make to a Terraform file, as a unified diff ('' if none)."""
    completed = subprocess.run(
        [hclfmt_binary(), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, f"hclfmt cannot parse {path.name}: {completed.stderr}"
    text = path.read_text(encoding="utf-8")
    return "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            completed.stdout.splitlines(keepends=True),
            f"{path.name} (generated)",
            f"{path.name} (terraform fmt)",
        )
    )
