"""The compile tier's second set: every combination of values that the Maven repository here can
build is built, judged from the catalog and tests/data/unresolvable-here.yml alone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from tests.covering import (
    HERE_LEAVES_OUT,
    Factor,
    Scenario,
    Value,
    _Space,
    cover_served_lines,
    covering_set,
    generation,
    missing_here,
    served_covering_set,
)
from tests.helpers import Pom, answers_for, render
from tests.questionnaire import Questionnaire
from tests.served_here import Served, build_here, substitutes_here, unresolvable_here

Named = tuple[tuple[str, Value], ...]


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire()


@pytest.fixture(scope="module")
def served(catalog: Catalog) -> Served:
    return Served.here(catalog)


@pytest.fixture(scope="module")
def covering(catalog: Catalog) -> list[Scenario]:
    return covering_set(catalog)


@pytest.fixture(scope="module")
def here(catalog: Catalog, served: Served, covering: list[Scenario]) -> list[Scenario]:
    return served_covering_set(catalog, served, covering)


def test_a_project_lacks_exactly_the_listed_coordinates_its_connectors_bring(
    catalog: Catalog, served: Served
) -> None:
    # A coordinate listed with a substitute is built here with it: it is not missing.
    listed = set(unresolvable_here()) - set(substitutes_here())
    seen: set[str] = set()
    for line in catalog.flink.lines:
        for connector_id in catalog.connectors:
            if line not in catalog.supported_lines(connector_id):
                continue
            options = catalog.connectors[connector_id].options
            choices = {name: list(o.choices) for name, o in options.items() if o.choices is not None}
            for values in itertools.product(*choices.values()):
                answers = {connector_id: dict(zip(choices, values, strict=True))}
                for api in catalog.apis.apis:
                    brought = {str(c) for c in catalog.coordinates(line, [connector_id], answers, api)}
                    missing = served.missing(line, api, [connector_id], answers)
                    assert missing == sorted(brought & listed), (line, connector_id, answers, api)
                    seen.update(missing)
    # Every listed coordinate is brought by some connector (the network tier keeps the list exact).
    assert seen == listed


def _all_rows(space: _Space, i: int = 0, row: dict[int, Value] | None = None) -> Iterator[dict[int, Value]]:
    """Every row of valid answers of ``space``, by exhaustive enumeration."""
    row = row or {}
    if i == len(space.factors):
        yield row
        return
    for value in space.domain(i, row):
        yield from _all_rows(space, i + 1, {**row, i: value})


def _pairs(factors: list[Factor], row: dict[int, Value]) -> set[Named]:
    assigned = sorted((i, v) for i, v in row.items() if v is not None)
    return {
        tuple((factors[i].name, v) for i, v in combination)
        for size in (1, 2)
        for combination in itertools.combinations(assigned, size)
    }


@pytest.mark.parametrize("major", sorted({generation(line) for line in load_catalog().flink.lines}))
def test_every_value_on_every_line_and_every_pair_on_a_line_of_its_generation_is_built_if_it_builds_here(
    catalog: Catalog, served: Served, covering: list[Scenario], questionnaire: Questionnaire, major: str
) -> None:
    """Against every valid set of answers, enumerated without the repository's constraint and
    judged project by project with ``Served.missing``."""
    lines = [line for line in catalog.flink.lines if generation(line) == major]
    result = cover_served_lines(catalog, served, covering, questionnaire)
    buildable: dict[str, set[Named]] = {}
    built: dict[str, set[Named]] = {}
    for line in lines:
        space = _Space(catalog, line, questionnaire, HERE_LEAVES_OUT)
        buildable[line] = set()
        for row in _all_rows(space):
            values = tuple((f.name, row[i]) for i, f in enumerate(space.factors))
            if not missing_here(served, Scenario(line, 0, values)):
                buildable[line] |= _pairs(space.factors, row)
        assert buildable[line]
        built[line] = set()
        for row in [*result[line].given, *result[line].rows]:
            built[line] |= _pairs(result[line].factors, row)
        # Every value that builds on this line is built on this line (with its pins).
        assert {n for n in built[line] if len(n) == 1} == {n for n in buildable[line] if len(n) == 1}
        # What the set leaves out as impossible is indeed never buildable on this line.
        for requirement in result[line].impossible:
            assert tuple((result[line].factors[i].name, v) for i, v in requirement) not in buildable[line]
    # Every pair that builds on some line of the generation is built on one of them, and nothing
    # else is built.
    assert set().union(*built.values()) == set().union(*buildable.values())
    for line in lines:
        assert built[line] <= buildable[line]


def test_the_added_projects_build_here_and_the_counted_ones_come_from_the_first_set(
    catalog: Catalog,
    served: Served,
    covering: list[Scenario],
    here: list[Scenario],
    questionnaire: Questionnaire,
) -> None:
    assert here and all(s.id.split("-")[1].startswith("h") for s in here)
    for scenario in here:
        assert missing_here(served, scenario) == [], scenario.label
        assert questionnaire.refusals(scenario.answers()) == {}, scenario.label
        assert not {name for name, _ in scenario.values} & HERE_LEAVES_OUT
    result = cover_served_lines(catalog, served, covering, questionnaire)
    for line in catalog.flink.lines:
        counted = [s for s in covering if s.line == line and not missing_here(served, s)]
        assert len(result[line].given) == len(counted)


def test_no_project_of_the_compile_tier_is_built_twice(
    covering: list[Scenario], here: list[Scenario]
) -> None:
    def project(scenario: Scenario) -> tuple[object, ...]:
        answers = scenario.answers()
        for name in ("project_name", "artifact_id", "package"):
            answers.pop(name)
        return tuple(sorted((k, repr(v)) for k, v in answers.items()))

    scenarios = covering + here
    assert len({s.id for s in scenarios}) == len(scenarios)
    assert len({project(s) for s in scenarios}) == len(scenarios)


def test_the_second_set_follows_the_repository(catalog: Catalog, covering: list[Scenario]) -> None:
    # A repository that serves everything: the first set already builds every pair.
    assert served_covering_set(catalog, Served(catalog, ()), covering) == []
    # A repository that lacks a source's compile-scope coordinates: no project selects it.
    line = next(iter(catalog.flink.lines))
    source = next(
        c
        for c in catalog.offered("source", line)
        if any(d.scope == "compile" for d in catalog.connectors[c].dependencies)
    )
    absent = {
        str(c)
        for line_ in catalog.flink.lines
        for c in catalog.coordinates(line_, [source])
        if c.scope == "compile" and c not in catalog.coordinates(line_, [])
    }
    lacking = Served(catalog, absent)
    added = served_covering_set(catalog, lacking, covering)
    assert added
    assert all(source not in (s.source, *s.sinks) for s in added)
    offered = {c for line_ in catalog.flink.lines for c in catalog.offered("source", line_)}
    assert {s.source for s in added} == offered - {source}


def test_substitutes_are_versions_of_the_same_pin(catalog: Catalog) -> None:
    """A substitute is another version of the listed coordinate's artifact, or another artifact of
    the same group and pin; coordinates of one pin value share one substitute version."""
    listed = unresolvable_here()
    by_pin_value: dict[tuple[str, str], set[str]] = {}
    dependencies = [d for c in catalog.connectors.values() for d in c.dependencies]
    dependencies += list(catalog.build.dependencies) + [
        d for a in catalog.apis.apis.values() for d in a.dependencies
    ]
    for coordinate, substitute in substitutes_here().items():
        assert coordinate in listed
        group, artifact, version = coordinate.split(":")
        users = [d for d in dependencies if (d.group, d.artifact) == (group, artifact) and d.version]
        assert users, f"{coordinate}: no catalog dependency with a pinned version"
        substitute_version = substitute.split(":")[-1]
        if ":" in substitute:
            assert substitute.split(":")[0] == group, substitute
        assert substitute_version != version
        for dependency in users:
            assert dependency.version is not None
            by_pin_value.setdefault((dependency.version, version), set()).add(substitute_version)
    assert all(len(values) == 1 for values in by_pin_value.values()), by_pin_value


def test_build_here_puts_the_substitutes_in_the_pom(tmp_path: Path) -> None:
    project = render(tmp_path / "p", answers_for("2.3", "kafka", ("iceberg",), api="datastream"))
    pinned = Pom(project / "pom.xml").properties["iceberg.version"]
    changed = build_here(project)
    pom = Pom(project / "pom.xml")
    substitute = substitutes_here()[f"org.apache.iceberg:iceberg-flink-runtime-2.3:{pinned}"]
    assert changed["iceberg.version"] == f"{pinned} -> {substitute.split(':')[-1]}"
    assert pom.properties["iceberg.version"] == substitute.split(":")[-1]
    assert {d.artifact for d in pom.dependencies} >= {substitute.split(":")[1]}
    assert "iceberg-flink-runtime-2.3" not in {d.artifact for d in pom.dependencies}
    # A project without listed coordinates is left as generated.
    plain = render(tmp_path / "q", answers_for("2.3", "datagen", ("print",)))
    before = (plain / "pom.xml").read_text()
    assert build_here(plain) == {}
    assert (plain / "pom.xml").read_text() == before
