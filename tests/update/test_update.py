"""`msf-scaffold update` between real template versions keeps the user's edits."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from msf_scaffold.cli import main
from msf_scaffold.errors import UserError
from msf_scaffold.generate import generate
from msf_scaffold.update import update
from tests.helpers import Pom, answers_file, maven_verify, snapshot_template

IDENTITY = ["-c", "user.name=test", "-c", "user.email=test@localhost"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *IDENTITY, *args], capture_output=True, text=True, check=True
    ).stdout


def _release(repo: Path, tag: str, edits: dict[str, tuple[str, str]]) -> None:
    """Commits ``edits`` (path -> (old, new)) to the template repository and tags the commit."""
    for path, (old, new) in edits.items():
        file = repo / path
        text = file.read_text()
        assert old in text, (path, old)
        file.write_text(text.replace(old, new, 1))
    _git(repo, "commit", "-q", "-am", f"release {tag}")
    _git(repo, "tag", tag)


@pytest.fixture
def template(tmp_path: Path) -> Path:
    repo = snapshot_template(tmp_path / "template")
    _git(repo, "tag", "v0.1.0")
    return repo


def _project(tmp_path: Path, template: Path, **data: str) -> Path:
    answers = {"source": "datagen", "sinks": "[print]", **data}
    result = generate(tmp_path / "app", data=answers, defaults=True, template=str(template), vcs_ref="v0.1.0")
    return result.destination


def _java(project: Path, name: str) -> Path:
    return next(project.rglob(name))


def _user_edits(project: Path) -> None:
    parser = _java(project, "StockPriceParser.java")
    parser.write_text(parser.read_text().replace("[A-Za-z][A-Za-z0-9.]{0,9}", "[A-Za-z][A-Za-z0-9.]{0,11}"))
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the orders team.\n")
    _git(project, "commit", "-q", "-am", "our changes")


LOG4J_BUMP = {"src/msf_scaffold/catalog/build.yml": ('all: "2.26.1"', 'all: "2.26.2"')}


def test_update_brings_new_pins_and_keeps_user_edits(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template)
    _user_edits(project)
    (template / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 0.2.0\n\n### Changed\n- log4j 2.26.2\n\n### Migration notes\n"
        "- Rebuild with JDK 17.\n\n## 0.1.0 (commit abcdef0)\n\n### Migration notes\n- old\n"
    )
    _release(template, "v0.2.0", LOG4J_BUMP)

    result = update(project)

    assert (result.from_version, result.to_version) == ("v0.1.0", "v0.2.0")
    assert result.conflicts == []
    assert "pom.xml" in result.changed
    assert Pom(project / "pom.xml").properties["log4j.version"] == "2.26.2"
    assert "{0,11}" in _java(project, "StockPriceParser.java").read_text()
    assert "Owned by the orders team." in (project / "README.md").read_text()
    assert answers_file(project)["_commit"] == "v0.2.0"
    assert result.migration_notes == {"0.2.0": "- Rebuild with JDK 17."}


def test_conflicting_edits_are_marked_and_reported(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template)
    job = _java(project, "StreamingJob.java")
    job.write_text(job.read_text().replace("LOCAL_PARALLELISM = 2;", "LOCAL_PARALLELISM = 4;"))
    _git(project, "commit", "-q", "-am", "more local parallelism")
    java = (
        "template/src/main/java/{{ package | replace('.', _copier_conf.sep) }}/"
        "{% if api == 'datastream' %}StreamingJob.java{% endif %}.jinja"
    )
    _release(template, "v0.2.0", {java: ("LOCAL_PARALLELISM = 2;", "LOCAL_PARALLELISM = 1;")})

    result = update(project)

    assert [Path(p).name for p in result.conflicts] == ["StreamingJob.java"]
    text = job.read_text()
    assert "<<<<<<< before updating" in text
    assert "LOCAL_PARALLELISM = 4;" in text and "LOCAL_PARALLELISM = 1;" in text


def test_cli_update_reports_conflicts_with_exit_code_1(
    tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, template)
    readme = project / "README.md"
    first = readme.read_text().splitlines()[0]
    readme.write_text(readme.read_text().replace(first, first + " (orders team)", 1))
    _git(project, "commit", "-q", "-am", "rename")
    _release(
        template,
        "v0.2.0",
        {"template/README.md.jinja": ("# {{ project_name }}", "# {{ project_name }} service")},
    )

    assert main(["update", str(project)]) == 1
    out = capsys.readouterr().out
    assert "template v0.1.0 -> v0.2.0" in out
    assert re.search(r"1 files have conflicts .*\n\s+README.md", out)


def test_switching_flink_line_by_changing_an_answer_keeps_edits(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template, flink_version="1.20")
    assert "## Moving to Flink 2.2" in (project / "README.md").read_text()
    _user_edits(project)

    result = update(project, data={"flink_version": "2.2"}, vcs_ref=":current:")

    assert result.answers_changed == {"flink_version": ("1.20", "2.2")}
    assert result.conflicts == []
    pom = Pom(project / "pom.xml")
    assert pom.properties["maven.compiler.release"] == "17"
    assert pom.properties["flink.version"].startswith("2.2.")
    assert "{0,11}" in _java(project, "StockPriceParser.java").read_text()
    assert "## Moving to Flink 2.2" not in (project / "README.md").read_text()


def test_moving_a_22_project_to_23_keeps_edits(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template, flink_version="2.2", source="kafka", sinks="[kafka]")
    _user_edits(project)

    result = update(project, data={"flink_version": "2.3"}, vcs_ref=":current:")

    assert result.answers_changed == {"flink_version": ("2.2", "2.3")}
    assert result.conflicts == []
    pom = Pom(project / "pom.xml")
    assert pom.properties["flink.version"].startswith("2.3.")
    assert pom.properties["maven.compiler.release"] == "17"
    assert pom.properties["kafka-connector.version"] == load_catalog().pins()["kafka_connector"].value_for(
        "2.3"
    )
    assert "{0,11}" in _java(project, "StockPriceParser.java").read_text()
    assert "Owned by the orders team." in (project / "README.md").read_text()
    # A move within 2.x is no major upgrade: the README has no 1.x -> 2.x migration section.
    assert "## Moving to Flink" not in (project / "README.md").read_text()


def test_nothing_to_update_is_said(
    tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, template)
    assert main(["update", str(project)]) == 0
    assert "nothing changed: the project is already up to date" in capsys.readouterr().out


def test_uncommitted_changes_block_the_update(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template)
    (project / "notes.txt").write_text("scratch")
    with pytest.raises(UserError, match=r"has uncommitted changes \(notes.txt\); commit or stash them first"):
        update(project)


def test_a_directory_without_answers_is_not_updatable(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project/>")
    with pytest.raises(UserError, match=r"has no \.copier-answers\.yml"):
        update(tmp_path)


def test_a_project_from_a_non_git_template_is_explained(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / ".copier-answers.yml").write_text("_src_path: /somewhere\nproject_name: x\n")
    with pytest.raises(UserError, match="does not record a template git source and version"):
        update(project)


def test_an_unreachable_template_is_named(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template)
    answers = project / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(str(template), str(tmp_path / "gone")))
    _git(project, "commit", "-q", "-am", "moved template")
    with pytest.raises(UserError, match="cannot be reached"):
        update(project)


@pytest.mark.compile
def test_switched_project_builds_and_passes_its_tests_on_flink_22(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template, flink_version="1.20")
    _user_edits(project)
    update(project, data={"flink_version": "2.2"}, vcs_ref=":current:")

    build = maven_verify(project)

    assert build.returncode == 0, build.stdout[-5000:]
    assert "Tests run:" in build.stdout
    assert (project / "target/app-0.1.0-SNAPSHOT.jar").is_file()  # named after the folder "app"


@pytest.mark.compile
def test_project_moved_to_23_builds_and_passes_its_tests(tmp_path: Path, template: Path) -> None:
    project = _project(tmp_path, template, flink_version="2.2", source="kafka", sinks="[kafka]")
    _user_edits(project)
    update(project, data={"flink_version": "2.3"}, vcs_ref=":current:")

    build = maven_verify(project)

    assert build.returncode == 0, build.stdout[-5000:]
    assert "Tests run:" in build.stdout


def test_a_downgrade_is_refused(tmp_path: Path, template: Path) -> None:
    _release(template, "v0.2.0", LOG4J_BUMP)
    project = generate(
        tmp_path / "app",
        data={"source": "datagen", "sinks": "[print]"},
        defaults=True,
        template=str(template),
        vcs_ref="v0.2.0",
    ).destination
    with pytest.raises(UserError, match=r"copier update refused: .*downgrad"):
        update(project, vcs_ref="v0.1.0")
    assert answers_file(project)["_commit"] == "v0.2.0"
