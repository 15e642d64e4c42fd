"""Infrastructure as code next to the project: MSF runtime ids and IAM mistakes.

Reads CloudFormation and SAM templates (``*.yaml``, ``*.yml``, ``*.json``), Terraform (``*.tf``)
and CDK code (``*.ts``, ``*.py``) with regular expressions, line by line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IAC_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".tf", ".ts", ".py"})
_SKIPPED_DIRECTORIES = frozenset(
    {"target", "node_modules", "cdk.out", "venv", "__pycache__", "build", "dist"}
)
_MAX_BYTES = 1_000_000
_RUNTIME_PATTERNS = (
    # CloudFormation RuntimeEnvironment, Terraform runtime_environment, CDK L1 runtimeEnvironment
    re.compile(
        r"""(?:RuntimeEnvironment|runtime_environment|runtimeEnvironment)["']?\s*[:=]\s*["']?FLINK-(\d+)_(\d+)\b"""
    ),
    # CDK L2 (aws-kinesisanalytics-flink-alpha): Runtime.FLINK_1_20, Runtime.of("FLINK-2_2")
    re.compile(r"\bRuntime\.FLINK_(\d+)_(\d+)\b"),
    re.compile(r"""\bRuntime\.of\(\s*["']FLINK-(\d+)_(\d+)["']\s*\)"""),
)
# kinesisanalyticsv2: is the API name; IAM actions use kinesisanalytics:. Step Functions SDK
# integrations (arn:aws:states:::aws-sdk:kinesisanalyticsv2:...) rightly use the API name.
_V2_ACTION = re.compile(r"(?<![\w:-])(?<!aws-sdk:)kinesisanalyticsv2:[A-Za-z*]+")
# Service principals people write for MSF that IAM does not know (the right one is
# kinesisanalytics.amazonaws.com; kms:ViaService uses kinesisanalytics.<region>.amazonaws.com).
_PRINCIPAL = re.compile(
    r"(?<![\w.-])((?:kinesis-?analytics-?v2|kinesis-analytics|managed-?flink|msf|flink)\.amazonaws\.com)\b"
)
TRUST_PRINCIPAL = "kinesisanalytics.amazonaws.com"


@dataclass(frozen=True)
class RuntimeReference:
    """An MSF runtime id (``FLINK-1_20``) found in an IaC file."""

    file: Path
    line: int
    major: int
    minor: int

    @property
    def runtime(self) -> str:
        """The runtime id as the API spells it."""
        return f"FLINK-{self.major}_{self.minor}"


@dataclass(frozen=True)
class IamProblem:
    """An IAM action prefix or service principal that MSF does not use."""

    file: Path
    line: int
    kind: str  # "action" or "principal"
    text: str


@dataclass(frozen=True)
class IacScan:
    """What the IaC files of a project say about MSF."""

    files: tuple[Path, ...]
    runtimes: tuple[RuntimeReference, ...]
    iam: tuple[IamProblem, ...]


def iac_files(project: Path, suffixes: frozenset[str] = IAC_SUFFIXES) -> Iterator[Path]:
    """Files with one of ``suffixes`` (default: the IaC candidates) below ``project``.

    Build output, dependencies and hidden directories are skipped.
    """
    for directory, subdirectories, files in os.walk(project):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRECTORIES
        )
        for name in sorted(files):
            path = Path(directory) / name
            if path.suffix in suffixes and path.stat().st_size <= _MAX_BYTES:
                yield path


def scan_iac(project: Path) -> IacScan:
    """Runtime ids and IAM problems in every IaC file of the project."""
    files = tuple(iac_files(project))
    runtimes: list[RuntimeReference] = []
    iam: list[IamProblem] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for pattern in _RUNTIME_PATTERNS:
                runtimes += [
                    RuntimeReference(path, number, int(m.group(1)), int(m.group(2)))
                    for m in pattern.finditer(line)
                ]
            iam += [IamProblem(path, number, "action", m.group(0)) for m in _V2_ACTION.finditer(line)]
            iam += [IamProblem(path, number, "principal", m.group(1)) for m in _PRINCIPAL.finditer(line)]
    return IacScan(files, tuple(runtimes), tuple(iam))
