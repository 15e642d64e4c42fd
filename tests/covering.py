"""Covering sets of generated projects, computed from the catalog and the questionnaire.

The factors of a Flink line are the questions whose answer changes the generated code or build:
the experience level, the API, the source, one boolean factor per offered sink (at least one is
true; copier keeps the selected sinks in catalog order and the first receives the dead letters),
every connector option
with fixed choices (free-text options are left out) and the Backstage entry. They are read from
the catalog and copier/questions.yml, so a new connector, option or API enlarges the sets by
itself.

A connector option is a conditional factor: it has a value only in rows where copier asks its
question (its `when`, evaluated by copier's own rules; e.g. the Kinesis EFO lifecycle only for a
Kinesis source that reads with EFO); elsewhere it has none. A combination of values that no valid
set of answers can hold (EFO with a Kafka source) is not required.

``covering_set(catalog, strength)`` holds every single value on every line that offers it, and
every combination of ``strength`` values (2: every pair) that some valid set of answers can hold
on at least one line of the same Flink major version (``cover_lines``). The generated Java is the
same on every line; what a line changes is the pom's pins, so each connector and option value is
built with each line's pins, while the lines of one major version, which share the connector
releases built for it, share the combinations: the default line holds every one it offers, and
the other lines add the projects for the values and combinations only they offer. The rows are
built greedily (each row takes the values that complete the most uncovered combinations), seeded
with an uncovered combination; a seed that cannot be completed to a valid row is an impossible
combination and is dropped.

``served_covering_set(catalog, served, given)`` is the compile tier's second set: the same
generator over the values that projects the Maven repository described by ``served`` can build
(tests/served_here.py: none of their catalog coordinates is listed as absent there). Values no
such project holds leave the space, a combination no such project holds is not required, and
``given``'s buildable projects count as rows already built, so only the missing rows are added.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from msf_scaffold.catalog import Catalog
from tests.questionnaire import Questionnaire
from tests.served_here import Served

Value = str | bool | None
#: One required combination: ((factor index, value), ...) sorted by factor index.
Requirement = tuple[tuple[int, Value], ...]
#: A combination by factor name, the same on every line: ((factor name, value), ...).
Named = tuple[tuple[str, Value], ...]
#: Factors that are questions of their own name.
PLAIN = ("experience", "api", "backstage")
#: The experience levels the questionnaire offers.
EXPERIENCES = tuple(Questionnaire().choices("experience", {}))
#: Candidate rows built for each row kept, by strength (the one that covers most is kept): more
#: candidates give smaller sets; builds are costly, renders cheap but their sets large to compute.
SEEDS_PER_ROW = {2: 24, 3: 4}
#: Left out of the compile tier's second set (what the Maven repository here can build): the
#: experience level changes comments and the README only (test_experience_levels.py) and the
#: Backstage entry adds catalog-info.yaml only, so neither changes what Maven builds.
HERE_LEAVES_OUT = frozenset({"experience", "backstage"})
#: A selected connector's option answers so far, and the values its unanswered options may take.
_Answers = tuple[dict[str, str], dict[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Factor:
    """One dimension of the covering set."""

    name: str
    values: tuple[Value, ...]
    #: (connector id, option name) for a connector option, whose question may not be asked.
    option: tuple[str, str] | None = None


@dataclass(frozen=True)
class Scenario:
    """One generated project of a covering set."""

    line: str
    index: int
    values: tuple[tuple[str, Value], ...] = field(repr=False)
    #: Set apart the ids of an added set (``h``: the projects added to build what the repository serves).
    prefix: str = ""

    def value(self, name: str) -> Value:
        """The value of factor ``name`` (None for an option that is not asked)."""
        return dict(self.values).get(name)

    @property
    def source(self) -> str:
        """The source connector."""
        return str(self.value("source"))

    @property
    def sinks(self) -> tuple[str, ...]:
        """The selected sinks in catalog order, as copier stores them (the first takes dead letters)."""
        return tuple(
            name.removeprefix("sink:") for name, value in self.values if name.startswith("sink:") and value
        )

    @property
    def options(self) -> dict[str, dict[str, str]]:
        """Answers to the connector options that copier asks, by connector id and option name."""
        result: dict[str, dict[str, str]] = {}
        for name, value in self.values:
            if name.startswith("option:") and value is not None:
                connector, option = name.removeprefix("option:").split(".")
                result.setdefault(connector, {})[option] = str(value)
        return result

    @property
    def id(self) -> str:
        """Short id, also the project's artifactId."""
        return f"f{self.line.replace('.', '')}-{self.prefix}{self.index:02d}"

    @property
    def label(self) -> str:
        """Readable description, the test id."""
        parts = [f"{self.line}", f"{self.source}>{'+'.join(self.sinks)}"]
        parts += [f"{name}={value}" for name, value in self.values if name in {"api", "experience"}]
        parts += [f"{c}.{o}={v}" for c, options in self.options.items() for o, v in options.items()]
        if self.value("backstage"):
            parts.append("backstage")
        return ",".join(parts)

    @property
    def package(self) -> str:
        """The project's Java package."""
        return "com.example." + self.id.replace("-", "_")

    def answers(self) -> dict[str, object]:
        """copier data for this scenario."""
        data: dict[str, object] = {
            "flink_version": self.line,
            "source": self.source,
            "sinks": list(self.sinks),
            "project_name": f"Scenario {self.id}",
            "artifact_id": self.id,
            "package": self.package,
        }
        data.update((name, value) for name, value in self.values if name in PLAIN and value is not None)
        for connector, options in self.options.items():
            data.update({f"{connector}_{option}": value for option, value in options.items()})
        return data


def factors(catalog: Catalog, line: str, questionnaire: Questionnaire) -> list[Factor]:
    """The factors of ``line``, in the order copier asks their questions."""
    options = {
        question: (connector_id, name, option)
        for question, (connector_id, name, option) in catalog.option_questions().items()
        if option.choices is not None and line in catalog.supported_lines(connector_id)
    }
    result: list[Factor] = []
    for name in questionnaire.names():
        if name == "experience":
            result.append(Factor(name, tuple(questionnaire.choices(name, {}))))
        elif name == "api":
            result.append(Factor(name, tuple(catalog.apis.apis)))
        elif name == "source":
            result.append(Factor(name, tuple(catalog.offered("source", line))))
        elif name == "sinks":
            sinks = catalog.offered("sink", line)
            result += [Factor(f"sink:{sink}", (False, True)) for sink in sinks]
        elif name == "backstage":
            result.append(Factor(name, (False, True)))
        elif name in options:
            connector_id, option_name, option = options[name]
            assert option.choices is not None
            result.append(
                Factor(
                    f"option:{connector_id}.{option_name}", tuple(option.choices), (connector_id, option_name)
                )
            )
    missing = set(options) - {f"{f.option[0]}_{f.option[1]}" for f in result if f.option}
    assert not missing, f"catalog options without a question in copier/questions.yml: {sorted(missing)}"
    return result


class _Space:
    """The factors of one line with the questionnaire's constraints between them."""

    def __init__(
        self,
        catalog: Catalog,
        line: str,
        questionnaire: Questionnaire,
        leave_out: frozenset[str],
        served: Served | None = None,
    ) -> None:
        self.line = line
        self.questionnaire = questionnaire
        self.served = served
        self.factors = [f for f in factors(catalog, line, questionnaire) if f.name not in leave_out]
        self.index = {factor.name: i for i, factor in enumerate(self.factors)}
        self.sinks = [i for i, f in enumerate(self.factors) if f.name.startswith("sink:")]
        self.base = questionnaire.defaults() | {"flink_version": line}
        #: What each API offers on this line: a connector role may be unsupported by an API.
        self.offered = {
            api: (set(catalog.offered("source", line, api)), set(catalog.offered("sink", line, api)))
            for api in catalog.apis.apis
        }
        self._asked_cache: dict[tuple[object, ...], bool] = {}
        self.connector_options = {
            connector_id: {name: option.default for name, option in connector.options.items()}
            for connector_id, connector in catalog.connectors.items()
        }
        if served is not None:
            # A value no project built here can hold is not a value of this space at all.
            self.factors = [
                Factor(f.name, tuple(v for v in f.values if self.builds({i: v})), f.option)
                for i, f in enumerate(self.factors)
            ]

    def answers(self, row: dict[int, Value]) -> dict[str, Any]:
        """copier answers for a (partial) row; unanswered questions hold their defaults."""
        answers = dict(self.base)
        sinks = [self.factors[i].name.removeprefix("sink:") for i in self.sinks if row.get(i)]
        answers["sinks"] = sinks
        for i, value in row.items():
            factor = self.factors[i]
            if factor.option is not None and value is not None:
                answers[f"{factor.option[0]}_{factor.option[1]}"] = value
            elif factor.option is None and not factor.name.startswith("sink:"):
                answers[factor.name] = value
        return answers

    def domain(self, i: int, row: dict[int, Value]) -> tuple[Value, ...]:
        """The values factor ``i`` may take after the earlier factors' values in ``row``."""
        factor = self.factors[i]
        values: tuple[Value, ...] = factor.values
        api_index = self.index.get("api")
        api = row.get(api_index) if api_index is not None else None
        sources, sinks = self.offered[str(api or self.base["api"])]
        if factor.option is not None:
            values = factor.values if self._asked(i, row) else (None,)
        elif factor.name == "source":
            values = tuple(v for v in factor.values if v in sources)
        elif factor.name.startswith("sink:") and factor.name.removeprefix("sink:") not in sinks:
            values = (False,)
        elif i == self.sinks[-1] and not any(row.get(j) for j in self.sinks[:-1]):
            values = (True,)
        return self._buildable(i, values, row)

    def _buildable(self, i: int, values: tuple[Value, ...], row: dict[int, Value]) -> tuple[Value, ...]:
        if self.served is None:
            return values
        return tuple(v for v in values if self.builds({**row, i: v}))

    def builds(self, row: dict[int, Value]) -> bool:
        """Whether some completion of the partial ``row`` builds with the repository of ``served``.

        The selected connectors are the source and the sinks set to true, and the connectors of
        answered options; an option not answered yet may take any of its values, and one that is
        not asked (None) takes its default, as in copier.
        """
        if self.served is None:
            return True
        api_index = self.index.get("api")
        apis: tuple[Value, ...] = (self.base["api"],)
        if api_index is not None:
            apis = (row[api_index],) if api_index in row else self.factors[api_index].values
        return self.served.possible(self.line, (str(api) for api in apis), self._selected(row))

    def _selected(self, row: dict[int, Value]) -> dict[str, _Answers]:
        """The connectors a partial row selects: (answered options, open options' values) each."""
        selected: dict[str, _Answers] = {}
        for i, factor in enumerate(self.factors):
            value = row.get(i)
            if factor.name == "source" and value is not None:
                selected.setdefault(str(value), ({}, {}))
            elif (factor.name.startswith("sink:") and value) or (factor.option and value is not None):
                connector_id = factor.option[0] if factor.option else factor.name.removeprefix("sink:")
                selected.setdefault(connector_id, ({}, {}))
        for connector_id, (fixed, open_) in selected.items():
            fixed.update(self.connector_options[connector_id])
            for i, factor in enumerate(self.factors):
                if factor.option is None or factor.option[0] != connector_id:
                    continue
                name = factor.option[1]
                if i not in row:
                    open_[name] = tuple(str(v) for v in factor.values)
                    del fixed[name]
                elif row[i] is not None:
                    fixed[name] = str(row[i])
        return selected

    def _asked(self, i: int, row: dict[int, Value]) -> bool:
        """Whether copier asks option factor ``i``'s question; cached by the answers it reads."""
        key = (i, *((j, row.get(j)) for j in sorted(self.depends_on(i))))
        if key not in self._asked_cache:
            option = self.factors[i].option
            assert option is not None
            self._asked_cache[key] = self.questionnaire.asked(f"{option[0]}_{option[1]}", self.answers(row))
        return self._asked_cache[key]

    @cache  # noqa: B019 (one space per line and strength, kept for the session)
    def depends_on(self, i: int) -> frozenset[int]:
        """Earlier factors whose values can change the domain of factor ``i``, transitively."""
        factor = self.factors[i]
        direct: set[int] = set()
        if factor.option is not None:
            for name in self.questionnaire.when_variables(f"{factor.option[0]}_{factor.option[1]}"):
                if name == "sinks":
                    direct.update(self.sinks)
                elif name in self.index:
                    direct.add(self.index[name])
                else:
                    direct.update(
                        j for j, f in enumerate(self.factors) if f.option and "_".join(f.option) == name
                    )
        elif i in self.sinks:
            direct.update(j for j in self.sinks if j < i)
        if factor.option is not None and self.served is not None:
            # What an option value brings to the build may depend on the connector's other options.
            connector_id = factor.option[0]
            direct.update(
                j
                for j, f in enumerate(self.factors[:i])
                if (f.option and f.option[0] == connector_id) or f.name in {"source", f"sink:{connector_id}"}
            )
        if (factor.name == "source" or i in self.sinks) and "api" in self.index:
            direct.add(self.index["api"])
        result = set(direct)
        for j in direct:
            result |= self.depends_on(j)
        return frozenset(result)


def _requirements(space: _Space, strength: int, largest_first: bool = False) -> list[Requirement]:
    result: list[Requirement] = []
    indices = range(len(space.factors))
    for size in range(1, min(strength, len(space.factors)) + 1):
        for combination in itertools.combinations(indices, size):
            for values in itertools.product(*(space.factors[i].values for i in combination)):
                result.append(tuple(zip(combination, values, strict=True)))
    if largest_first:
        # Single values first, then the combinations of the factors with the most values.
        result.sort(key=lambda r: (len(r) > 1, -math.prod(len(space.factors[i].values) for i, _ in r)))
    return result


def _covered(row: dict[int, Value], strength: int) -> Iterator[Requirement]:
    assigned = sorted((i, v) for i, v in row.items() if v is not None)
    for size in range(1, strength + 1):
        yield from itertools.combinations(assigned, size)


class _Builder:
    """Builds one row around a seed, greedily, backtracking only where the seed needs it."""

    def __init__(self, space: _Space, uncovered: set[Requirement], strength: int) -> None:
        self.space = space
        self.uncovered = uncovered
        self.strength = strength
        #: How many kept rows hold each value: ties go to the least used value.
        self.used: dict[tuple[int, Value], int] = {}

    def gain(self, i: int, value: Value, row: dict[int, Value]) -> int:
        """How many uncovered combinations ``value`` completes with the values already in ``row``."""
        assigned = sorted((j, v) for j, v in row.items() if v is not None and j < i)
        return sum(
            1
            for size in range(self.strength)
            for others in itertools.combinations(assigned, size)
            if (*others, (i, value)) in self.uncovered
        )

    def build(self, seed: Requirement) -> dict[int, Value] | None:
        fixed = dict(seed)
        relevant: set[int] = set()
        for i in fixed:
            relevant |= self.space.depends_on(i)
        return self._assign(0, {}, fixed, relevant)

    def _assign(
        self, i: int, row: dict[int, Value], fixed: dict[int, Value], relevant: set[int]
    ) -> dict[int, Value] | None:
        if i == len(self.space.factors):
            return row
        domain = self.space.domain(i, row)
        if i in fixed:
            candidates = [fixed[i]] if fixed[i] in domain else []
        else:
            ranked = sorted(domain, key=lambda v: (-self.gain(i, v, row), self.used.get((i, v), 0)))
            candidates = ranked if i in relevant else ranked[:1]
        for value in candidates:
            result = self._assign(i + 1, {**row, i: value}, fixed, relevant)
            if result is not None:
                return result
        return None


@dataclass
class Line:
    """The covering set of one line, with what it covers and what no valid answers can hold."""

    factors: list[Factor]
    rows: list[dict[int, Value]]
    required: list[Requirement]
    impossible: list[Requirement]
    #: Rows of projects built anyway (another set's) that count for this set; not in ``rows``.
    given: list[dict[int, Value]] = field(default_factory=list)


def cover_line(
    catalog: Catalog,
    line: str,
    strength: int,
    questionnaire: Questionnaire | None = None,
    leave_out: frozenset[str] = frozenset(),
    *,
    served: Served | None = None,
    given: Sequence[Scenario] = (),
    compact: bool = False,
    held: frozenset[Named] = frozenset(),
) -> Line:
    """The covering set of one Flink line; factors named in ``leave_out`` keep their defaults.

    ``held``: combinations of two or more values that projects of other lines already hold; they
    are not required again (``cover_lines``). Every single value stays required on every line.

    With ``served``, only projects the repository it describes can build: a value or combination
    no such project holds is not required. The projects of ``given`` (on this line, and buildable
    with ``served``) count as rows already built; the rows returned are the ones to add.

    ``compact`` spends more time for fewer rows (builds are costly): the rows are seeded with the
    combinations of the factors with most values first (the largest products are the hardest to
    fit in few rows), and rows whose every combination another row holds are dropped at the end.
    """
    space = _Space(catalog, line, questionnaire or Questionnaire(), leave_out, served)
    required = [
        r
        for r in _requirements(space, strength, largest_first=compact)
        if len(r) == 1 or _named(space.factors, r) not in held
    ]
    uncovered = set(required)
    builder = _Builder(space, uncovered, strength)
    rows: list[dict[int, Value]] = []
    impossible: list[Requirement] = []
    kept = _given_rows(space, given)
    for counted in kept:
        for element in counted.items():
            builder.used[element] = builder.used.get(element, 0) + 1
        uncovered.difference_update(_covered(counted, strength))
    while uncovered:
        best: tuple[int, dict[int, Value]] | None = None
        for seed in [r for r in required if r in uncovered][: SEEDS_PER_ROW.get(strength, 4)]:
            row = builder.build(seed)
            if row is None:
                uncovered.discard(seed)
                impossible.append(seed)
                continue
            gain = len(uncovered.intersection(_covered(row, strength)))
            if best is None or gain > best[0]:
                best = (gain, row)
        if best is not None:
            rows.append(best[1])
            for element in best[1].items():
                builder.used[element] = builder.used.get(element, 0) + 1
            uncovered.difference_update(_covered(best[1], strength))
    if compact:
        rows = _without_redundant_rows(rows, kept, set(required) - set(impossible), strength)
    return Line(space.factors, rows, required, impossible, kept)


def _named(factors: Sequence[Factor], requirement: Requirement) -> Named:
    return tuple((factors[i].name, value) for i, value in requirement)


def named_combinations(
    factors: Sequence[Factor], rows: Sequence[dict[int, Value]], strength: int
) -> set[Named]:
    """Every combination of up to ``strength`` values that ``rows`` hold, by factor name."""
    return {_named(factors, r) for row in rows for r in _covered(row, strength)}


def _given_rows(space: _Space, given: Sequence[Scenario]) -> list[dict[int, Value]]:
    """The rows of ``given``'s projects on the space's line that are rows of the space."""
    result = []
    for scenario in given:
        row = {space.index[name]: value for name, value in scenario.values if name in space.index}
        if scenario.line == space.line and len(row) == len(space.factors) and space.builds(row):
            result.append(row)
    return result


def _without_redundant_rows(
    rows: list[dict[int, Value]], kept: list[dict[int, Value]], required: set[Requirement], strength: int
) -> list[dict[int, Value]]:
    """``rows`` without those whose every required combination other rows (or ``kept``) hold; the
    latest rows are dropped first."""
    held = Counter(r for row in [*kept, *rows] for r in _covered(row, strength) if r in required)
    result = list(rows)
    for index in reversed(range(len(result))):
        mine = [r for r in _covered(result[index], strength) if r in required]
        if all(held[r] > 1 for r in mine):
            held.subtract(mine)
            del result[index]
    return result


def cover_lines(
    catalog: Catalog,
    strength: int,
    questionnaire: Questionnaire | None = None,
    leave_out: frozenset[str] = frozenset(),
    *,
    served: Served | None = None,
    given: Sequence[Scenario] = (),
    compact: bool = False,
) -> dict[str, Line]:
    """The covering sets of every Flink line, with the line as one more factor.

    Every single value is required on every line that offers it (so each connector and option
    value is built with each line's pins), and every combination of ``strength`` values on at
    least one line: a combination that one line's projects hold is not required again on the
    others. ``given``'s projects count on every line before any row is added.
    """
    questionnaire = questionnaire or Questionnaire()
    held: dict[str, set[Named]] = {}
    combinations: dict[str, int] = {}
    for line in catalog.flink.lines:
        space = _Space(catalog, line, questionnaire, leave_out, served)
        given_rows = _given_rows(space, given)
        held.setdefault(generation(line), set()).update(
            named_combinations(space.factors, given_rows, strength)
        )
        combinations[line] = len(_requirements(space, strength))
    result: dict[str, Line] = {}
    # The default line first, then the line with the most combinations: they hold most of them,
    # and the other lines of their generation add few projects for what only they offer.
    order = sorted(
        catalog.flink.lines, key=lambda line: (line != catalog.flink.default_line, -combinations[line])
    )
    for line in order:
        shared = held[generation(line)]
        covered = cover_line(
            catalog,
            line,
            strength,
            questionnaire,
            leave_out,
            served=served,
            given=given,
            compact=compact,
            held=frozenset(shared),
        )
        shared |= named_combinations(covered.factors, [*covered.given, *covered.rows], strength)
        result[line] = covered
    return {line: result[line] for line in catalog.flink.lines}


def generation(line: str) -> str:
    """The Flink major version of ``line``: the lines of one generation share combinations."""
    return line.split(".", maxsplit=1)[0]


def _scenarios(lines: dict[str, Line], prefix: str = "") -> list[Scenario]:
    scenarios = []
    for line, covered in lines.items():
        for n, row in enumerate(covered.rows, start=1):
            values = tuple((f.name, row[i]) for i, f in enumerate(covered.factors))
            scenarios.append(Scenario(line, n, values, prefix=prefix))
    return scenarios


def covering_set(
    catalog: Catalog, strength: int = 2, leave_out: frozenset[str] = frozenset()
) -> list[Scenario]:
    """The covering set of every Flink line (``cover_lines``), in a stable order."""
    return _scenarios(cover_lines(catalog, strength, leave_out=leave_out))


def missing_here(served: Served, scenario: Scenario) -> list[str]:
    """The coordinates of ``scenario``'s project that the repository of ``served`` lacks."""
    api = str(scenario.value("api") or served.catalog.apis.default_api)
    return served.missing(scenario.line, api, (scenario.source, *scenario.sinks), scenario.options)


def cover_served_lines(
    catalog: Catalog,
    served: Served,
    given: Sequence[Scenario],
    questionnaire: Questionnaire | None = None,
) -> dict[str, Line]:
    """The compile tier's second set: every value on every line and every pair of values on some
    line that a project the repository of ``served`` can build holds, besides ``given``'s
    projects, without the factors of ``HERE_LEAVES_OUT``."""
    return cover_lines(catalog, 2, questionnaire, HERE_LEAVES_OUT, served=served, given=given, compact=True)


def served_covering_set(catalog: Catalog, served: Served, given: Sequence[Scenario]) -> list[Scenario]:
    """The projects to build besides ``given`` (``cover_served_lines``).

    ``given``'s buildable projects count (so no project is built twice); the added ones have ids
    ``f<line>-h<n>``.
    """
    return _scenarios(cover_served_lines(catalog, served, given), prefix="h")
