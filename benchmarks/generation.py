"""Generating a project: msf-scaffold and plain copier against the Flink quickstart archetype.

Each command runs as a subprocess into a fresh directory, as a user would run it; the archetype
runs offline (``mvn -B -o``) after one online warm-up. The scale table generates with a growing
number of sinks and compares each with the one-sink case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import archetype, python_costs
from benchmarks.stats import Table
from benchmarks.timing import Case, interleave, timed
from benchmarks.workspace import Workspace, remove, tool


@dataclass(frozen=True)
class Generator:
    """A command that generates a project into the directory given between ``before`` and ``after``."""

    key: str
    label: str
    before: tuple[str, ...]
    after: tuple[str, ...] = ()

    def command(self, destination: Path) -> list[str]:
        """The full command line."""
        return [*self.before, str(destination), *self.after]


#: Files each generator wrote (counted once, outside the timing), for the report.
FileCounts = dict[str, int]


def _count_files(project: Path) -> int:
    return sum(1 for path in project.rglob("*") if path.is_file() and ".git" not in path.parts)


def _timed_generation(generator: Generator, parent: Path, files: FileCounts) -> Case:
    def measure(repetition: int) -> float:
        destination = parent / f"{generator.key}-{repetition}"
        seconds = timed(generator.command(destination), parent)
        files.setdefault(generator.key, _count_files(destination))
        remove(destination)
        return seconds

    return Case(generator.key, measure)


def _timed_archetype(parent: Path, files: FileCounts) -> Case:
    def measure(repetition: int) -> float:
        artifact_id = f"quickstart-{repetition}"
        seconds = timed(archetype.generate_command(artifact_id, offline=True), parent)
        files.setdefault("archetype", _count_files(parent / artifact_id))
        remove(parent / artifact_id)
        return seconds

    return Case("archetype", measure)


def scaffold_new(workspace: Workspace, key: str, label: str, *options: str) -> Generator:
    """``msf-scaffold new DEST --defaults`` from the run's template snapshot."""
    before = (*tool("msf-scaffold"), "new")
    return Generator(key, label, before, ("--defaults", "--template", str(workspace.template), *options))


def tool_cases(workspace: Workspace, files: FileCounts) -> tuple[list[Case], list[Generator]]:
    """Generation by each tool; the archetype first (the baseline)."""
    parent = workspace.directory("generation")
    generators: list[Generator] = [
        Generator(
            "copier",
            "`copier copy --defaults <template> DEST`",
            (*tool("copier"), "copy", "--defaults", str(workspace.template)),
        ),
        scaffold_new(workspace, "new", "`msf-scaffold new DEST --defaults --no-git`", "--no-git"),
        scaffold_new(workspace, "new-git", "`msf-scaffold new DEST --defaults` (with git init and commit)"),
    ]
    cases = [_timed_archetype(parent, files)] + [_timed_generation(g, parent, files) for g in generators]
    return cases, generators


def tool_table(samples: dict[str, list[float]], generators: Sequence[Generator], files: FileCounts) -> Table:
    """Table 1: generation wall time against the archetype."""
    table = Table(
        "generation",
        "Generation: wall time of one project",
        f"`mvn -B -o archetype:generate` with `{archetype.COORDINATE}` (offline, after one online warm-up)",
    )
    baseline = samples["archetype"]
    table.add(
        "archetype",
        f"`mvn -B -o archetype:generate` ({archetype.ARTIFACT} {archetype.VERSION})",
        "s",
        baseline,
        baseline,
    )
    for generator in generators:
        table.add(generator.key, generator.label, "s", samples[generator.key], baseline)
    table.notes.append(
        f"The archetype is {archetype.COORDINATE}: the only version of `{archetype.ARTIFACT}` the Maven "
        "repository in use serves (2.2.0 and 1.20.x are not published there). It writes "
        f"{files['archetype']} files (a skeleton job, a pom, logging configuration); "
        f"`msf-scaffold new --defaults` writes {files['new']}: a complete project with connectors, tests, "
        "README and Maven Wrapper."
    )
    table.notes.append(
        "`--defaults` is Flink 2.2, Kinesis -> Kinesis. Every tool runs as a subprocess, so interpreter or "
        "JVM start-up is included; msf-scaffold and copier render the run's template snapshot."
    )
    return table


SCALE_SINKS: tuple[tuple[str, ...], ...] = (("print",), ("print", "kafka"), ("print", "kafka", "kinesis"))


def scale_cases(workspace: Workspace) -> list[Case]:
    """``msf-scaffold new`` with source datagen and 1, 2 and 3 sinks."""
    parent = workspace.directory("scale")
    cases = []
    for sinks in SCALE_SINKS:
        generator = scaffold_new(
            workspace,
            _scale_key(sinks),
            "",
            "--no-git",
            "-d",
            "source=datagen",
            "-d",
            f"sinks=[{', '.join(sinks)}]",
        )
        cases.append(_timed_generation(generator, parent, {}))
    return cases


def _scale_key(sinks: Sequence[str]) -> str:
    return "sinks-" + "-".join(sinks)


def scale_table(samples: dict[str, list[float]]) -> Table:
    """Table 2: generation time as the number of selected connectors grows."""
    baseline = samples[_scale_key(SCALE_SINKS[0])]
    table = Table(
        "scale",
        "Scale: generation time as connectors are added",
        "`msf-scaffold new --no-git` with source datagen and sinks [print]",
    )
    for sinks in SCALE_SINKS:
        key = _scale_key(sinks)
        table.add(
            key, f"datagen -> [{', '.join(sinks)}] ({1 + len(sinks)} connectors)", "s", samples[key], baseline
        )
    return table


def run_stage(workspace: Workspace, repeats: int) -> list[Table]:
    """Stages 1 and 2 with our Python costs, measured in the same repetitions as ``msf-scaffold new``."""
    archetype.warm(workspace.directory("archetype-warm-up"))
    files: FileCounts = {}
    cases, generators = tool_cases(workspace, files)
    samples = interleave("generation", [*cases, *python_costs.cases(workspace)], repeats)
    scale = interleave("scale", scale_cases(workspace), repeats)
    return [
        tool_table(samples, generators, files),
        scale_table(scale),
        python_costs.wall_table(samples),
        python_costs.import_table(workspace, repeats),
        python_costs.profile_table(workspace, min(repeats, 3)),
    ]
