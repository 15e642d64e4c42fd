"""A project generated from the previous release updates to this one: edits kept, build green."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import loads
from tools.release import Release, releases

from msf_scaffold._version import __version__
from msf_scaffold.generate import generate, read_answers
from msf_scaffold.update import update
from tests.helpers import ROOT, maven_verify, release_clone

IDENTITY = ["-c", "user.name=test", "-c", "user.email=test@localhost"]


def _releases() -> list[Release]:
    """Every release before this version, newest first (tools/release.py reads them from history)."""
    return [release for release in reversed(releases(ROOT)) if release.version != __version__]


def _newest_release_without_question(name: str) -> str:
    """The newest release whose questionnaire did not yet ask ``name``."""
    for release in _releases():
        questions = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{release.commit}:copier/questions.yml"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if not re.search(rf"^{re.escape(name)}:", questions, re.MULTILINE):
            return release.version
    raise AssertionError(f"every release asks {name!r}")


def test_the_changelog_names_this_version_and_its_predecessors() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (\d+\.\d+\.\d+)\b", text, re.MULTILINE)
    assert headings[0] == __version__
    assert _releases(), "the history has earlier releases"
    assert set(headings) == {__version__} | {release.version for release in _releases()}


@pytest.mark.compile
def test_update_from_the_previous_release_keeps_edits_and_builds(tmp_path: Path) -> None:
    previous = _releases()[0].version
    template = release_clone(tmp_path / "template", f"v{__version__}")
    project = generate(
        tmp_path / "app",
        data={"source": "datagen", "sinks": "[print]", "flink_version": "1.20"},
        defaults=True,
        template=str(template),
        vcs_ref=f"v{previous}",
    ).destination
    parser = next(project.rglob("StockPriceParser.java"))
    parser.write_text(parser.read_text().replace("{0,9}", "{0,11}"))
    subprocess.run(["git", "-C", str(project), *IDENTITY, "commit", "-qam", "edit"], check=True)

    result = update(project)

    assert (result.from_version, result.to_version) == (f"v{previous}", f"v{__version__}")
    assert result.conflicts == []
    assert "{0,11}" in parser.read_text()
    build = maven_verify(project)
    assert build.returncode == 0, build.stdout[-5000:]


def test_a_project_from_before_tags_updates_to_tagged_infrastructure(tmp_path: Path) -> None:
    previous = _newest_release_without_question("tags")
    template = release_clone(tmp_path / "template", f"v{__version__}")
    project = generate(
        tmp_path / "app",
        data={"source": "datagen", "sinks": "[print]", "owner": "payments"},
        defaults=True,
        template=str(template),
        vcs_ref=f"v{previous}",
    ).destination
    assert "tags" not in read_answers(project)

    result = update(project, data={"iac": "cloudformation"})

    assert result.conflicts == []
    assert read_answers(project)["tags"] == {}
    application = loads((project / "infra/cloudformation/application.yml").read_text(encoding="utf-8"))
    tags = application["Resources"]["Application"]["Properties"]["Tags"]
    assert tags == [{"Key": "Owner", "Value": "payments"}, {"Key": "Application", "Value": "my-flink-app"}]


def _tree(project: Path) -> dict[str, bytes]:
    """Every file of the project but git's and the answers file, by relative path."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
        and ".git" not in path.relative_to(project).parts
        and path.name != ".copier-answers.yml"
    }


@pytest.mark.parametrize("iac", ["cloudformation", "terraform"])
def test_a_project_from_before_the_alarm_topic_and_stream_names_keeps_its_streams(
    tmp_path: Path, iac: str
) -> None:
    previous = _newest_release_without_question("alarm_topic_arn")
    template = release_clone(tmp_path / "template", f"v{__version__}")
    answers = {"source": "kinesis", "sinks": "[kinesis]", "iac": iac}
    project = generate(
        tmp_path / "app", data=answers, defaults=True, template=str(template), vcs_ref=f"v{previous}"
    ).destination
    properties = project / "src/main/resources/flink-application-properties-dev.json"
    before = properties.read_text(encoding="utf-8")
    assert "alarm_topic_arn" not in read_answers(project)

    result = update(project)

    assert result.conflicts == []
    updated = read_answers(project)
    assert updated["alarm_topic_arn"] == ""
    assert (updated["kinesis_input_stream"], updated["kinesis_output_stream"]) == (
        "my-flink-app-input",
        "my-flink-app-output",
    )
    assert properties.read_text(encoding="utf-8") == before
    # The previous release named every project my-flink-app; this one names it after its folder.
    fresh = generate(
        tmp_path / "fresh" / "my-flink-app",
        data=answers,
        defaults=True,
        template=str(template),
        vcs_ref=f"v{__version__}",
    ).destination
    assert _tree(project) == _tree(fresh)
