"""What the questionnaire allows, checked for every combination without rendering, and the covering
sets built on it."""

from __future__ import annotations

import itertools

import pytest

from msf_scaffold.catalog import Catalog, Role
from tests.covering import Named, cover_line, cover_lines, covering_set, generation, named_combinations
from tests.questionnaire import Questionnaire


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return Questionnaire()


def test_every_valid_combination_is_accepted(catalog: Catalog, questionnaire: Questionnaire) -> None:
    combinations = list(catalog.valid_combinations())
    assert combinations
    for line, source, sinks in combinations:
        answers = {"flink_version": line, "source": source, "sinks": list(sinks)}
        assert questionnaire.refusals(answers) == {}, (line, source, sinks)


def test_a_connector_is_refused_exactly_where_the_catalog_does_not_offer_it(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    roles: tuple[tuple[Role, str], ...] = (("source", "source"), ("sink", "sinks"))
    for line in catalog.flink.lines:
        for api in catalog.apis.apis:
            context = {"flink_version": line, "api": api}
            for role, question in roles:
                offered = questionnaire.choices(question, context)
                having_role = [
                    c for c, connector in catalog.connectors.items() if connector.role(role) is not None
                ]
                assert list(offered) == having_role
                for connector_id, refusal in offered.items():
                    value = connector_id if role == "source" else [connector_id]
                    refused = questionnaire.refusals({**context, question: value})
                    if connector_id in catalog.offered(role, line, api):
                        assert refusal is None and refused == {}
                    else:
                        assert refusal, (line, api, connector_id)
                        if line not in catalog.supported_lines(connector_id):
                            assert f"is not offered on Flink {line}: " in refusal
                            assert str(catalog.unavailable_reason(connector_id, line)) in refusal
                        assert refused == {question: refusal}


def test_an_empty_sink_set_and_unknown_connectors_are_refused(questionnaire: Questionnaire) -> None:
    assert questionnaire.refusals({"sinks": []}) == {
        "sinks": "sinks needs at least one choice (example: kinesis)."
    }
    assert questionnaire.refusals({"source": "ftp"}) == {"source": "'ftp' is not a choice"}


def test_options_are_asked_only_with_their_connector_and_choices(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    base = questionnaire.defaults()
    assert questionnaire.asked("kinesis_reader", base | {"source": "kinesis"})
    assert not questionnaire.asked("kinesis_reader", base | {"source": "kafka", "sinks": ["kinesis"]})
    assert not questionnaire.asked(
        "kinesis_efo_lifecycle", base | {"source": "kinesis", "kinesis_reader": "POLLING"}
    )
    assert questionnaire.asked("kinesis_efo_lifecycle", base | {"source": "kinesis", "kinesis_reader": "EFO"})
    # A stream name is asked for the role it names only.
    assert questionnaire.asked("kinesis_input_stream", base | {"source": "kinesis", "sinks": ["kafka"]})
    assert not questionnaire.asked("kinesis_input_stream", base | {"source": "kafka", "sinks": ["kinesis"]})
    assert questionnaire.asked(
        "kinesis_output_stream", base | {"source": "kafka", "sinks": ["print", "kinesis"]}
    )
    assert not questionnaire.asked("kinesis_output_stream", base | {"source": "kinesis", "sinks": ["kafka"]})
    assert questionnaire.asked("alarm_topic_arn", base | {"iac": "terraform"})
    assert not questionnaire.asked("alarm_topic_arn", base | {"iac": "none"})
    for connector_id, name, option in catalog.all_options():
        question = f"{connector_id}_{name}"
        assert question in questionnaire.names()
        if option.choices is not None:
            assert list(questionnaire.choices(question, base)) == list(option.choices)


@pytest.mark.parametrize("strength", [2, 3])
def test_covering_sets_hold_every_possible_combination_of_their_strength(
    catalog: Catalog, questionnaire: Questionnaire, strength: int
) -> None:
    lines = list(catalog.flink.lines)
    leave_out: frozenset[str] = frozenset()
    if strength == 3:
        # No tier uses strength 3 (docs/testing.md); the generator is proven on the line with
        # the fewest connectors, without the factors the render tier leaves out (10 s, not 100).
        lines = [min(lines, key=lambda line: len(catalog.offered("source", line)))]
        leave_out = frozenset({"experience", "backstage", "api"})
    for line in lines:
        covered = cover_line(catalog, line, strength, questionnaire, leave_out)
        held: set[tuple[tuple[int, object], ...]] = set()
        for row in covered.rows:
            assigned = sorted((i, v) for i, v in row.items() if v is not None)
            for size in range(1, strength + 1):
                held.update(itertools.combinations(assigned, size))
        impossible = set(covered.impossible)
        assert set(covered.required) - impossible <= held
        assert not impossible & held
        # Every single value is possible, so every one is built on every line.
        assert not [r for r in impossible if len(r) == 1]


def test_covering_sets_hold_every_value_on_every_line_and_every_pair_on_a_line_of_its_generation(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    together = cover_lines(catalog, 2, questionnaire)
    possible: dict[str, set[Named]] = {}
    held: dict[str, set[Named]] = {}
    offered: dict[str, set[Named]] = {}
    for line in catalog.flink.lines:
        alone = cover_line(catalog, line, 2, questionnaire)
        names = [f.name for f in alone.factors]
        on_line = {tuple((names[i], v) for i, v in r) for r in set(alone.required) - set(alone.impossible)}
        built = named_combinations(together[line].factors, together[line].rows, 2)
        offered[line] = on_line
        # Every value the line offers is built on that line, with its pins.
        assert {n for n in built if len(n) == 1} == {n for n in on_line if len(n) == 1}, line
        assert built <= on_line, line
        possible.setdefault(generation(line), set()).update(on_line)
        held.setdefault(generation(line), set()).update(built)
    # Every pair some line offers is built on a line of the same Flink major version.
    assert possible == held
    # The default line, covered first, holds every pair it offers itself.
    default = catalog.flink.default_line
    assert named_combinations(together[default].factors, together[default].rows, 2) == offered[default]


def test_covering_rows_are_answers_the_questionnaire_accepts_and_asks_for(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    scenarios = covering_set(catalog)
    assert len({s.id for s in scenarios}) == len(scenarios)
    for scenario in scenarios:
        answers = scenario.answers()
        assert questionnaire.refusals(answers) == {}, scenario.label
        context = questionnaire.defaults() | answers
        for connector_id, name, option in catalog.all_options():
            question = f"{connector_id}_{name}"
            if option.choices is not None:
                assert (question in answers) == questionnaire.asked(question, context), (
                    scenario.label,
                    question,
                )
        offered = catalog.offered("sink", scenario.line)
        assert list(scenario.sinks) == sorted(scenario.sinks, key=offered.index)


def test_impossible_combinations_are_those_of_options_that_are_not_asked(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    covered = cover_line(catalog, "2.2", 2, questionnaire)
    names = [f.name for f in covered.factors]
    impossible = {tuple((names[i], v) for i, v in requirement) for requirement in covered.impossible}
    assert (("source", "kafka"), ("option:kinesis.reader", "EFO")) in impossible
    assert (
        ("option:kinesis.reader", "POLLING"),
        ("option:kinesis.efo_lifecycle", "SELF_MANAGED"),
    ) in impossible
    table_offers = set(catalog.offered("source", "2.2", "table")) | {
        f"sink:{sink}" for sink in catalog.offered("sink", "2.2", "table")
    }
    for requirement in impossible:
        names_and_values = dict(requirement)
        not_in_table_api = names_and_values.get("api") == "table" and any(
            (name == "source" and value not in table_offers)
            or (name.startswith("sink:") and value is True and name not in table_offers)
            for name, value in requirement
        )
        assert not_in_table_api or any(name.startswith("option:") for name, _ in requirement), requirement
    pairs_held = {
        (s.value("option:kinesis.reader"), s.value("sink:kafka"))
        for s in covering_set(catalog)
        if s.line == "2.2"
    }
    assert {("EFO", True), ("EFO", False), ("POLLING", True), ("POLLING", False)} <= pairs_held


@pytest.mark.parametrize(
    "tags",
    [
        {},
        None,
        {"CostCenter": 4711, "Environment": "prod", "acme:team/area": "payments@eu-west-1", "Note": ""},
        {"owner": "data-platform", "Équipe": "données"},
        {f"Tag{i}": "v" for i in range(8)},
        {"Owner": "x", "application": "y", **{f"Tag{i}": "v" for i in range(8)}},
    ],
)
def test_tags_within_aws_rules_are_accepted(
    questionnaire: Questionnaire, tags: dict[str, object] | None
) -> None:
    assert questionnaire.defaults()["tags"] == {}
    assert questionnaire.refusals({"iac": "terraform", "tags": tags}) == {}


def test_tags_are_asked_only_with_infrastructure_code(questionnaire: Questionnaire) -> None:
    assert questionnaire.asked("tags", {**questionnaire.defaults(), "iac": "cdk"})
    assert not questionnaire.asked("tags", {**questionnaire.defaults(), "iac": "none"})


#: What each experience level is asked beyond the level before it (copier/questions.yml `ask`).
ESSENTIALS = {"experience", "project_name", "flink_version", "source", "sinks", "iac"}
MSF_CHOICES = {
    "api",
    "kinesis_reader",
    "kinesis_input_stream",
    "kinesis_output_stream",
    "kinesis_efo_consumer",
    "kinesis_efo_lifecycle",
    "kafka_auth",
    "iceberg_catalog",
    "aws_region",
    "alarm_topic_arn",
    "msf_parallelism",
    "msf_autoscaling",
    "msf_snapshots",
}


def test_each_experience_level_is_asked_its_questions(questionnaire: Questionnaire) -> None:
    # Every connector option's `when` holds with these answers, so only `ask` leaves questions out.
    answers = questionnaire.defaults() | {
        "source": "kinesis",
        "kinesis_reader": "EFO",
        "sinks": ["kinesis", "kafka", "iceberg", "files"],
        "iac": "terraform",
    }
    every = {name for name in questionnaire.names() if questionnaire.asked(name, answers)}
    assert every == set(questionnaire.names())
    prompted = {
        level: {name for name in every if questionnaire.prompted(name, answers | {"experience": level})}
        for level in questionnaire.choices("experience", {})
    }
    assert prompted == {
        "new_to_flink": ESSENTIALS,
        "new_to_msf": ESSENTIALS | MSF_CHOICES,
        "experienced": every,
    }
    # `when` still decides first: without infrastructure code no level is asked the MSF settings.
    for level in prompted:
        context = answers | {"experience": level, "iac": "none"}
        assert not any(
            questionnaire.prompted(n, context) for n in questionnaire.names() if n.startswith("msf_")
        )


def test_a_question_only_experience_decides_is_asked_and_validated_like_any_other(
    questionnaire: Questionnaire,
) -> None:
    # Not asked at a level means `ask` only: its `when` and its validator do not read experience, so
    # an answer given with --data is checked and kept at every level (render test: recorded).
    for name in questionnaire.names():
        assert "experience" not in questionnaire.when_variables(name), name
        validator = str(questionnaire.questions[name].get("validator", ""))
        assert "experience" not in validator, name


def test_application_settings_are_refused_outside_the_catalog_limits(
    catalog: Catalog, questionnaire: Questionnaire
) -> None:
    limits = catalog.iac.application_limits
    base = {"iac": "cloudformation"}
    assert limits.parallelism_per_kpu.max is not None
    for name, value, rule in (
        ("msf_parallelism", limits.parallelism.min - 1, f"at least {limits.parallelism.min}"),
        (
            "msf_parallelism_per_kpu",
            limits.parallelism_per_kpu.max + 1,
            f"{limits.parallelism_per_kpu.min} to {limits.parallelism_per_kpu.max}",
        ),
        ("msf_checkpoint_interval_ms", 0, f"at least {limits.checkpoint_interval_ms.min}"),
    ):
        refused = questionnaire.refusals(base | {name: value})
        assert list(refused) == [name] and rule in refused[name], refused
        assert questionnaire.refusals(base | {name: value + 1 if value < 1 else value - 1}) == {}
    assert questionnaire.refusals(base | {"msf_log_level": "TRACE"}) == {
        "msf_log_level": "'TRACE' is not a choice"
    }
    assert list(questionnaire.choices("msf_log_level", base)) == limits.log_level
    assert list(questionnaire.choices("msf_metrics_level", base)) == limits.metrics_level
    defaults = questionnaire.defaults()
    app = catalog.iac.application
    assert {n: defaults[n] for n in defaults if n.startswith("msf_")} == {
        "msf_parallelism": app.parallelism,
        "msf_parallelism_per_kpu": app.parallelism_per_kpu,
        "msf_autoscaling": app.autoscaling,
        "msf_checkpoint_interval_ms": app.checkpoint_interval_ms,
        "msf_snapshots": app.snapshots,
        "msf_log_level": app.log_level,
        "msf_metrics_level": app.metrics_level,
    }
