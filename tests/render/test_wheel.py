"""The installed package carries the template: a wheel renders the same project as the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, answers_file


def test_a_wheel_renders_from_its_bundled_template(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("msf_scaffold-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "msf_scaffold",
            "new",
            str(tmp_path / "app"),
            "--defaults",
            "--no-git",
            "--preset",
            "local-demo",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert str(site / "msf_scaffold" / "_template") in result.stdout
    assert "cannot update this project" in result.stdout
    project = tmp_path / "app"
    assert answers_file(project)["source"] == "datagen"
    assert os.access(project / "mvnw", os.X_OK)
    assert (project / "src/main/resources/flink-application-properties-dev.json").is_file()
