"""``python -m benchmarks``: run the stages, print the table, write ``docs/performance.md``."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks import build, generation, throughput, verification
from benchmarks.findings import findings
from benchmarks.machine import Contention, CpuSnapshot, describe
from benchmarks.report import document, text_table
from benchmarks.settings import ROOT, STAGES, Settings
from benchmarks.stats import Table
from benchmarks.timing import BenchmarkError, progress, run
from benchmarks.workspace import Workspace, relative_to_root

DEFAULT_OUTPUT = ROOT / "docs" / "performance.md"
StageRunner = Callable[[Workspace, Settings], list[Table]]
RUNNERS: dict[str, StageRunner] = {
    "generation": lambda w, s: generation.run_stage(w, s.repeats),
    "build": lambda w, s: build.run_stage(w, s.build_repeats),
    "verification": lambda w, s: verification.run_stage(w, s.reactor_repeats, s.reactor_sizes),
    "throughput": lambda w, s: throughput.run_stage(
        w,
        s.throughput_repeats,
        throughput.Workload(s.records, s.warmup_records, s.parallelism, s.throughput_jobs),
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of msf-scaffold: every figure a ratio against a baseline of the same run.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions and smaller sizes (smoke run)"
    )
    parser.add_argument("--repeats", type=int, help="repetitions of each generation command (default 5)")
    parser.add_argument("--build-repeats", type=int, help="repetitions of each Maven build (default 3)")
    parser.add_argument("--reactor-repeats", type=int, help="repetitions of each reactor size (default 2)")
    parser.add_argument("--throughput-repeats", type=int, help="JVMs per serializer (default 3)")
    parser.add_argument("--records", type=int, help="records per measured job (default 600,000)")
    parser.add_argument(
        "--stages", default=",".join(STAGES), help=f"comma-separated subset of: {', '.join(STAGES)}"
    )
    parser.add_argument(
        "--output",
        type=Path,
        help=f"Markdown report (default {relative_to_root(DEFAULT_OUTPUT)}; with --quick, none unless given)",
    )
    parser.add_argument("--no-output", action="store_true", help="print the table only")
    parser.add_argument(
        "--keep-temp", action="store_true", help="keep the temporary directory for inspection"
    )
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the preset and the options given."""
    settings = Settings.quick() if args.quick else Settings.default()
    stages = tuple(stage.strip() for stage in args.stages.split(",") if stage.strip())
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    overrides = {
        "repeats": args.repeats,
        "build_repeats": args.build_repeats,
        "reactor_repeats": args.reactor_repeats,
        "throughput_repeats": args.throughput_repeats,
        "records": args.records,
    }
    chosen = {name: value for name, value in overrides.items() if value is not None}
    if any(value < 1 for value in chosen.values()):
        raise SystemExit("repetitions and records must be at least 1")
    return replace(settings, stages=stages, keep_temp=args.keep_temp, **chosen)


def _checkout() -> str:
    head = (
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        or "unknown"
    )
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return f"commit {head}" + (" with uncommitted changes" if dirty else "")


def method(settings: Settings) -> list[str]:
    """How the run measured, for the report."""
    return [
        "Every figure is a ratio against a baseline measured in the same run. Cases are measured "
        "round-robin (repetition 1 of every case, then repetition 2, ...), and each ratio is taken "
        "repetition by repetition, then summarised: median, and min-max over the repetitions (n).",
        f"Repetitions: {settings.repeats} per generation command, {settings.build_repeats} per build, "
        f"{settings.reactor_repeats} per reactor size, {settings.throughput_repeats} JVMs per serializer.",
        "msf-scaffold and copier render a snapshot of the working tree taken when the run starts (a clean "
        "git repository, as the render tests use), so concurrent edits do not change the figures.",
        "Maven runs offline (`-o`) after warm-ups: the archetype is resolved online once, the Maven "
        "Wrapper's Maven (from the catalog) is installed before timing, and a build that finds the local "
        "repository incomplete resolves online once, untimed, then is timed offline.",
        "Not measured: projects with the Kinesis connector (the Maven repository in use lacks "
        "`org.apache.flink:flink-connector-aws-kinesis-streams` for Flink 1.20 and 2.x), and archetype "
        "versions other than 2.3.0 (not served there).",
        "Nothing here asserts a timing: the suite measures and reports.",
        "Temporary files live in one temporary directory, deleted at the end.",
        "Options: `--quick` (smoke run; writes no report unless `--output` is given), `--stages` (a "
        "comma-separated subset of " + ", ".join(STAGES) + "), `--repeats`, `--build-repeats`, "
        "`--reactor-repeats`, `--throughput-repeats`, `--records`, `--keep-temp`.",
    ]


@dataclass
class Run:
    """What a run measured, and how much of the CPUs others took meanwhile."""

    tables: list[Table] = field(default_factory=list)
    #: (stage, seconds, what other processes and virtual machines took from the CPUs meanwhile)
    stages: list[tuple[str, float, Contention]] = field(default_factory=list)

    def load_facts(self) -> list[tuple[str, str]]:
        """Stage durations and contention, for the machine table."""
        return [(f"Stage {name}", f"{seconds:.0f} s; {taken}") for name, seconds, taken in self.stages]

    def busy(self) -> float:
        """The largest share of the CPUs that others took during a stage."""
        return max((taken.total for _, _, taken in self.stages), default=0.0)


def _header(settings: Settings, seconds: float, measured: Run, checkout: str) -> list[str]:
    mode = "quick" if settings.repeats < Settings.default().repeats else "default"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured by `.venv/bin/python -m benchmarks` ({mode} settings, stages: "
        f"{', '.join(settings.stages)}) on {stamp}, from {checkout} (when the run started); the run took "
        f"{seconds / 60:.1f} min. Run it again to refresh this page: `make bench`.",
        "",
        "Each table compares against the baseline named above it. *Ratio* is measurement / baseline "
        "(for records/s, higher is faster; for seconds and MB, lower is better). Absolute times move "
        "with the machine's load; compare ratios between runs.",
    ]
    if measured.busy() > BUSY:
        lines += [
            "",
            f"**Other processes or virtual machines took up to {measured.busy() * 100:.0f} % of the CPUs "
            "during a stage of this run** (see the machine table), so spreads are wider than on an idle "
            "machine.",
        ]
    return lines


#: Share of the CPUs taken by others above which the report warns that the machine was shared.
BUSY = 0.1


def measure(settings: Settings, root: Path) -> tuple[Run, Path]:
    """Runs the selected stages under ``root``; returns what they measured and a generated project."""
    workspace = Workspace.create(root)
    probe = workspace.generate(root / "probe", {"source": "datagen", "sinks": ["print"]})
    run(["./mvnw", "-B", "-v"], probe)  # installs the wrapper's Maven before anything is timed
    measured = Run()
    for stage in settings.stages:
        started, before = time.monotonic(), CpuSnapshot.take()
        progress(f"== stage {stage}")
        measured.tables += RUNNERS[stage](workspace, settings)
        seconds = time.monotonic() - started
        taken = Contention.between(before, CpuSnapshot.take(), seconds)
        measured.stages.append((stage, seconds, taken))
        progress(f"== stage {stage} took {seconds:.0f} s; {taken}")
    return measured, probe


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmarks; returns the exit code."""
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    output: Path | None = args.output or (None if args.quick else DEFAULT_OUTPUT)
    started, checkout = time.monotonic(), _checkout()
    root = Path(tempfile.mkdtemp(prefix="msf-scaffold-bench-"))
    try:
        measured, probe = measure(settings, root)
        machine = describe(probe, measured.load_facts())
    except BenchmarkError as error:
        print(f"benchmarks: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmarks: interrupted", file=sys.stderr)
        return 130
    finally:
        if settings.keep_temp:
            progress(f"temporary files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    tables = measured.tables
    print("\n\n".join(text_table(table) for table in tables))
    found = findings(tables)
    print("\nFindings:\n" + "\n".join(f"{i}. {text}" for i, text in enumerate(found, start=1)))
    if output is not None and not args.no_output:
        seconds = time.monotonic() - started
        text = document(
            tables, machine, method(settings), found, _header(settings, seconds, measured, checkout)
        )
        output.write_text(text, encoding="utf-8")
        print(f"\nWrote {relative_to_root(output)}")
    return 0
