"""Seeded garbage fed to every command: no traceback, exit code 0, 1 or 2, nothing left on disk.

Arguments are what a shell can pass (bytes without NUL, decoded as Python decodes argv); files
are random bytes, random YAML-looking text or random XML. The seed is fixed, so a failure
reproduces; change it to explore.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from msf_scaffold.cli import main
from msf_scaffold.questions import question_names
from msf_scaffold.template_source import bundled_template, package_checkout

SEED = 20260715
QUESTIONS = question_names(package_checkout() or bundled_template())
YAMLISH = [
    "[",
    "]",
    "{a: [}",
    "[kafka, print",
    "1.2",
    "1.20",
    "~",
    "!!python/object:os.system",
    "&a [*a]",
    "*a",
    "'",
    '"',
    ": x",
    "- a\n- b",
    "{}",
    "[]",
    "true",
    "0x1F",
    "java.lang",
    "com.new",
    "print",
]


def _text(rng: random.Random, size: int = 12) -> str:
    """What argv can hold: any bytes but NUL, decoded as Python decodes the command line."""
    kind = rng.randrange(3)
    if kind == 0:
        return os.fsdecode(bytes(rng.randrange(1, 256) for _ in range(rng.randrange(size + 1))))
    if kind == 1:
        return "".join(
            chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000)])) for _ in range(size)
        )
    return rng.choice(YAMLISH)


def _key(rng: random.Random) -> str:
    name = rng.choice(QUESTIONS)
    kind = rng.random()
    if kind < 0.75:
        return name
    if kind < 0.9:  # a typo
        i = rng.randrange(len(name))
        return name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[:i] + rng.choice("xyz_") + name[i:]
    return _text(rng, 6) or "k"


def _file(rng: random.Random, path: Path) -> Path:
    kind = rng.randrange(3)
    if kind == 0:
        path.write_bytes(rng.randbytes(rng.randrange(64)))
    elif kind == 1:
        lines = [f"{_key(rng)}: {rng.choice(YAMLISH)}" for _ in range(rng.randrange(4))]
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogateescape")
    else:
        path.write_text(f"<project><{_key(rng)}>{_text(rng)}</x></project>", errors="surrogateescape")
    return path


def _data(rng: random.Random) -> list[str]:
    args: list[str] = []
    for _ in range(rng.randrange(1, 4)):
        args += ["-d", f"{_key(rng)}={_text(rng)}"]
    return args


def _cases(rng: random.Random, tmp: Path) -> list[tuple[list[str], Path]]:
    """(argv, parent that must hold nothing afterwards but the destination) for every command."""
    cases: list[tuple[list[str], Path]] = []
    for i in range(12):
        parent = tmp / f"new{i}"
        parent.mkdir()
        files = tmp / f"files{i}"
        files.mkdir()
        args = ["new", str(parent / (_text(rng, 8).replace("/", "_") or "app")), "--defaults", "--no-git"]
        args += _data(rng)
        if rng.random() < 0.25:
            args += ["--answers-file", str(_file(rng, files / "answers.yml"))]
        if rng.random() < 0.25:
            args += ["--org-defaults", str(_file(rng, files / "org.yml"))]
        if rng.random() < 0.2:
            args += ["--preset", _text(rng, 6)]
        cases.append((args, parent))
    for i in range(6):
        parent = tmp / f"update{i}"
        project = parent / "project"
        project.mkdir(parents=True)
        if rng.random() < 0.6:
            _file(rng, project / ".copier-answers.yml")
        target = project if rng.random() < 0.7 else parent / _text(rng, 8).replace("/", "_")
        cases.append((["update", str(target), *_data(rng)], parent))
    for i in range(6):
        parent = tmp / f"doctor{i}"
        parent.mkdir()
        if rng.random() < 0.8:
            _file(rng, parent / "pom.xml")
        cases.append((["doctor", str(parent), *rng.sample(["--json", "--strict"], rng.randrange(3))], parent))
    for _ in range(3):
        cases.append((["versions", *rng.sample(["--json", _text(rng, 4)], rng.randrange(2))], tmp))
        cases.append((["presets", *([_text(rng, 4)] if rng.random() < 0.5 else [])], tmp))
        missing = tmp / "no-repository" / _text(rng, 6).replace("/", "_")
        line = ["--line", rng.choice(["2.2", "1.2", _text(rng, 3)])] if rng.random() < 0.5 else []
        cases.append((["freshness", "--repository", str(missing), "--maven-only", *line], tmp))
    return cases


def _left_over(parent: Path, argv: list[str], code: int) -> list[str]:
    """What a failed command left in ``parent``; a successful ``new`` may leave its project only."""
    names = sorted(p.name for p in parent.iterdir())
    if argv[0] == "new":
        destination = Path(argv[1]).name
        return [name for name in names if not (code == 0 and name == destination)]
    if argv[0] == "update":
        return [name for name in names if name != "project"]
    if argv[0] == "doctor":
        return [name for name in names if name != "pom.xml"]
    return [name for name in names if name.startswith(".")]


def test_garbage_on_every_command_ends_in_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(SEED)
    for argv, parent in _cases(rng, tmp_path):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 2
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err, argv
        assert code in (0, 1, 2), (argv, captured.err)
        if code != 0:
            assert captured.err.strip(), argv
        assert _left_over(parent, argv, code) == [], argv


def test_garbage_arguments_in_a_real_process(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 reach the process and come back in its messages."""
    command = [sys.executable, "-m", "msf_scaffold"]
    bad = os.fsdecode(b"caf\xe9-\xff")
    for argv in (
        ["doctor", str(tmp_path / bad)],
        ["update", str(tmp_path / bad), "-d", f"{bad}=x"],
        ["new", str(tmp_path / bad), "--defaults", "--no-git", "-d", f"owner={bad}", "-d", "sinks=print"],
    ):
        result = subprocess.run([*command, *argv], capture_output=True, check=False)
        assert result.returncode == 2, result.stderr
        assert b"Traceback" not in result.stdout + result.stderr
        assert result.stderr.startswith(b"msf-scaffold: error: ")
    assert list(tmp_path.iterdir()) == []
