"""The pre-commit hook and the GitHub Actions example of docs/doctor.md run the real doctor."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

from msf_scaffold import cli
from msf_scaffold.catalog import Catalog
from msf_scaffold.template_source import TEMPLATE_URL
from tests.helpers import ROOT

DOCS = ROOT / "docs" / "doctor.md"
HOOK_ID = "msf-scaffold-doctor"


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _command(words: list[str]) -> argparse.Namespace:
    """Parses a shell command line that starts with a console script of msf-scaffold, as the CLI would.

    The console script must be declared in pyproject.toml and point at :func:`msf_scaffold.cli.main`.
    """
    scripts: dict[str, str] = _pyproject()["project"]["scripts"]
    program, *arguments = words
    assert program in scripts, f"{program!r} is not a console script of pyproject.toml: {sorted(scripts)}"
    module, _, function = scripts[program].partition(":")
    assert getattr(importlib.import_module(module), function) is cli.main
    try:
        return cli._parser().parse_args(arguments)
    except SystemExit as error:  # argparse's usage error
        raise AssertionError(f"{shlex.join(words)} is not a valid command line") from error


def _shell_words(line: str) -> list[str]:
    """The words of the first command of a shell line, up to a redirection, pipe or ``||``."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    words: list[str] = []
    for token in lexer:
        if set(token) <= set("<>|&;"):
            break
        words.append(token)
    return words


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    [hook] = [h for h in hooks if h["id"] == HOOK_ID]
    assert isinstance(hook, dict)
    return hook


def _fenced_blocks(heading: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of docs/doctor.md between ``heading`` and the next heading."""
    docs = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#)", docs, flags=re.MULTILINE | re.DOTALL)
    assert match, f"{heading!r} not in {DOCS.name}"
    return re.findall(rf"^```{language}\n(.*?)^```$", match.group(1), flags=re.MULTILINE | re.DOTALL)


def _workflow() -> dict[Any, Any]:
    [block] = _fenced_blocks("### GitHub Actions", "yaml")
    workflow = yaml.safe_load(block)
    assert isinstance(workflow, dict)
    return workflow


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    assert isinstance(steps, list)
    return steps


def _doctor_runs(workflow: dict[Any, Any]) -> list[tuple[dict[str, Any], argparse.Namespace]]:
    """(step, parsed command) of every ``run`` line that calls msf-scaffold."""
    runs = []
    for step in _steps(workflow):
        for line in str(step.get("run", "")).splitlines():
            words = _shell_words(line)
            if words and words[0] == "msf-scaffold":
                runs.append((step, _command(words)))
    return runs


def test_the_pre_commit_hook_runs_the_doctor_of_the_installed_package() -> None:
    hook = _hook()
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    assert hook["pass_filenames"] is False  # the doctor checks a project, not files
    args = _command(shlex.split(hook["entry"]))
    assert args.handler is cli._doctor
    assert args.directory == Path()  # pre-commit runs hooks at the repository's root
    assert (args.json, args.strict) == (False, False)


def test_the_pre_commit_hook_runs_on_poms_and_java_files() -> None:
    files = re.compile(_hook()["files"])
    for path in ("pom.xml", "services/orders/pom.xml", "src/main/java/com/example/Job.java"):
        assert files.search(path), path
    for path in (
        "README.md",
        "mypom.xml",
        "pom.xml.bak",
        "src/main/resources/log4j2.properties",
        "Job.javax",
    ):
        assert not files.search(path), path


def test_docs_show_the_pre_commit_config_for_the_hook() -> None:
    [block] = _fenced_blocks("### pre-commit", "yaml")
    [repo] = yaml.safe_load(block)["repos"]
    assert repo["repo"] == TEMPLATE_URL
    assert re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]), repo["rev"]
    assert [hook["id"] for hook in repo["hooks"]] == [_hook()["id"]]
    # The Actions example installs the same release.
    [install] = [s["run"] for s in _steps(_workflow()) if "install" in str(s.get("run"))]
    assert _shell_words(install)[-1] == f"{_pyproject()['project']['name']}=={repo['rev'][1:]}"


def test_the_github_actions_example_checks_pull_requests_and_fails_on_errors() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert isinstance(triggers, dict) and "pull_request" in triggers
    runs = _doctor_runs(workflow)
    assert {args.handler for _, args in runs} == {cli._doctor}
    # The step that fails the job: the doctor's own exit code, nothing that swallows it.
    [(gate, _)] = [(step, args) for step, args in runs if not args.json]
    assert shlex.join(_shell_words(gate["run"])) == gate["run"].strip()
    assert "continue-on-error" not in gate and "if" not in gate
    # The JSON report is written even when the gate failed, and uploaded.
    [(report, _)] = [(step, args) for step, args in runs if args.json]
    target = re.search(r">\s*(\S+)", report["run"])
    assert target, report["run"]
    [upload] = [s for s in _steps(workflow) if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == target.group(1)
    assert report["if"] == upload["if"] == "${{ !cancelled() }}"


def test_the_github_actions_example_uses_the_actions_this_project_pins(catalog: Catalog) -> None:
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    ours = {step["uses"] for job in release["jobs"].values() for step in job["steps"] if "uses" in step}
    pinned = set(catalog.build.github_actions.values()) | ours
    used = {step["uses"] for step in _steps(_workflow()) if "uses" in step}
    assert used and used <= pinned, sorted(used - pinned)


def _actionlint() -> str:
    """actionlint from $ACTIONLINT, the .tools/bin that `make actionlint` fills, or PATH."""
    for candidate in (
        os.environ.get("ACTIONLINT"),
        str(ROOT / ".tools/bin/actionlint"),
        shutil.which("actionlint"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise AssertionError("actionlint not found: run `make actionlint` (builds it with Go) or set ACTIONLINT")


def test_the_github_actions_example_passes_actionlint(tmp_path: Path) -> None:
    [block] = _fenced_blocks("### GitHub Actions", "yaml")
    workflow = tmp_path / ".github/workflows/msf-doctor.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(block, encoding="utf-8")
    result = subprocess.run(
        [_actionlint(), "-no-color", str(workflow)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("flag", ["--json", "--strict"])
def test_the_command_parser_refuses_a_flag_the_doctor_lacks(flag: str) -> None:
    # The parser the tests above rely on refuses what the doctor does not have.
    assert getattr(_command(["msf-scaffold", "doctor", flag]), flag[2:]) is True
    with pytest.raises(AssertionError, match="not a valid command line"):
        _command(["msf-scaffold", "doctor", flag + "-typo"])
