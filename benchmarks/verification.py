"""The compile tier: matrix size against the number of options, and seconds per generated project.

The matrix table counts the pairwise covering set the compile tier builds (``tests/covering.py``)
against the full product of every allowed combination and experience level, for the catalog as it
is and for the catalog with extra (synthetic) sources and sinks. The reactor table builds N of the
compile tier's projects that the Maven repository in use can build (tests/served_here.py) in
one reactor with ``./mvnw -o -T 2 verify``, as the compile tier does, and reports seconds per
project against N=1. The one-project builds are also split by mojo.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence

from tests.covering import EXPERIENCES, Scenario, covering_set, missing_here, served_covering_set
from tests.served_here import Served

from benchmarks import maven, maven_log
from benchmarks.stats import Table
from benchmarks.timing import Case, interleave
from benchmarks.workspace import Workspace, copy_wrapper, remove
from msf_scaffold.catalog import Catalog, Connector, load_catalog

EXTRA_OPTIONS = (1, 2, 4)


def with_extra_connectors(catalog: Catalog, extra: int) -> Catalog:
    """The catalog plus ``extra`` synthetic sources (like datagen) and sinks (like print)."""
    connectors: dict[str, Connector] = dict(catalog.connectors)
    source = catalog.connectors["datagen"]
    sink = catalog.connectors["print"]
    for index in range(extra):
        connectors[f"extra_source_{index}"] = source.model_copy()
        connectors[f"extra_sink_{index}"] = sink.model_copy()
    return catalog.model_copy(update={"connectors": connectors})


def matrix_sizes(catalog: Catalog) -> tuple[int, int]:
    """(covering set, full product) of a catalog."""
    full = sum(1 for _ in catalog.valid_combinations()) * len(EXPERIENCES)
    return len(covering_set(catalog)), full


def matrix_table(catalog: Catalog) -> Table:
    """Counts of the covering set and of the full product as options are added."""
    covering, full = matrix_sizes(catalog)
    table = Table(
        "matrix",
        "Verification: projects to build, covering set against full product",
        f"the covering set of the catalog as it is ({covering} projects)",
    )
    line = next(iter(catalog.flink.lines))
    for extra in (0, *EXTRA_OPTIONS):
        grown = with_extra_connectors(catalog, extra)
        sources, sinks = len(grown.offered("source", line)), len(grown.offered("sink", line))
        size = matrix_sizes(grown) if extra else (covering, full)
        what = "catalog as it is" if not extra else f"+{extra} sources, +{extra} sinks"
        options = f"{what}: {sources} sources x {sinks} sinks per line"
        table.add(f"covering+{extra}", f"covering set, {options}", "projects", [size[0]], [covering])
        table.add(f"full+{extra}", f"full product, {options}", "projects", [size[1]], [covering])
    table.notes.append(
        f"Full product: every allowed (Flink line, source, non-empty set of sinks) times the "
        f"{len(EXPERIENCES)} experience levels. The covering set covers every pair of values of the factors "
        "(docs/testing.md: experience, API, source, each sink, the dead-letter sink, connector options, "
        "Backstage) on each line; it grows with the square of the options, the full product with 2^sinks."
    )
    return table


def buildable(catalog: Catalog) -> list[Scenario]:
    """The compile tier's projects that the Maven repository in use can build.

    The covering set's buildable projects, then the set added to build every buildable pair.
    """
    served = Served.here(catalog)
    covering = covering_set(catalog)
    added = served_covering_set(catalog, served, covering)
    return [s for s in covering if not missing_here(served, s)] + added


def _reactor_command(pom: str) -> maven.CommandFactory:
    def command(offline: bool) -> list[str]:
        goals = ("-f", pom, "-T", "2", "verify", *maven_log.TIMESTAMP_ARGS)
        return maven.wrapper(*goals, offline=offline, quiet=False)

    return command


def _now() -> float:
    now = dt.datetime.now()
    return maven_log.seconds_of_day(now.hour, now.minute, now.second, now.microsecond // 1000)


class Reactor:
    """Generated projects under one directory, and a reactor pom per size."""

    def __init__(self, workspace: Workspace, scenarios: Sequence[Scenario], sizes: Sequence[int]) -> None:
        self.root = workspace.directory("reactor")
        self.scenarios = list(scenarios)
        for scenario in self.scenarios:
            workspace.generate(self.root / scenario.id, scenario.answers())
        copy_wrapper(self.root / self.scenarios[0].id, self.root, maven_config=True)
        self.poms = {
            n: maven.aggregator_pom(self.root, f"reactor-{n}.xml", self.modules(n)).name for n in sizes
        }
        self.phases: list[dict[str, float]] = []
        self.tests: list[float] = []
        self.env = maven.maven_env(MAVEN_OPTS=os.environ.get("MAVEN_OPTS", "-Xmx2g"))

    def modules(self, size: int) -> list[str]:
        """Ids of the first ``size`` projects."""
        return [scenario.id for scenario in self.scenarios[:size]]

    def clean(self, size: int) -> None:
        """Deletes the ``target/`` of the first ``size`` projects."""
        for module in self.modules(size):
            remove(self.root / module / "target")

    def case(self, size: int) -> Case:
        """Builds ``size`` projects; for one project, also records the phases and test time."""

        def measure(_: int) -> float:
            launched = _now()
            timing = maven.timed_offline(
                _reactor_command(self.poms[size]), self.root, prepare=lambda: self.clean(size), env=self.env
            )
            if size == 1:
                self.phases.append(maven_log.phases(timing.output, launched, launched + timing.seconds))
                project = self.root / self.modules(1)[0] / "target"
                self.tests.append(
                    maven_log.test_seconds([project / "surefire-reports", project / "failsafe-reports"])
                )
            return timing.seconds

        return Case(f"reactor-{size}", measure)


def reactor_table(reactor: Reactor, sizes: Sequence[int], samples: dict[str, list[float]]) -> Table:
    """Seconds per project for N projects in one reactor against N=1."""
    per_project = {n: [seconds / n for seconds in samples[f"reactor-{n}"]] for n in sizes}
    table = Table(
        "reactor",
        "Verification: `./mvnw -B -o -T 2 verify` of N generated projects in one reactor",
        "seconds per project with N=1, same repetition",
    )
    for n in sizes:
        table.add(
            f"per-project-{n}", f"N={n}: seconds per project", "s", per_project[n], per_project[sizes[0]]
        )
    for n in sizes:
        table.add(f"total-{n}", f"N={n}: whole reactor", "s", samples[f"reactor-{n}"], per_project[sizes[0]])
    table.notes.append(
        "Projects, in order: " + ", ".join(reactor.modules(max(sizes))) + " (the covering set's projects "
        "without Kinesis). Each runs its unit tests (Surefire) and its MiniCluster tests (Failsafe)."
    )
    return table


def phase_table(reactor: Reactor, samples: list[float]) -> Table:
    """The one-project build split by mojo, as shares of its wall time."""
    table = Table(
        "mojos",
        f"Verification: where `verify` of one project ({reactor.modules(1)[0]}) spends its time",
        "the build's wall time, same repetition",
    )
    names = [name for name in reactor.phases[0] if all(name in run for run in reactor.phases)]
    names.sort(key=lambda name: -reactor.phases[0][name])
    for name in names:
        table.add(name, name, "s", [run[name] for run in reactor.phases], samples)
    table.add("tests", "test cases themselves (JUnit XML reports)", "s", reactor.tests, samples)
    table.notes.append(
        "From Maven's timestamped log: a mojo lasts until the next starts. Surefire and Failsafe include "
        "forking a JVM; the difference to the test cases' own time is that fork and JUnit start-up."
    )
    return table


def run_stage(workspace: Workspace, repeats: int, sizes: Sequence[int]) -> list[Table]:
    """Stage 4: matrix sizes, reactor builds and the one-project breakdown."""
    catalog = load_catalog()
    projects = buildable(catalog)[: max(sizes)]
    reactor = Reactor(workspace, projects, sizes)
    samples = interleave("verification", [reactor.case(n) for n in sizes], repeats)
    tables = [matrix_table(catalog), reactor_table(reactor, sizes, samples)]
    if 1 in sizes:
        tables.append(phase_table(reactor, samples["reactor-1"]))
    tables.append(projection_table(catalog, samples[f"reactor-{max(sizes)}"], max(sizes)))
    return tables


def projection_table(catalog: Catalog, largest: list[float], size: int) -> Table:
    """The compile tier's time projected from the largest reactor's seconds per project."""
    covering, full = matrix_sizes(catalog)
    per_project = [seconds / size for seconds in largest]
    covering_time = [covering * seconds for seconds in per_project]
    table = Table(
        "projection",
        f"Verification: compile tier projected from N={size} (seconds per project x projects)",
        f"the covering set ({covering} projects)",
    )
    table.add("covering", f"covering set, {covering} projects", "s", covering_time, covering_time)
    table.add("full", f"full product, {full} projects", "s", [full * s for s in per_project], covering_time)
    table.notes.append(
        "An estimate, not a measurement: it assumes every project costs what the measured ones cost "
        "(Kinesis projects cannot be built here)."
    )
    return table
