"""The README's demo command works: a generated job runs locally and prints transformed records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from msf_scaffold.catalog import load_catalog
from tests.e2e.harness.records import FIRST_BATCH, MALFORMED, normalised, ordered
from tests.helpers import ROOT
from tests.served_here import Served

pytestmark = pytest.mark.demo


@pytest.mark.parametrize("flink_version", ["2.2", "1.20"])
def test_demo_generates_builds_tests_and_runs_the_job(tmp_path: Path, flink_version: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools/demo.py"),
            "--dest",
            str(tmp_path / "demo"),
            "--flink-version",
            flink_version,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    out = result.stdout
    prices = re.findall(
        r"^output:\d+> StockPrice\{eventTime=\S+, ticker=([A-Z]+), price=(\d+\.\d+)\}$", out, re.M
    )
    dead = re.findall(r"^dead-letter:\d+> DeadLetter\{error=(.+), raw=", out, re.M)
    # The generator makes 50 records, every 10th malformed; tickers arrive in mixed case and padded.
    assert len(prices) == 45
    assert len(dead) == 5
    assert {ticker for ticker, _ in prices} == {"AMZN", "MSFT", "GOOG", "AAPL", "TSLA"}
    assert all(len(price.split(".")[1]) <= 2 for _, price in prices)
    assert all("not a stock price JSON object" in error for error in dead)
    assert "45 records transformed, 5 malformed records sent to the dead-letter output." in out
    assert "Tests run:" in out
    _assert_the_default_project_ran_against_local_kinesis(out, flink_version)


def _assert_the_default_project_ran_against_local_kinesis(out: str, flink_version: str) -> None:
    """The Kinesis part moved the records, or names exactly the coordinates this Maven repository
    is known not to serve for the default project (tests/data/unresolvable-here.yml)."""
    not_served = Served.here(load_catalog()).missing(flink_version, "datastream", ["kinesis"], {})
    skipped = re.search(r"^kinesis: not run: (.+)$", out, re.M)
    if not_served:
        assert skipped, out[-3000:]
        named = {":".join(c.split(":")[i] for i in (0, 1, 3)) for c in skipped.group(1).split()}
        assert named == set(not_served), (named, not_served)
        assert not re.search(r"^kinesis-output:", out, re.M)
        return
    assert not skipped, out[-3000:]
    prices = [json.loads(line) for line in re.findall(r"^kinesis-output: (.+)$", out, re.M)]
    dead = [json.loads(line) for line in re.findall(r"^kinesis-dead-letter: (.+)$", out, re.M)]
    assert ordered(prices) == normalised(FIRST_BATCH)
    assert sorted(letter["raw"] for letter in dead) == sorted(MALFORMED)
    assert all(letter["error"] for letter in dead)
