"""The benchmark suite's own logic: statistics, log parsing, reports and findings (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import archetype, maven, maven_log, throughput
from benchmarks.cli import build_parser, settings_from
from benchmarks.findings import findings
from benchmarks.python_costs import ImportTimes
from benchmarks.report import markdown_table, number, text_table
from benchmarks.settings import STAGES, Settings
from benchmarks.stats import Row, Table, summarize
from benchmarks.timing import BenchmarkError
from benchmarks.verification import matrix_sizes, with_extra_connectors

from msf_scaffold.catalog import Catalog
from tests.covering import covering_set


def test_summary_has_median_extremes_and_quartiles() -> None:
    summary = summarize([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (summary.median, summary.low, summary.high, summary.count) == (3.0, 1.0, 5.0, 5)
    assert summary.q1 == 2.0 and summary.q3 == 4.0
    single = summarize([7.0])
    assert single.median == single.q1 == single.q3 == 7.0
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_ratios_are_paired_repetition_by_repetition() -> None:
    row = Row("x", "x", "s", (2.0, 6.0, 3.0), (1.0, 2.0, 3.0))
    assert row.ratios == (2.0, 3.0, 1.0)
    assert row.ratio.median == 2.0
    with pytest.raises(ValueError, match="baselines"):
        Row("y", "y", "s", (1.0,), (1.0, 2.0))


LOG = """\
01:00:02.000 [INFO] Scanning for projects...
01:00:03.000 [INFO] --- compiler:3.14.1:compile (default-compile) @ app ---
01:00:05.500 [INFO] --- surefire:3.5.4:test (default-test) @ app ---
01:00:05.499 [INFO] a line of another thread, logged a millisecond early
01:00:09.000 [INFO] --- shade:3.6.1:shade (default) @ app ---
01:00:10.000 [INFO] BUILD SUCCESS
"""


def test_maven_log_phases_from_timestamps() -> None:
    launched = maven_log.seconds_of_day(1, 0, 0, 0)
    phases = maven_log.phases(LOG, launched, launched + 10.5)
    assert phases[maven_log.STARTUP] == pytest.approx(2.0)
    assert phases[maven_log.MODEL] == pytest.approx(1.0)
    assert phases["compiler:compile"] == pytest.approx(2.5)
    assert phases["surefire:test"] == pytest.approx(3.5)
    assert phases["shade:shade"] == pytest.approx(1.0)
    assert phases[maven_log.SHUTDOWN] == pytest.approx(0.5)


def test_maven_log_handles_midnight() -> None:
    log = "23:59:59.000 [INFO] Scanning for projects...\n00:00:01.000 [INFO] --- jar:3.4.2:jar (x) @ a ---\n"
    log += "00:00:02.000 [INFO] BUILD SUCCESS\n"
    launched = maven_log.seconds_of_day(23, 59, 58, 0)
    phases = maven_log.phases(log, launched, maven_log.seconds_of_day(0, 0, 3, 0))
    assert phases[maven_log.MODEL] == pytest.approx(2.0)
    assert phases["jar:jar"] == pytest.approx(1.0)
    assert phases[maven_log.SHUTDOWN] == pytest.approx(1.0)


def test_import_times_take_the_first_import_of_each_module() -> None:
    text = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       100 |        250 |     yaml\n"
        "import time:      2000 |     500000 | msf_scaffold.cli\n"
        "import time:        10 |         10 |   yaml\n"
        "import time:         5 |         40 |     jinja2\n"
        "import time:         5 |         50 |   jinja2.exceptions\n"
        "import time:         5 |         90 | copier\n"
    )
    times = ImportTimes.parse(text)
    assert times.seconds["yaml"] == 0.00025 and times.seconds["msf_scaffold.cli"] == 0.5
    assert times.parents["yaml"] == "msf_scaffold.cli"
    assert times.parents["jinja2"] == "copier"
    assert "copier" not in times.parents


def test_throughput_output_is_parsed_and_checked() -> None:
    output = (
        "noise\nBENCHMARK-SERIALIZER org.example.PojoSerializer\n"
        "BENCHMARK-RESULT records=1000 millis=500 cpu-millis=1000\n"
        "BENCHMARK-RESULT records=1000 millis=250 cpu-millis=500\n"
        "BENCHMARK-RESULT records=1000 millis=1000 cpu-millis=4000\n"
    )
    result = throughput.JvmResult.parse(output)
    assert len(result.jobs) == 3
    assert result.records_per_second == 2000.0
    assert result.records_per_cpu_second == 1000.0
    assert result.serializer.endswith(throughput.EXPECTED_SERIALIZER["pojo"])
    assert throughput.Workload(10, 5, 2, 3).arguments("kryo") == ["kryo", "10", "5", "2", "3"]
    with pytest.raises(BenchmarkError, match="no benchmark result"):
        throughput.JvmResult.parse("no result here")


def test_datagen_floor_reads_local_properties_and_catalog_defaults(tmp_path: Path) -> None:
    resources = tmp_path / "src/main/resources"
    resources.mkdir(parents=True)
    document = [
        {"PropertyGroupId": "DataGen", "PropertyMap": {"max.records": "50", "records.per.second": "25"}}
    ]
    (resources / "flink-application-properties-dev.json").write_text(json.dumps(document))
    assert throughput.datagen_floor(tmp_path) == 2.0


def _table() -> Table:
    table = Table("build", "Build", "the archetype")
    table.add("quickstart-a", "archetype", "s", [10.0, 12.0], [10.0, 12.0])
    table.add("ours-a", "ours", "s", [15.0, 18.0], [10.0, 12.0])
    table.notes.append("a note")
    return table


def test_reports_show_median_spread_and_ratio() -> None:
    table = _table()
    text, markdown = text_table(table), markdown_table(table)
    for rendered in (text, markdown):
        assert "16.50 s" in rendered and "15.00 s - 18.00 s" in rendered and "1.50x" in rendered
    assert markdown.startswith("### Build") and "- a note" in markdown
    assert number(0.25, "s") == "250 ms" and number(0.03, "MB") == "30 kB"
    assert number(1234.0, "records/s") == "1,234 rec/s"


def test_findings_use_only_the_tables_present() -> None:
    assert findings([]) == []
    jar = Table("jar", "JAR", "archetype")
    jar.add("ours-a", "ours", "MB", [2.0, 2.0], [0.5, 0.5])
    table = _table()
    table.add("ours-b", "ours kafka", "s", [20.0, 20.0], [16.0, 16.0])
    found = findings([table, jar])
    assert len(found) == 1 and "1.50x" in found[0] and "4x" in found[0]


def test_matrix_sizes_come_from_the_covering_set(catalog: Catalog) -> None:
    covering, full = matrix_sizes(catalog)
    assert covering == len(covering_set(catalog))
    assert full == 3 * sum(1 for _ in catalog.valid_combinations())
    grown = with_extra_connectors(catalog, 1)
    line = next(iter(catalog.flink.lines))
    assert len(grown.offered("sink", line)) == len(catalog.offered("sink", line)) + 1
    bigger_covering, bigger_full = matrix_sizes(grown)
    assert bigger_covering > covering and bigger_full / bigger_covering > full / covering


def test_settings_presets_and_overrides() -> None:
    quick = settings_from(build_parser().parse_args(["--quick", "--stages", "build", "--repeats", "2"]))
    assert quick.stages == ("build",) and quick.repeats == 2
    assert quick.build_repeats <= Settings.default().build_repeats
    assert settings_from(build_parser().parse_args([])).stages == STAGES
    with pytest.raises(SystemExit):
        settings_from(build_parser().parse_args(["--stages", "nonsense"]))


def test_maven_commands_and_pom_edits(tmp_path: Path) -> None:
    offline = archetype.generate_command("demo", offline=True)
    assert offline[0] == "mvn" and "-o" in offline
    assert f"-DarchetypeVersion={archetype.VERSION}" in offline
    assert "-o" not in archetype.generate_command("demo", offline=False)
    pom = tmp_path / "pom.xml"
    pom.write_text("<project><dependencies>\n</dependencies></project>")
    maven.add_dependency(pom, "org.example", "lib", "1.0")
    assert "<artifactId>lib</artifactId>" in pom.read_text()
