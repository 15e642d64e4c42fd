"""What the figures show, and what to change: findings computed from the run's tables.

Every number in a finding comes from the tables of the same run; the suggested changes are fixed
text, chosen by what the numbers show. Findings are ordered by the wall time at stake, largest first.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import yaml

from benchmarks.build import FAST_JVM
from benchmarks.stats import Row, Table


@dataclass(frozen=True)
class Finding:
    """A finding and the seconds at stake (for ordering)."""

    seconds: float
    text: str


class Results:
    """Read access to the run's tables by key."""

    def __init__(self, tables: Sequence[Table]) -> None:
        self.tables = {table.key: table for table in tables}

    def row(self, table: str, row: str) -> Row | None:
        """A row, if that table and row were measured."""
        found = self.tables.get(table)
        return found.row(row) if found else None

    def median(self, table: str, row: str) -> float | None:
        """Median of a row's samples."""
        found = self.row(table, row)
        return found.summary.median if found else None

    def share(self, table: str, row: str) -> float | None:
        """Median ratio of a row against its baseline."""
        found = self.row(table, row)
        return found.ratio.median if found else None

    def paired(self, table: str, row: str, baseline: str) -> float | None:
        """Median of ``row / baseline`` repetition by repetition, for two rows of one table."""
        a, b = self.row(table, row), self.row(table, baseline)
        if a is None or b is None:
            return None
        return statistics.median(x / y for x, y in zip(a.values, b.values, strict=True))

    def fact(self, table: str, name: str) -> float | None:
        """A derived fact a stage recorded."""
        found = self.tables.get(table)
        return found.facts.get(name) if found else None


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _verify(r: Results) -> Finding | None:
    total = r.median("reactor", "total-1")
    shares = {name: r.share("mojos", name) for name in _MOJOS}
    tests = r.median("mojos", "tests")
    forks = sum(r.median("mojos", name) or 0.0 for name in ("failsafe:integration-test", "surefire:test"))
    if total is None or tests is None or any(share is None for share in shares.values()):
        return None
    parts = ", ".join(f"{label} {_pct(shares[name] or 0.0)}" for name, label in _MOJOS.items())
    maven_side = 1 - (shares["failsafe:integration-test"] or 0.0) - (shares["surefire:test"] or 0.0)
    text = (
        f"**`verify` of one generated project takes {total:.0f} s**, the compile tier's unit of work: "
        f"{parts}. "
        f"The test cases themselves take {tests:.1f} s of the {forks:.1f} s that Surefire and Failsafe run; "
        f"the other {forks - tests:.1f} s is forking a JVM for each and loading JUnit and Flink twice. "
        f"{_pct(maven_side)} is spent in Maven's own JVM (start-up, compile, shade, enforcer)"
    )
    c1, shipped = r.share("build-jvm", "jvm-c1"), r.fact("build-jvm", "template_ships_c1")
    if shipped:
        text += " (with the template's C1-only `.mvn/jvm.config`)"
    elif c1 is not None and c1 < 0.95:
        text += ", which a C1-only `template/.mvn/jvm.config` would shorten (see the build finding)"
    text += (
        ". Suggested, to measure with this suite before adopting: running `StreamingJobIT` in Surefire's "
        "fork (one test JVM per project instead of two) would remove most of the fork overhead, at the "
        "cost of the unit/integration split users see."
    )
    return Finding(total, text)


_MOJOS = {
    "failsafe:integration-test": "MiniCluster tests (Failsafe)",
    "shade:shade": "shading",
    "surefire:test": "unit tests (Surefire)",
    "compiler:compile": "compiling",
    "Maven start-up (JVM, wrapper, Maven boot)": "Maven start-up",
}


def _reactor(r: Results) -> Finding | None:
    table = r.tables.get("reactor")
    if table is None:
        return None
    largest = max(int(row.key.rsplit("-", 1)[1]) for row in table.rows if row.key.startswith("per-project-"))
    ratio = r.share("reactor", f"per-project-{largest}")
    per_project = r.median("reactor", f"per-project-{largest}")
    covering, full = r.median("matrix", "covering+0"), r.median("matrix", "full+0")
    projected, projected_full = r.median("projection", "covering"), r.median("projection", "full")
    values = (ratio, per_project, covering, full, projected, projected_full)
    if any(value is None for value in values):
        return None
    ratio, per_project, covering, full, projected, projected_full = (v or 0.0 for v in values)
    grown_full, grown_covering = r.median("matrix", "full+4"), r.median("matrix", "covering+4")
    growth = (
        f" With 4 more sources and 4 more sinks the covering set would grow to {grown_covering:.0f} "
        f"projects, the full product to {grown_full:,.0f}."
        if grown_full is not None and grown_covering is not None
        else ""
    )
    text = (
        f"**The compile tier costs {per_project:.0f} s per project** with {largest} projects in one `-T 2` "
        f"reactor ({ratio:.2f}x the per-project cost of a one-project build): the covering set's "
        f"{covering:.0f} projects project to about {projected / 60:.0f} min, the full product's {full:.0f} "
        f"to about {projected_full / 60:.0f} min.{growth} The pairwise covering set (`tests/covering.py`) "
        "is what keeps the tier affordable: new options should become factors there, never enumerated "
        "combinations. On this machine only the 6 projects without Kinesis can build, so the tier runs "
        "shorter here than the projection. Suggested, not measurable on 2 cores: `-T 1C` instead of `-T 2` "
        "in `tests/compile/test_generated_projects_build.py`, so CI machines with more cores use them."
    )
    return Finding(projected, text)


#: A rate-limited local run shorter than this is not worth a finding.
THROTTLE_WORTH_REPORTING_S = 2.0


def _throttle(r: Results) -> Finding | None:
    floor = r.fact("throughput", "datagen_floor_s")
    if floor is None or floor < THROTTLE_WORTH_REPORTING_S:
        return None
    text = (
        f"**The MiniCluster test of a datagen -> print project (the demo) waits at least {floor:.0f} s** for "
        "the data generator's rate limiter (computed from the local properties, `max.records` / "
        "`records.per.second`, not timed): `theWholeJobRunsToCompletionOnTheLocalProperties` runs the job "
        "on the local properties. Suggested: in "
        "`template/src/test/java/.../StreamingJobIT.java.jinja`, load the local properties and override "
        "`DataGen.records.per.second` (e.g. 10000) before `defineWorkflow`, keeping the slow, readable "
        "rate for `./mvnw compile exec:exec`; or give `records.per.second` a higher `local` value in "
        "`src/msf_scaffold/catalog/connectors.yml`."
    )
    return Finding(floor, text)


def _build(r: Results) -> Finding | None:
    ours, base = r.share("build", "ours-a"), r.median("build", "ours-a")
    kafka, jar = r.share("build", "ours-b"), r.share("jar", "ours-a")
    files, their_files = r.fact("build", "java_files_ours-a"), r.fact("build", "java_files_quickstart-a")
    if ours is None or base is None or kafka is None or jar is None:
        return None
    text = (
        f"**A clean `package` of a generated project takes {base:.0f} s**, {ours:.2f}x the archetype's "
        f"project with the same connector (datagen) and {kafka:.2f}x for kafka -> kafka"
    )
    if files is not None and their_files is not None:
        text += f"; it compiles {files:.0f} Java files against the archetype's {their_files:.0f}"
    text += (
        f". The datagen JAR is {jar:.0f}x the archetype's because it bundles jackson-databind for parsing "
        "records; with Kafka both JARs are dominated by the connector."
    )
    text += _jvm_advice(r)
    return Finding(base, text)


def _jvm_advice(r: Results) -> str:
    row, shipped = r.row("build-jvm", "jvm-c1"), r.fact("build-jvm", "template_ships_c1")
    if row is None or shipped is None:
        return ""
    c1, low, high = row.ratio.median, row.ratio.low, row.ratio.high
    spread = f"{c1:.2f}x as long as the default JVM ({low:.2f}x - {high:.2f}x)"
    if shipped:
        verdict = (
            "keep it"
            if c1 < 0.95 and high < 1
            else "not a clear gain in this run; re-measure before relying on it"
        )
        return f" The C1-only `.mvn/jvm.config` the template ships makes this build {spread}: {verdict}."
    if c1 < 0.95 and high < 1:
        return (
            f" **A C1-only Maven JVM made this build {spread}.** Suggested: add `template/.mvn/jvm.config` "
            f"containing `{FAST_JVM}` (Maven reads it on every `./mvnw` run, and the compile tier's reactor "
            "copies `.mvn` from a generated project)."
        )
    if c1 < 0.95:
        return (
            f" A C1-only Maven JVM (`{FAST_JVM}` in `.mvn/jvm.config`) made this build {spread}: promising, "
            "not in every repetition; confirm with `--stages build --build-repeats 5`."
        )
    return (
        f" A C1-only Maven JVM (`{FAST_JVM}`) made this build {spread}: no gain, leave the JVM flags alone."
    )


def _generation(r: Results) -> Finding | None:
    new, archetype = r.median("generation", "new"), r.share("generation", "new")
    over_copier = r.paired("generation", "new", "copier")
    git = r.paired("generation", "new-git", "new")
    imports, cli = r.share("python", "import-generate"), r.share("python", "import-cli")
    version = r.median("python", "version")
    if new is None or archetype is None or over_copier is None or imports is None or cli is None:
        return None
    text = (
        f"**`msf-scaffold new` takes {new:.1f} s**, {archetype:.2f}x the archetype and {over_copier:.2f}x "
        f"plain `copier copy`; importing copier is {_pct(imports)} of it and `import msf_scaffold.cli` "
        f"{_pct(cli)}"
    )
    text += f"; with `git init` and the first commit it takes {git:.2f}x as long." if git is not None else "."
    catalog, version = r.median("imports", "msf_scaffold.catalog"), r.median("python", "version")
    both, generate = r.median("python", "import-both"), r.median("python", "import-generate")
    if catalog is not None and version is not None and both is not None and generate is not None:
        text += (
            " `msf_scaffold.cli` imports the catalog's pydantic models at start-up "
            f"({catalog * 1000:.0f} ms under `-X importtime`) although only `versions` uses them; "
            f"`msf-scaffold --version` takes {version * 1000:.0f} ms, and importing the CLI on top of "
            f"copier adds {(both - generate) * 1000:.0f} ms to `new`. Suggested: in "
            "`src/msf_scaffold/cli.py`, import `load_catalog` and `msf_scaffold.matrix` inside "
            "`_versions`, as `_new` already imports `msf_scaffold.generate`."
        )
    questionary = r.median("imports", "questionary")
    if questionary is not None:
        text += (
            f" copier imports questionary and prompt_toolkit ({questionary * 1000:.0f} ms) even with "
            "`--defaults`: an upstream change (import them where copier prompts)."
        )
    return Finding(new, text)


#: Share of generation below which msf-scaffold's own checks are not worth a suggestion.
OWN_CHECKS_WORTH_REPORTING = 0.02


def _rendering(r: Results) -> Finding | None:
    jinja, config, clone = r.share("phases", "jinja"), r.share("phases", "config"), r.share("phases", "clone")
    in_process = r.median("python", "in-process")
    if jinja is None or config is None or clone is None or in_process is None:
        return None
    loader = (
        "PyYAML's pure-Python `SafeLoader` although libyaml is installed"
        if yaml.__with_libyaml__
        else "PyYAML's pure-Python `SafeLoader` (libyaml is not installed here)"
    )
    text = (
        f"**Rendering in-process takes {in_process:.2f} s; {_pct(jinja)} of it is Jinja compiling "
        f"templates**, {_pct(config)} is reading `copier.yml` with the included catalog, and {_pct(clone)} "
        "is cloning the template repository. copier compiles every path part, and the answers-file name "
        "once per path, with `Environment.from_string` and no cache, and reads `copier.yml` with "
        f"{loader}. Suggested, upstream in copier: cache compiled templates by source, and base the "
        "`!include` loader on `yaml.CSafeLoader` when available. The clone is what makes `copier update` "
        "possible; keep it."
    )
    checks = r.share("phases", "checks")
    if checks is not None and checks >= OWN_CHECKS_WORTH_REPORTING:
        text += (
            f" msf-scaffold's own checks (reading the questionnaire with PyYAML) take {_pct(checks)}: load "
            "YAML with `yaml.CSafeLoader` where PyYAML has libyaml (`src/msf_scaffold/questions.py`)."
        )
    return Finding(in_process, text)


def _scale(r: Results) -> Finding | None:
    table = r.tables.get("scale")
    if table is None or len(table.rows) < 2:
        return None
    first, last = table.rows[0], table.rows[-1]
    per_sink = (last.ratio.median - 1) * first.summary.median / (len(table.rows) - 1)
    flat = last.ratio.median < 1.15
    text = (
        (
            "**Generation hardly depends on the number of connectors**"
            if flat
            else "**Generation grows with connectors**"
        )
        + f": three sinks take {last.ratio.median:.2f}x the one-sink time "
        f"({per_sink * 1000:+.0f} ms per added sink)."
        + (
            " The cost is fixed per render, so the fixed costs above are the ones worth reducing."
            if flat
            else ""
        )
    )
    return Finding(abs(per_sink), text)


def _throughput(r: Results) -> Finding | None:
    row, cpu_row = r.row("throughput", "pojo"), r.row("throughput", "pojo-cpu")
    parallelism = r.fact("throughput", "parallelism")
    if row is None or cpu_row is None or parallelism is None:
        return None
    ratio, pojo, cpu = row.ratio.median, row.summary.median, cpu_row.ratio.median
    figures = (
        f"{ratio:.2f}x the records per second of the same job with Kryo ({pojo:,.0f} records/s at "
        f"parallelism {parallelism:.0f}) and {cpu:.2f}x the records per CPU second"
    )
    if min(ratio, cpu) >= 1.1 and min(row.ratio.low, cpu_row.ratio.low) > 1:
        text = (
            f"**The POJO model classes buy throughput**: {figures}. `ModelSerializationTest` and "
            "`pipeline.generic-types: false` in `StreamingJobIT` protect this; keep new model classes POJOs "
            "(public no-argument constructor, getters and setters) and keep those tests in the template."
        )
    else:
        text = (
            f"**No clear difference between POJO and Kryo serialization in this run**: POJO serializers gave "
            f"{figures}, and the repetitions disagree (ratio {row.ratio.low:.2f}x - {row.ratio.high:.2f}x). "
            "Run the throughput stage again on an idle machine (`--stages throughput`). The POJO rule still "
            "matters for state size and schema evolution; keep `ModelSerializationTest`."
        )
    return Finding(0.0, text)


RULES: tuple[Callable[[Results], Finding | None], ...] = (
    _verify,
    _reactor,
    _throttle,
    _build,
    _generation,
    _rendering,
    _scale,
    _throughput,
)


def findings(tables: Sequence[Table]) -> list[str]:
    """Findings for the tables measured, largest wall time first."""
    results = Results(tables)
    found = [finding for rule in RULES if (finding := rule(results)) is not None]
    found.sort(key=lambda finding: -finding.seconds)
    return [finding.text for finding in found]
