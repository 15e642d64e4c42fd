"""The generated Java reads as hand-written code: lines of at most 120 characters, no doubled word
in a comment, Javadoc comments that end where the code starts, imports sorted and used, and no
private method or method parameter left unused.

The projects below use every connector and connector option value of both APIs and every
experience level (which changes the comments). The checked files are the ones the style rules
cover so far (``CHECKED``: each API's StreamingJob and the Table API's table package).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import answers_for, render

#: (id, Flink line, source, sinks, other answers): every connector on both APIs, every option
#: value with fixed choices, every experience level.
PROJECTS: list[tuple[str, str, str, tuple[str, ...], dict[str, Any]]] = [
    (
        "table-kinesis-iceberg-glue-files",
        "2.3",
        "kinesis",
        ("iceberg", "files"),
        {
            "api": "table",
            "iceberg_catalog": "GLUE",
            "iceberg_partitioning": "EVENT_DAY",
            "files_format": "PARQUET",
        },
    ),
    (
        "table-kafka-kafka-iceberg-s3tables-firehose",
        "2.3",
        "kafka",
        ("kafka", "iceberg", "firehose"),
        {
            "api": "table",
            "iceberg_catalog": "S3_TABLES",
            "iceberg_partitioning": "TICKER",
            "kafka_auth": "SCRAM",
            "experience": "new_to_msf",
        },
    ),
    (
        "table-datagen-kinesis-iceberg-hadoop-dynamodb-print",
        "2.3",
        "datagen",
        ("kinesis", "iceberg", "dynamodb", "print"),
        {"api": "table", "iceberg_catalog": "HADOOP", "experience": "experienced", "kinesis_reader": "EFO"},
    ),
    (
        "table-mysql-cdc-files-print",
        "2.2",
        "mysql_cdc",
        ("files", "print"),
        {"api": "table", "kafka_auth": "TLS"},
    ),
    (
        "table-postgres-cdc-dynamodb",
        "1.20",
        "postgres_cdc",
        ("dynamodb",),
        {"api": "table", "experience": "new_to_msf"},
    ),
    (
        "table-kinesis-efo-print",
        "2.3",
        "kinesis",
        ("print",),
        {
            "api": "table",
            "kinesis_reader": "EFO",
            "kinesis_efo_lifecycle": "SELF_MANAGED",
            "experience": "experienced",
        },
    ),
    (
        "datastream-kinesis-efo-every-sink",
        "2.3",
        "kinesis",
        ("kinesis", "kafka", "iceberg", "files", "firehose", "dynamodb", "print"),
        {"api": "datastream", "kinesis_reader": "EFO", "kafka_auth": "PLAINTEXT"},
    ),
    (
        "datastream-kafka-iceberg-s3tables-kafka",
        "2.3",
        "kafka",
        ("kafka", "iceberg"),
        {
            "api": "datastream",
            "iceberg_catalog": "S3_TABLES",
            "kafka_auth": "IAM",
            "experience": "new_to_msf",
        },
    ),
    (
        "datastream-mysql-cdc-files-parquet",
        "2.2",
        "mysql_cdc",
        ("files",),
        {"api": "datastream", "files_format": "PARQUET", "experience": "experienced"},
    ),
    (
        "datastream-postgres-cdc-iceberg-hadoop-dynamodb",
        "1.20",
        "postgres_cdc",
        ("iceberg", "dynamodb"),
        {"api": "datastream", "iceberg_catalog": "HADOOP", "iceberg_partitioning": "TICKER"},
    ),
    (
        "datastream-datagen-firehose-print",
        "2.3",
        "datagen",
        ("firehose", "print"),
        {"api": "datastream", "experience": "experienced"},
    ),
]

#: The generated main sources the style rules cover, by path below the package folder.
CHECKED = re.compile(r"^(StreamingJob|table/[A-Za-z]+)\.java$")
MAX_COLUMNS = 120
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"", re.DOTALL)
_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
_IMPORT = re.compile(r"^import (static )?([\w.]+)(\.\*)?;$", re.MULTILINE)
_JAVADOC = re.compile(r"/\*\*.*?\*/", re.DOTALL)
_PRIVATE_METHOD = re.compile(r"^\s*private (?:static )?(?:final )?[\w<>\[\], ?]+ (\w+)\(", re.MULTILINE)
_METHOD = re.compile(
    r"^ {4}(?:(?:public|protected|private|static|final) )+[\w<>\[\], ?.]+ (\w+)\(([^)]*)\)[^;{]*\{",
    re.MULTILINE,
)


def _checked_sources(project: Path) -> dict[str, str]:
    """The generated main Java files the rules cover, by path below the package folder."""
    [package_dir] = {path.parent for path in project.glob("src/main/java/**/StreamingJob.java")}
    return {
        path.relative_to(package_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(package_dir.rglob("*.java"))
        if CHECKED.match(path.relative_to(package_dir).as_posix())
    }


def _comments(text: str) -> list[str]:
    """The text of each comment, without the comment markers and the leading `*` of its lines."""
    result = []
    for match in _COMMENT.finditer(text):
        token = match.group()
        if token.startswith('"'):
            continue
        body = re.sub(r"^/\*+|\*/$|^//", "", token)
        result.append(re.sub(r"^\s*\*(?!/)", "", body, flags=re.MULTILINE))
    return result


def _code(text: str) -> str:
    """``text`` with its comments and string literals blanked out."""
    return _COMMENT.sub(lambda m: '""' if m.group().startswith('"') else " ", text)


def _method_bodies(code: str) -> list[tuple[str, list[str], str]]:
    """(name, parameter names, body) of each method declared at class level in ``code``."""
    result = []
    for match in _METHOD.finditer(code):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(code[end], 0)
            end += 1
        parameters = [p.split()[-1] for p in re.sub(r"<[^<>]*>", "", match.group(2)).split(",") if p.strip()]
        result.append((match.group(1), parameters, code[match.end() : end]))
    return result


def _comment_problems(name: str, text: str) -> list[str]:
    """Doubled words in comments; Javadoc lines run together or followed by code."""
    problems = []
    for comment in _comments(text):
        # "table (AWS Glue, ...) table" doubles a word around a parenthesis
        for prose in (comment, re.sub(r"\([^()]*\)", " ", comment)):
            problems += [f"{name}: doubled word {m.group()!r} in a comment" for m in _DOUBLED.finditer(prose)]
    for javadoc in _JAVADOC.finditer(text):
        rest = text[javadoc.end() :].split("\n", 1)[0].strip()
        if rest:
            problems.append(f"{name}: code {rest!r} follows a Javadoc comment on its line")
        problems += [
            f"{name}: Javadoc line {line.strip()!r} runs two lines together"
            for line in javadoc.group().splitlines()[1:]
            if not line.lstrip().startswith("*") or re.search(r"\S\s+\*\s+(\S|$)", line.lstrip()[1:])
        ]
    return problems


def _import_problems(name: str, text: str) -> list[str]:
    """Imports out of order (others, java.*, static; a blank line between), repeated or unused."""
    imports = _IMPORT.findall(text)
    if not imports:
        return []
    groups = [
        sorted(f"{t}{s}" for st, t, s in imports if not st and not t.startswith(("java.", "javax."))),
        sorted(f"{t}{s}" for st, t, s in imports if not st and t.startswith(("java.", "javax."))),
        sorted(f"static {t}{s}" for st, t, s in imports if st),
    ]
    expected = "\n\n".join("\n".join(f"import {i};" for i in group) for group in groups if group)
    written = "\n".join(line for line in text.splitlines() if line.startswith("import ") or line == "")
    written = re.sub(r"\n{2,}", "\n\n", written[written.find("import ") :])
    written = written[: written.rfind(";") + 1]
    problems = []
    if written != expected or len(set(imports)) != len(imports):
        problems.append(f"{name}: imports are not sorted as\n{expected}\nbut\n{written}")
    body = _IMPORT.sub("", text)
    problems += [
        f"{name}: import {target} is not used"
        for _, target, star in imports
        if not star and not re.search(rf"\b{target.rsplit('.', 1)[-1]}\b", body)
    ]
    return problems


def style_problems(name: str, text: str) -> list[str]:
    """Each way ``text``, the generated Java file ``name``, breaks the style rules."""
    problems = [
        f"{name}:{number}: {len(line)} characters, more than {MAX_COLUMNS}"
        for number, line in enumerate(text.splitlines(), 1)
        if len(line) > MAX_COLUMNS
    ]
    problems += _comment_problems(name, text) + _import_problems(name, text)
    code = _code(text)
    problems += [
        f"{name}: private method {method} is never called"
        for method in _PRIVATE_METHOD.findall(code)
        if len(re.findall(rf"\b{method}\s*\(|::{method}\b", code)) < 2
    ]
    for method, parameters, method_body in _method_bodies(code):
        problems += [
            f"{name}: parameter {parameter} of {method} is not used"
            for parameter in parameters
            if method != "main" and not re.search(rf"\b{parameter}\b", method_body)
        ]
    return problems


@pytest.fixture(scope="module", params=PROJECTS, ids=[p[0] for p in PROJECTS])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    label, line, source, sinks, extra = request.param
    return render(tmp_path_factory.mktemp(label) / "app", answers_for(line, source, sinks, **extra))


def test_generated_java_follows_the_style_rules(project: Path) -> None:
    sources = _checked_sources(project)
    assert "StreamingJob.java" in sources
    problems = [problem for name, text in sources.items() for problem in style_problems(name, text)]
    # A method the checked files declare for other classes is called somewhere in the project.
    everything = "\n".join(_code(p.read_text(encoding="utf-8")) for p in project.rglob("*.java"))
    for name, text in sources.items():
        for method, _, _ in _method_bodies(_code(text)):
            if method != "main" and len(re.findall(rf"\b{method}\s*\(|::{method}\b", everything)) < 2:
                problems.append(f"{name}: method {method} is never called")
    assert not problems, "\n".join(problems)
