"""Free-text answers are inert in every output language: a description full of HCL
interpolations, Java comment ends, XML, shell and Markdown syntax reads back unchanged from
each file that holds it, and is evaluated, executed or rendered as markup by none of them.

Only `description` is truly free text; `tags` values may hold letters of any script and
`.:/=+@-`; the other text answers allow only letters, digits, spaces and `._-`
(copier/questions.yml). The escaping macros are copier/escape.jinja's, one per language.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from cfnlint.decode.cfn_yaml import loads as cfn_loads
from markdown_it import MarkdownIt

from msf_scaffold.copier_jinja import copier_environment
from tests.helpers import ROOT, answers_for, render
from tests.iac.tools import cfn_lint_findings, hcl_format_diff

#: Everything a description may hold that means something somewhere: HCL interpolation and
#: directive (and their escaped forms), quotes, a backslash, a Java comment end and a Unicode
#: escape, XML, shell substitution, Markdown emphasis, code, links, tables and math, an entity,
#: non-ASCII and a character outside the Basic Multilingual Plane. At most 200 characters.
HOSTILE = (
    'A ${path.cwd} %{ if true }x%{ endif } "q" \\ */ \\u000a </description> $(whoami) `id` '
    "| é 😀 $${x} %%{y} &amp; <b>*em* _u_ [l](h) ~s~ $m$ 'a'"
)
#: Text a tag value may hold, with letters of other scripts (one outside the BMP).
TAG_VALUE = "pré-prod/\U0001d400 a=b+c@d:e"
ARTIFACT = "orders-app"


def test_the_hostile_description_is_a_valid_answer() -> None:
    assert len(HOSTILE) <= 200 and "\n" not in HOSTILE


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The default pipeline with each infrastructure flavour and a Backstage entry."""
    return {
        iac: render(
            tmp_path_factory.mktemp(iac) / ARTIFACT,
            answers_for(
                "2.2",
                "kinesis",
                ("kinesis",),
                iac=iac,
                description=HOSTILE,
                tags={"Stage": TAG_VALUE},
                backstage=True,
            ),
        )
        for iac in ("terraform", "cloudformation", "cdk")
    }


_HCL_TOKEN = re.compile(r"\$\$\{|%%\{|\$\{|%\{|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\.|[^\\$%]+|[$%]")
_HCL_ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", '\\"': '"', "\\\\": "\\"}


def hcl_literal(quoted: str) -> str:
    """The value of a quoted HCL string that holds no interpolation or directive (HCL's rules:
    `$${` and `%%{` are literal `${` and `%{`); fails on one that would be evaluated."""
    assert quoted.startswith('"') and quoted.endswith('"'), quoted
    result = []
    for token in _HCL_TOKEN.findall(quoted[1:-1]):
        assert token not in ("${", "%{"), f"HCL would evaluate {quoted}"
        if token in ("$${", "%%{"):
            result.append(token[1:])
        elif token.startswith(("\\u", "\\U")):
            result.append(chr(int(token[2:], 16)))
        elif token.startswith("\\"):
            result.append(_HCL_ESCAPES[token])
        else:
            result.append(token)
    return "".join(result)


def test_terraform_parses_formats_and_reads_back_the_answers(projects: dict[str, Path]) -> None:
    terraform = projects["terraform"] / "infra/terraform"
    main = hcl2.loads((terraform / "main.tf").read_text(encoding="utf-8"))
    (application,) = [
        body
        for resource in main["resource"]
        for body in resource.get('"aws_kinesisanalyticsv2_application"', {}).values()
    ]
    assert hcl_literal(application["description"]) == HOSTILE

    variables = hcl2.loads((terraform / "variables.tf").read_text(encoding="utf-8"))
    (tags,) = [v['"tags"'] for v in variables["variable"] if '"tags"' in v]
    assert {hcl_literal(k): hcl_literal(v) for k, v in tags["default"].items()}["Stage"] == TAG_VALUE

    for name in ("main.tf", "variables.tf"):
        assert hcl_format_diff(terraform / name) == ""


def test_the_pom_reads_back_the_description(projects: dict[str, Path]) -> None:
    for project in projects.values():
        pom = ET.parse(project / "pom.xml").getroot()
        ns = {"m": "http://maven.apache.org/POM/4.0.0"}
        assert pom.findtext("m:description", namespaces=ns) == HOSTILE
        assert pom.findtext("m:name", namespaces=ns) == "Orders App"


def test_cloudformation_loads_lints_clean_and_reads_back_the_answers(projects: dict[str, Path]) -> None:
    folder = projects["cloudformation"] / "infra/cloudformation"
    template: dict[str, Any] = cfn_loads((folder / "application.yml").read_text(encoding="utf-8"))
    application = template["Resources"]["Application"]["Properties"]
    assert application["ApplicationDescription"] == HOSTILE
    assert {"Key": "Stage", "Value": TAG_VALUE} in application["Tags"]
    artifacts: dict[str, Any] = cfn_loads((folder / "artifacts.yml").read_text(encoding="utf-8"))
    (bucket,) = [r for r in artifacts["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    assert {"Key": "Stage", "Value": TAG_VALUE} in bucket["Properties"]["Tags"]
    for name in ("application.yml", "artifacts.yml"):
        assert cfn_lint_findings(folder / name) == []


def test_the_backstage_entry_reads_back_the_description(projects: dict[str, Path]) -> None:
    entry = yaml.safe_load((projects["cdk"] / "catalog-info.yaml").read_text(encoding="utf-8"))
    assert entry["metadata"]["description"] == HOSTILE


def _typescript_string(source: str, prefix: str) -> Any:
    """The JSON value (a string literal or an array of them) that follows ``prefix`` on its line."""
    (line,) = [line.strip() for line in source.splitlines() if line.strip().startswith(prefix)]
    return json.loads(line[len(prefix) :].rstrip(","))


def test_the_cdk_string_literals_decode_to_the_answers(projects: dict[str, Path]) -> None:
    cdk = projects["cdk"] / "infra/cdk"
    stack = (cdk / "lib/flink-application-stack.ts").read_text(encoding="utf-8")
    assert _typescript_string(stack, "applicationDescription: ") == HOSTILE
    app = (cdk / "bin/app.ts").read_text(encoding="utf-8")
    (tag,) = [line.strip().rstrip(",") for line in app.splitlines() if '"Stage"' in line]
    assert json.loads(tag) == ["Stage", TAG_VALUE]


def test_the_readme_shows_the_description_as_plain_text(projects: dict[str, Path]) -> None:
    readme = (projects["terraform"] / "README.md").read_text(encoding="utf-8")
    suffix = " Owned by `my-team`."
    (line,) = [line for line in readme.splitlines() if line.endswith(suffix)]
    tokens = MarkdownIt("commonmark").parseInline(line[: -len(suffix)])
    children = tokens[0].children or []
    assert [t.type for t in children] == ["text"]
    assert children[0].content == HOSTILE


def test_java_sources_hold_no_unicode_escape_and_no_answer_text(projects: dict[str, Path]) -> None:
    # javac translates \uXXXX anywhere in a source file, comments included, before it reads it.
    unicode_escape = re.compile(r"(?<!\\)(?:\\\\)*\\u+[0-9A-Fa-f]{4}")
    for project in projects.values():
        for path in project.rglob("*.java"):
            text = path.read_text(encoding="utf-8")
            assert not unicode_escape.search(text), path
            assert "whoami" not in text and "path.cwd" not in text, path


def test_no_answer_text_reaches_make_shell_or_workflows(projects: dict[str, Path]) -> None:
    for project in projects.values():
        for path in [p for p in project.rglob("*") if p.is_file()]:
            if (
                path.name in ("Makefile", "deploy.sh", "parameters.env")
                or path.suffix == ".sh"
                or (".github" in path.parts)
            ):
                assert "whoami" not in path.read_text(encoding="utf-8"), path


# The macros themselves, on strings no validator would let through, in every context ---------------

_ENV = copier_environment(ROOT)
MACROS = _ENV.get_template("copier/escape.jinja").module
SAMPLES = [
    HOSTILE,
    "\\",
    "$",
    "$${",
    "%%%{",
    "*/ /* */",
    "\\\\u0041 \\u0041",
    '"',
    "    1. indented",
    "# heading",
    "- item",
    "> quote",
    "2) two",
    "| a | b |",
    "日本語 😀",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_hcl_string_reads_back(tmp_path: Path, text: str) -> None:
    quoted = str(MACROS.hcl_string(text))  # type: ignore[attr-defined]
    assert hcl_literal(quoted) == text
    # HCL's own parser (hclfmt) accepts it; python-hcl2 cannot lex three or more `$` before `{`.
    path = tmp_path / "x.tf"
    path.write_text(f"x = {quoted}\n", encoding="utf-8")
    assert hcl_format_diff(path) == ""


@pytest.mark.parametrize("text", SAMPLES)
def test_yaml_json_and_xml_read_back(text: str) -> None:
    assert yaml.safe_load(f"x: {MACROS.yaml_string(text)}\n") == {"x": text}  # type: ignore[attr-defined]
    assert json.loads(str(MACROS.json_string(text))) == text  # type: ignore[attr-defined]
    xml = f'<a b="{MACROS.xml_text(text)}">{MACROS.xml_text(text)}</a>'  # type: ignore[attr-defined]
    element = ET.fromstring(xml)
    assert element.text == text and element.get("b") == text


@pytest.mark.parametrize("text", SAMPLES)
def test_java_string_and_comment_are_inert(text: str) -> None:
    literal = str(MACROS.java_string(text))  # type: ignore[attr-defined]
    assert json.loads(literal) == text
    comment = str(MACROS.java_comment(text))  # type: ignore[attr-defined]
    assert "*/" not in comment and "\\" not in literal.replace("\\\\", "").replace('\\"', "")
    assert "\\" not in comment


@pytest.mark.parametrize("text", SAMPLES)
def test_markdown_text_is_plain_text_also_in_a_table_cell(text: str) -> None:
    escaped = str(MACROS.markdown_text(text))  # type: ignore[attr-defined]
    md = MarkdownIt("commonmark").enable("table")
    blocks = [t.type for t in md.parse(escaped)]
    assert blocks == ["paragraph_open", "inline", "paragraph_close"], text
    (inline,) = [t for t in md.parse(escaped) if t.type == "inline"]
    assert [c.type for c in inline.children or []] == ["text"] and inline.children
    assert inline.children[0].content == text
    table = md.parse(f"| a | b |\n|---|---|\n| {escaped} | x |\n")
    assert sum(t.type == "td_open" for t in table) == 2
