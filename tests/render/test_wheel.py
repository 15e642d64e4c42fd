"""The installed package carries the template: a wheel renders the same project as the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from msf_scaffold._version import __version__
from msf_scaffold.doctor import json_schema
from msf_scaffold.template_source import TEMPLATE_URL_ENV
from tests.helpers import answers_file


def test_a_wheel_renders_from_its_bundled_template(tmp_path: Path, wheel: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    url = "git://127.0.0.1:9418/msf-scaffold"  # where a team serves the template; recorded, not read
    env = {**os.environ, "PYTHONPATH": str(site), TEMPLATE_URL_ENV: url}
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
    assert f"records the template as {url} at v{__version__}" in result.stdout
    project = tmp_path / "app"
    assert answers_file(project)["source"] == "datagen"
    assert (answers_file(project)["_src_path"], answers_file(project)["_commit"]) == (url, f"v{__version__}")
    assert os.access(project / "mvnw", os.X_OK)
    assert (project / "src/main/resources/flink-application-properties-dev.json").is_file()


def test_the_wheel_ships_the_doctor_report_schema(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        shipped = json.loads(archive.read("msf_scaffold/doctor/report.schema.json"))
    assert shipped == json_schema()
