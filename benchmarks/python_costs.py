"""Our own Python time: interpreter and import costs, and generation in-process, phase by phase.

The wall-time cases run in the same repetitions as ``msf-scaffold new --no-git`` (their baseline).
The import table parses ``python -X importtime``; the phase table profiles
:func:`msf_scaffold.generate.generate` with cProfile and reports each phase's share of it.
"""

from __future__ import annotations

import cProfile
import pstats
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.stats import Table
from benchmarks.timing import Case, progress, run, timed
from benchmarks.workspace import Workspace, remove, tool

_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
IMPORTED = ("msf_scaffold.cli", "msf_scaffold.generate")
#: Modules whose import cost the import table reports (cumulative at their first import), and why.
IMPORT_ROWS = (
    ("msf_scaffold.cli", "what `--version` and `versions` load"),
    ("msf_scaffold.catalog", "the catalog's pydantic models"),
    ("msf_scaffold.generate", "what `new` loads in addition"),
    ("copier", "the template engine"),
    ("pydantic", "models; its submodules load later, lazily"),
    ("questionary", "interactive prompts"),
    ("jinja2", "templates"),
    ("plumbum", "copier's git calls"),
    ("yaml", "PyYAML"),
)


def command_case(key: str, command: list[str], cwd: Path) -> Case:
    """A case that times ``command``."""
    return Case(key, lambda _: timed(command, cwd))


def cases(workspace: Workspace) -> list[Case]:
    """Interpreter start, CLI start-up, imports, and in-process generation."""
    cwd = workspace.directory("python")
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "version": [*tool("msf-scaffold"), "--version"],
        "import-cli": [sys.executable, "-c", "import msf_scaffold.cli"],
        "import-generate": [sys.executable, "-c", "import msf_scaffold.generate"],
        "import-both": [sys.executable, "-c", "import " + ", ".join(IMPORTED)],
    }
    result = [command_case(key, command, cwd) for key, command in commands.items()]
    workspace.generate(cwd / "warm-up", {})  # imports copier and warms this process
    remove(cwd / "warm-up")

    def in_process(repetition: int) -> float:
        destination = cwd / f"in-process-{repetition}"
        started = time.perf_counter()
        workspace.generate(destination, {})
        seconds = time.perf_counter() - started
        remove(destination)
        return seconds

    return [*result, Case("in-process", in_process)]


def wall_table(samples: dict[str, list[float]]) -> Table:
    """Our Python time against ``msf-scaffold new --no-git`` of the same repetition."""
    baseline = samples["new"]
    table = Table(
        "python",
        "Our Python time: start-up, imports and generation in-process",
        "`msf-scaffold new DEST --defaults --no-git` (subprocess) of the same repetition",
    )
    rows = (
        ("new", "`msf-scaffold new DEST --defaults --no-git`"),
        ("python", "`python -c pass` (interpreter start)"),
        ("version", "`msf-scaffold --version`"),
        ("import-cli", "`python -c 'import msf_scaffold.cli'`"),
        ("import-generate", "`python -c 'import msf_scaffold.generate'` (copier)"),
        ("import-both", "`python -c 'import msf_scaffold.cli, msf_scaffold.generate'` (what `new` imports)"),
        ("in-process", "`msf_scaffold.generate.generate(...)` in a warm process"),
    )
    for key, label in rows:
        table.add(key, label, "s", samples[key], baseline)
    table.notes.append(
        "The ratio is the share of `msf-scaffold new`: what is left after imports and in-process "
        "generation is interpreter start and the work done only on the first call in a process."
    )
    return table


@dataclass(frozen=True)
class ImportTimes:
    """Cumulative import time in seconds of each module at its first import, and who imported it."""

    seconds: dict[str, float]
    parents: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> ImportTimes:
        """Parses the standard error of ``python -X importtime``.

        Lines come in post-order: a module's imports are printed before it, indented deeper, so the
        importer of a line is the next line that is indented less.
        """
        lines = [
            (len(match.group(3)), match.group(4), int(match.group(2)) / 1e6)
            for match in map(_IMPORT_LINE.match, text.splitlines())
            if match
        ]
        seconds: dict[str, float] = {}
        parents: dict[str, str] = {}
        for index, (depth, name, cumulative) in enumerate(lines):
            if name in seconds:
                continue
            seconds[name] = cumulative
            parent = _importer(name, depth, lines[index + 1 :])
            if parent is not None:
                parents[name] = parent
        return cls(seconds, parents)


def _importer(name: str, depth: int, later: list[tuple[int, str, float]]) -> str | None:
    """The module that imported ``name``: the next line indented less.

    ``name``'s own submodules are skipped: importing ``package.module`` imports ``package`` first,
    and ``-X importtime`` prints ``package`` nested under ``package.module``.
    """
    for level, other, _ in later:
        if level < depth:
            if not other.startswith(name + "."):
                return other
            depth = level
    return None


def import_table(workspace: Workspace, repeats: int) -> Table:
    """Where import time goes, per module, against the total of both imports."""
    cwd = workspace.directory("python")
    command = [sys.executable, "-X", "importtime", "-c", "import " + ", ".join(IMPORTED)]
    runs = []
    for repetition in range(repeats):
        runs.append(ImportTimes.parse(run(command, cwd).stderr))
        progress(f"[python] importtime {repetition + 1}/{repeats}")
    totals = [sum(times.seconds.get(name, 0.0) for name in IMPORTED) for times in runs]
    table = Table(
        "imports",
        "Import time by module (`python -X importtime`)",
        "`import msf_scaffold.cli, msf_scaffold.generate`, cumulative (what `msf-scaffold new` imports)",
    )
    for name, why in IMPORT_ROWS:
        if all(name in times.seconds for times in runs):
            parent = runs[0].parents.get(name)
            label = f"`{name}` ({why}" + (f"; first imported by `{parent}`)" if parent else ")")
            table.add(name, label, "s", [times.seconds[name] for times in runs], totals)
    table.notes.append(
        "Cumulative time at a module's first import: a dependency shared by two importers counts under "
        "the first one, so rows nest and do not add up. `-X importtime` adds overhead of its own."
    )
    return table


@dataclass(frozen=True)
class Phase:
    """A function whose cumulative profiled time is one phase of generation."""

    key: str
    label: str
    file_suffix: str
    function: str


PHASES = (
    Phase(
        "checks",
        "msf-scaffold: check answers and resolve the template",
        "msf_scaffold/generate.py",
        "_check_question_names",
    ),
    Phase("clone", "copier: clone the template repository (git)", "copier/_vcs.py", "clone"),
    Phase("config", "copier: read copier.yml with the catalog (YAML)", "copier/_template.py", "_raw_config"),
    Phase("questions", "copier: answers and derived values", "copier/_main.py", "_ask"),
    Phase("render", "copier: render files and paths", "copier/_main.py", "_render_template"),
    Phase("cleanup", "copier: delete the clone", "copier/_template.py", "_cleanup"),
    Phase("jinja", "of which Jinja compiles templates (all phases)", "jinja2/environment.py", "compile"),
)
TOTAL = Phase("total", "generate()", "msf_scaffold/generate.py", "generate")


def _matching(stats: pstats.Stats, phase: Phase) -> Iterable[tuple[int, float]]:
    table: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (primitive_calls, _, _, cumulative, _) in table.items():
        if function == phase.function and filename.replace("\\", "/").endswith(phase.file_suffix):
            yield primitive_calls, cumulative


def profile_phases(workspace: Workspace, destination: Path) -> tuple[dict[str, float], int]:
    """Seconds per phase (under cProfile) of one in-process generation, and the Jinja compile count."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        workspace.generate(destination, {})
    finally:
        profiler.disable()
    stats = pstats.Stats(profiler)
    seconds = {phase.key: sum(c for _, c in _matching(stats, phase)) for phase in (*PHASES, TOTAL)}
    compiles = sum(calls for calls, _ in _matching(stats, PHASES[-1]))
    return seconds, compiles


def profile_table(workspace: Workspace, repeats: int) -> Table:
    """Shares of in-process generation by phase."""
    cwd = workspace.directory("python")
    runs = []
    compiles = []
    for repetition in range(repeats):
        destination = cwd / f"profiled-{repetition}"
        seconds, count = profile_phases(workspace, destination)
        remove(destination)
        runs.append(seconds)
        compiles.append(count)
        progress(f"[python] profile {repetition + 1}/{repeats}: {seconds['total']:.3f}")
    totals = [seconds["total"] for seconds in runs]
    table = Table(
        "phases",
        "Generation in-process by phase (cProfile)",
        "the whole `generate()` call under the profiler",
    )
    for phase in PHASES:
        if all(seconds[phase.key] > 0 for seconds in runs):
            table.add(phase.key, phase.label, "s", [seconds[phase.key] for seconds in runs], totals)
    table.notes.append(
        f"Jinja compiled {min(compiles)}-{max(compiles)} templates per project: copier compiles every "
        "path part and, for every path, the answers-file name, with `Environment.from_string` and no cache. "
        "Seconds are inflated by the profiler; the shares are what matters."
    )
    return table
