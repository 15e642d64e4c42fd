"""Bad input on the command line ends in a message naming the input and the fix, exit code 2, and
nothing written: unknown keys, answers of the wrong shape, unreadable files, missing paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from msf_scaffold.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.err


@pytest.mark.parametrize("command", ["new", "update"])
def test_an_unknown_key_is_refused_with_its_close_matches(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(
        [command, str(tmp_path / "app"), "-d", "flink_verison=2.2", "-d", "sink=[print]"], capsys
    )
    assert code == 2
    assert (
        "unknown question 'flink_verison' (did you mean flink_version?), 'sink' (did you mean sinks?)" in err
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["new", "update"])
def test_a_single_sink_that_is_not_a_list_is_refused_with_the_fix(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run([command, str(tmp_path / "app"), "-d", "sinks=print"], capsys)
    assert code == 2
    assert (
        "sinks must be a list of choices, not 'print': write it in brackets (example: -d 'sinks=[print]'"
        in err
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["new", "update"])
def test_a_yaml_error_in_tags_names_tags(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run([command, str(tmp_path / "app"), "-d", "tags={Team: [}"], capsys)
    assert code == 2
    assert "error: tags is not valid YAML (did not find expected node content at line 1, column 9)" in err
    assert '(example: tags: {CostCenter: "1234", Environment: prod})' in err


def test_an_unquoted_flink_version_that_names_no_line_says_to_quote_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("flink_version: 1.5\n")
    code, err = _run(["new", str(tmp_path / "app"), "--defaults", "--answers-file", str(answers)], capsys)
    assert code == 2
    assert "flink_version was read from YAML as the number 1.5, which names no Flink line; quote it" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml"]


@pytest.mark.parametrize("option", ["--answers-file", "--org-defaults"])
def test_a_file_that_is_not_utf8_is_named(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "file.yml"
    path.write_bytes(b"owner: caf\xe9\n")
    code, err = _run(["new", str(tmp_path / "app"), "--defaults", option, str(path)], capsys)
    assert code == 2
    assert f"{path} is not UTF-8 text (invalid continuation byte at byte 10); save it as UTF-8" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.yml"]


def test_update_names_an_answers_file_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".copier-answers.yml").write_bytes(b"_commit: v1\n_src_path: \xff\n")
    code, err = _run(["update", str(tmp_path)], capsys)
    assert code == 2
    assert f"{tmp_path / '.copier-answers.yml'} is not UTF-8 text" in err


def test_an_unknown_org_default_names_its_close_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.yml"
    path.write_text("defaults:\n  aws_regoin: eu-west-1\n")
    code, err = _run(["new", str(tmp_path / "app"), "--defaults", "--org-defaults", str(path)], capsys)
    assert code == 2
    assert "defaults.aws_regoin is not a question (did you mean aws_region?)" in err


def test_update_on_a_missing_path_says_it_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["update", str(tmp_path / "nowhere")], capsys)
    assert code == 2
    assert f"{tmp_path / 'nowhere'} does not exist: give the directory of a project" in err
    assert not (tmp_path / "nowhere").exists()


def test_update_on_a_file_says_it_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pom.xml").write_text("<project/>")
    code, err = _run(["update", str(tmp_path / "pom.xml")], capsys)
    assert code == 2
    assert "is a file, not a project directory" in err


@pytest.mark.parametrize("destination", ["/proc/msf-app", "/sys/msf-app"])
def test_a_destination_on_a_kernel_file_system_is_refused(
    destination: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["new", destination, "--defaults", "--no-git"], capsys)
    assert code == 2
    assert f"cannot create {destination}: " in err
    assert "Nothing was written." in err


def test_a_destination_name_longer_than_the_file_system_allows_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["new", str(tmp_path / ("a" * 300)), "--defaults", "--no-git"], capsys)
    assert code == 2
    assert "File name too long" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["new", "update", "doctor"])
def test_a_path_with_a_nul_character_is_a_usage_error(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "a\0b"])
    assert exit_.value.code == 2
    assert "is not a path: it holds a NUL character" in capsys.readouterr().err
