"""The interactive flow, driven through a real pseudo-terminal as a person would use it."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from msf_scaffold.presets import load_presets
from tests.helpers import ROOT, answers_file
from tests.questionnaire import Questionnaire

DOWN, ENTER = "\x1b[B", "\r"
# copier's question mark (a microphone), then terminal styling, then the question's text.
COPIER_QUESTION = "\U0001f3a4(?:\x1b\\[[0-9;]*m)* "


def _spawn(cwd: Path, *args: str, columns: int = 160) -> pexpect.spawn:
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "PYTHONPATH": str(ROOT / "src"),
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "msf_scaffold", "new", *args],
        cwd=str(cwd),
        env=env,
        dimensions=(50, columns),
        encoding="utf-8",
        timeout=60,
    )


def _decline_the_first_build(child: pexpect.spawn) -> None:
    """Answers no to the first build, the last question once the project is written, and waits
    for the command to end."""
    child.expect("Run the first build now")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()


def _answer_copier_questions_with_defaults(
    child: pexpect.spawn, until: str, answered: set[str] | None = None
) -> list[str]:
    """Presses Enter once on every copier question until ``until`` appears; returns the questions.

    prompt_toolkit redraws a question while it is asked and once more with the answer, so a
    question is recognised by the start of its text and answered only the first time it is seen.
    ``answered`` holds questions the test already answered itself.
    """
    done = set(answered or ())
    seen: list[str] = []
    while True:
        index = child.expect([COPIER_QUESTION + r"([^\r\n\x1b]{1,60})", until])
        if index == 1:
            return seen
        key = child.match.group(1)[:30]
        if key in done:
            continue
        done.add(key)
        seen.append(child.match.group(1))
        child.send(ENTER)


def test_the_whole_flow_with_a_preset(tmp_path: Path) -> None:
    child = _spawn(tmp_path)
    child.expect(r"Where should the new project go\?")
    child.send("orders-app" + ENTER)
    child.expect(r"Start from a preset pipeline\?")
    child.expect("none: answer every question")
    # The list is "none", then the presets in load_presets() order.
    child.send(DOWN * (1 + list(load_presets()).index("local-demo")) + ENTER)
    child.expect(r"Create a git repository with a first commit\?")
    child.send("y")
    questions = _answer_copier_questions_with_defaults(child, "Your project:")
    child.expect(r"Create it\?")
    child.send("y")
    _decline_the_first_build(child)

    assert child.exitstatus == 0, child.before
    assert any("How familiar" in q for q in questions)
    assert not any("Where the job reads" in q for q in questions), "the preset answers the source"
    answers = answers_file(tmp_path / "orders-app")
    assert (answers["source"], answers["sinks"]) == ("datagen", ["print"])
    assert (tmp_path / "orders-app/.git").is_dir()


def test_declining_at_the_summary_writes_nothing(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "app")
    child.expect(r"Start from a preset pipeline\?")
    child.send(ENTER)
    child.expect("Create a git repository")
    child.send("n")
    _answer_copier_questions_with_defaults(child, "Your project:")
    child.expect(r"Create it\?")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 1
    assert "nothing was written" in (child.before or "")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_answer_is_asked_again_with_the_rule(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "app", "--no-git", "-d", "source=datagen", "-d", "sinks=[print]")
    child.expect(r"Start from a preset pipeline\?")
    child.send(ENTER)
    child.expect(COPIER_QUESTION + r"(How familiar[^\r\n\x1b]{0,48})")
    answered = {child.match.group(1)[:30]}
    child.send(ENTER)
    child.expect(COPIER_QUESTION + r"(Project name[^\r\n\x1b]{0,48})")
    answered.add(child.match.group(1)[:30])
    child.send("\x15" + "1 bad name" + ENTER)  # Ctrl-U clears the default first
    child.expect("project_name must start with a letter")
    child.send("\x15" + "Orders" + ENTER)
    _answer_copier_questions_with_defaults(child, "Your project:", answered)
    child.expect(r"Create it\?")
    child.send("y")
    _decline_the_first_build(child)

    assert child.exitstatus == 0
    assert answers_file(tmp_path / "app")["project_name"] == "Orders"


# Terminal control sequences (styles, cursor moves, modes) and carriage returns: not text on screen.
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def test_every_help_is_read_in_full_at_80_columns(tmp_path: Path) -> None:
    data = {"source": "kafka", "sinks": ["kinesis", "iceberg", "files"]}
    child = _spawn(
        tmp_path, "app", "--no-git", "-d", "source=kafka", "-d", "sinks=[kinesis, iceberg, files]", columns=80
    )
    screen = io.StringIO()
    child.logfile_read = screen
    child.expect(r"Start from a preset pipeline\?")
    child.send(ENTER)
    # Experienced, the level that is asked every question (the third choice).
    child.expect(COPIER_QUESTION + r"(How familiar[^\r\n\x1b]{0,48})")
    answered = {child.match.group(1)[:30]}
    child.send(DOWN + DOWN + ENTER)
    _answer_copier_questions_with_defaults(child, "Your project:", answered)
    child.expect(r"Create it\?")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 1, child.before
    shown = CONTROL.sub("", screen.getvalue())
    questionnaire = Questionnaire(ROOT, "app")
    answers = {**questionnaire.defaults(), **data, "experience": "experienced"}
    asked = [
        name for name in questionnaire.names() if name not in data and questionnaire.prompted(name, answers)
    ]
    expected = {
        "experience",
        "kafka_auth",
        "iceberg_catalog",
        "files_format",
        "tags",
        "backstage",
        "msf_log_level",
    }
    assert expected <= set(asked)
    for name in asked:
        help_text = questionnaire.env.from_string(str(questionnaire.questions[name]["help"])).render(
            **questionnaire.context, **answers
        )
        for line in help_text.splitlines():
            assert f"{line}\n" in shown, (name, line)
    summary = shown[shown.index("Your project:") : shown.index("Create it?")]
    assert max(len(line) for line in summary.splitlines()) < 80, summary
    assert list(tmp_path.iterdir()) == []


def test_keys_typed_ahead_do_not_confirm_the_summary(tmp_path: Path) -> None:
    # Experienced: the level that is asked the Backstage question.
    child = _spawn(tmp_path, "app", "--no-git", "--preset", "local-demo", "-d", "experience=experienced")
    backstage = "Add a Backstage catalog-info.yaml so that the"
    _answer_copier_questions_with_defaults(child, r"\(y/N\)", {backstage[:30]})
    child.send("y" + ENTER + "y" + ENTER)  # yes to Backstage, then a yes and Enter typed ahead
    child.expect("Your project:")
    child.expect(r"Create it\?")
    waiting = child.expect([pexpect.TIMEOUT, "Run the first build now", pexpect.EOF], timeout=5)
    assert waiting == 0, "the confirmation must wait for an answer given after the summary"
    assert not (tmp_path / "app").exists()
    child.send("y")
    _decline_the_first_build(child)

    assert child.exitstatus == 0
    assert answers_file(tmp_path / "app")["backstage"] is True


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@localhost")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@localhost")
