"""What the commands print: `versions` fits a terminal, and every output survives a closed pipe."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, Dependency
from msf_scaffold.cli import main
from msf_scaffold.matrix import WIDTH, _table
from tests.helpers import POM_WITH_A_DOCTOR_ERROR

COMMAND = [sys.executable, "-m", "msf_scaffold"]
#: The shell's exit code for a process that SIGPIPE ends, as `yes | head -1` gives.
CLOSED_PIPE = 128 + signal.SIGPIPE


def _versions(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert main(["versions", *flags]) == 0
    return capsys.readouterr().out


def _bundled(catalog: Catalog, connector_id: str, line: str) -> list[Dependency]:
    return [
        dep
        for dep in catalog.connectors[connector_id].dependencies
        if dep.scope == "compile" and (not dep.lines or line in dep.lines)
    ]


@pytest.mark.parametrize("flags", [(), ("--details",)])
def test_versions_text_fits_the_width(flags: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    out = _versions(capsys, *flags)
    too_wide = [row for row in out.splitlines() if len(row) > WIDTH]
    assert WIDTH == 100
    assert too_wide == []


def test_versions_shows_each_line_and_each_connectors_main_version(
    catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _versions(capsys).splitlines()
    lines = list(catalog.flink.lines)
    header = next(row for row in rows if row.startswith("connector "))
    assert header.split()[2:] == [word for line in lines for word in ("Flink", line)]
    for connector_id in catalog.connectors:
        cells = next(row for row in rows if row.startswith(f"{connector_id} ")).split()[2:]
        expected = []
        for line in lines:
            bundled = _bundled(catalog, connector_id, line)
            main_dep = next((dep for dep in bundled if dep.version), bundled[0] if bundled else None)
            if line not in catalog.supported_lines(connector_id):
                expected += ["not", "offered"]
            elif main_dep is None:
                expected += ["built", "in"]
            else:
                expected.append(catalog.version_of(main_dep, line))
        assert cells == expected, connector_id
    for line, summary in catalog.flink.lines.items():
        assert any(row.split()[:2] == [line, summary.msf_runtime] for row in rows)


def test_versions_details_show_every_coordinate_of_the_catalog(
    catalog: Catalog, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _versions(capsys, "--details")
    for line, summary in catalog.flink.lines.items():
        heading = (
            f"Flink {line} (MSF runtime {summary.msf_runtime}, Java {summary.java_release}): coordinates"
        )
        section = out.split(f"\n{heading}\n\n", 1)[1].split("\n\n", 1)[0]
        rows = [row.strip() for row in section.splitlines()]
        assert rows and all(rows)
        for connector_id in catalog.connectors:
            bundled = _bundled(catalog, connector_id, line)
            if line not in catalog.supported_lines(connector_id):
                assert any(row.startswith(connector_id) and row.endswith(": not offered") for row in rows)
            elif not bundled:
                assert any(row.startswith(connector_id) and row.endswith(": built in") for row in rows)
            for dep in bundled if line in catalog.supported_lines(connector_id) else []:
                coordinate = f"{dep.group}:{dep.artifact}:{catalog.version_of(dep, line)}"
                assert any(row.split()[0] == coordinate for row in rows), (line, coordinate)


def test_versions_wraps_the_reasons(catalog: Catalog, capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(_versions(capsys).split())  # the wrapped rows joined again
    for runtime, reason in catalog.flink.not_offered.items():
        assert f"{runtime}: {' '.join(reason.split())}" in text
    assert f"Default {catalog.flink.default_line}: {' '.join(catalog.flink.default_line_why.split())}" in text


def test_a_table_wider_than_the_width_is_split_and_repeats_the_first_columns() -> None:
    header = ["connector", "roles"] + [f"Flink 1.{minor}" for minor in range(12)]
    rows = [["kafka", "source+sink"] + [f"3.4.0-1.{minor}" for minor in range(12)]]
    out = _table(header, rows, fixed=2)
    assert max(len(row) for row in out) <= WIDTH
    headers = [row.split("  ") for row in out if row.startswith("connector")]
    assert len(headers) > 1
    shown = [cell.strip() for part in headers for cell in part if cell.strip().startswith("Flink")]
    assert shown == header[2:]


def test_versions_json_and_details_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["versions", "--json", "--details"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.fixture(scope="module")
def broken_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project that doctor reports an error on (exit code 1)."""
    project = tmp_path_factory.mktemp("project")
    (project / "pom.xml").write_text(POM_WITH_A_DOCTOR_ERROR)
    return project


#: Each command whose output may go into `| head -1`, and its exit code when read to the end.
PIPED = [
    (["versions"], 0),
    (["versions", "--json"], 0),
    (["versions", "--details"], 0),
    (["presets"], 0),
    (["doctor", "{project}"], 1),
    (["doctor", "{project}", "--json"], 1),
    (["--help"], 0),
    (["versions", "--help"], 0),
    (["--version"], 0),
]


def _argv(argv: list[str], project: Path) -> list[str]:
    return [arg.format(project=project) for arg in argv]


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "PYTHONUNBUFFERED"])
@pytest.mark.parametrize(("argv", "code"), PIPED, ids=[" ".join(a) for a, _ in PIPED])
def test_output_into_a_pipe_whose_reader_is_gone_ends_quietly(
    argv: list[str], code: int, buffered: bool, broken_project: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte is written
    try:
        result = subprocess.run(
            [*COMMAND, *_argv(argv, broken_project)],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )
    finally:
        os.close(write)
    assert result.stderr.decode() == ""
    # argparse prints --help and --version itself and ignores a failed write; buffered, the
    # failure shows when msf-scaffold flushes standard output.
    printed_by_argparse = argv[-1] in ("--help", "--version")
    assert result.returncode == (0 if printed_by_argparse and not buffered else CLOSED_PIPE)


@pytest.mark.parametrize(("argv", "code"), PIPED, ids=[" ".join(a) for a, _ in PIPED])
def test_output_read_one_line_then_closed_ends_quietly(
    argv: list[str], code: int, broken_project: Path
) -> None:
    """`msf-scaffold ... | head -1`: one line is read, then the pipe closes (the process may be done)."""
    full = subprocess.run(
        [*COMMAND, *_argv(argv, broken_project)], capture_output=True, text=True, check=False
    )
    assert full.returncode == code
    with subprocess.Popen(
        [*COMMAND, *_argv(argv, broken_project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        returncode = process.wait()
    assert first == full.stdout.splitlines(keepends=True)[0]
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert stderr == ""
    assert returncode in (code, CLOSED_PIPE)
