"""`msf-scaffold new` and plain `copier copy` give the same project; the API records its source."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from msf_scaffold.generate import generate
from tests.helpers import ROOT, answers_file, snapshot_template


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def test_cli_and_plain_copier_produce_the_same_files(tmp_path: Path) -> None:
    """Into folders of the same name, which names the project (both read it the same way)."""
    template = snapshot_template(tmp_path / "template")
    copier_bin = Path(sys.executable).with_name("copier")
    a, b = tmp_path / "copier" / "orders-app", tmp_path / "cli" / "orders-app"
    subprocess.run(
        [str(copier_bin), "copy", "--defaults", "--quiet", str(template), str(a)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "msf_scaffold",
            "new",
            str(b),
            "--defaults",
            "--no-git",
            "--template",
            str(template),
        ],
        check=True,
        capture_output=True,
    )
    assert sorted(_tree(a)) == sorted(_tree(b))
    assert _tree(a) == _tree(b)
    assert answers_file(b)["artifact_id"] == "orders-app"
    assert filecmp.cmp(a / "mvnw", b / "mvnw", shallow=False)
    assert (b / "mvnw").stat().st_mode & 0o111


def test_generate_records_the_template_and_makes_a_first_commit(tmp_path: Path) -> None:
    result = generate(tmp_path / "app", data={"sinks": "[kafka, print]"}, defaults=True)
    answers = answers_file(result.destination)
    assert answers["_src_path"] == str(ROOT)
    assert answers["sinks"] == ["kafka", "print"]
    assert result.git_commit
    log = subprocess.run(
        ["git", "-C", str(result.destination), "log", "--format=%s"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert log.stdout.startswith("Generate project with msf-scaffold")
    status = subprocess.run(
        ["git", "-C", str(result.destination), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
