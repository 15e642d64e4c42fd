"""The ``msf-scaffold`` command: a thin layer over :mod:`msf_scaffold.generate` and the catalog.

Every error becomes a message on standard error and an exit code here, and only here.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msf_scaffold._version import __version__
from msf_scaffold.errors import CancelledError, MsfScaffoldError, ToolError, UserError
from msf_scaffold.next_steps import render_steps
from msf_scaffold.scratch import Terminated, signals_raise
from msf_scaffold.yaml_files import load_mapping_file

if TYPE_CHECKING:
    from msf_scaffold.generate import GenerationResult


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI and returns its exit code."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # paths from argv may hold undecodable bytes
            stream.reconfigure(errors="backslashreplace")
    try:
        try:
            return _run(_parser().parse_args(argv))
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's flush at exit
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The end of a run whose standard output was closed (`msf-scaffold versions | head -1`).

    As the Python documentation advises (signal module, "Note on SIGPIPE"), standard output is
    pointed at os.devnull so that the interpreter's last flush does not fail again, and nothing is
    printed. The exit code is the shell's for SIGPIPE, as other commands in such a pipe give.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # standard output is not a file descriptor (replaced in-process)
        pass
    return 128 + signal.SIGPIPE


def _run(args: argparse.Namespace) -> int:
    try:
        with signals_raise():  # SIGTERM and SIGHUP end a run like Ctrl-C: cleanup runs, a message says why
            code: int = args.handler(args)
    except MsfScaffoldError as error:
        print(f"msf-scaffold: error: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        raise  # the reader of standard output is gone: main ends quietly
    except OSError as error:
        # A file-system failure on a path the user gave (read-only, full, name too long, ...).
        where = f"{error.filename}: " if error.filename else ""
        print(f"msf-scaffold: error: {where}{error.strerror or error}; check the path", file=sys.stderr)
        return UserError.exit_code
    except KeyboardInterrupt:
        # Commands that write (new, update) say themselves what exists; the others write nothing.
        print("msf-scaffold: error: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Terminated as stop:
        print(f"msf-scaffold: error: terminated by {stop.name}; nothing was written.", file=sys.stderr)
        return 128 + stop.signum
    return code


def _path(text: str) -> Path:
    """A path argument; argparse turns the error into a usage message and exit code 2."""
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path: it holds a NUL character")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msf-scaffold",
        description="Generate and upgrade Apache Flink projects for Amazon Managed Service for Apache Flink.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = commands.add_parser("new", help="generate a new project", description=_NEW_HELP)
    new.add_argument(
        "destination", type=_path, nargs="?", help="directory of the new project (asked when omitted)"
    )
    new.add_argument(
        "--defaults", action="store_true", help="use the default for every question not answered"
    )
    new.add_argument(
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a question, e.g. -d flink_version=1.20 -d 'sinks=[kafka, print]' (repeatable)",
    )
    new.add_argument("--preset", help="start from a preset pipeline (see `msf-scaffold presets`)")
    new.add_argument("--answers-file", type=_path, help="YAML file of answers (--data wins over it)")
    new.add_argument(
        "--org-defaults",
        type=_path,
        help="organisation defaults file (default: $MSF_SCAFFOLD_ORG_DEFAULTS); see docs/golden-path.md",
    )
    new.add_argument("--template", help="template path or git URL (default: this installation's template)")
    new.add_argument("--vcs-ref", help="git ref of the template to render (default: this version's tag)")
    new.add_argument("--no-git", action="store_true", help="do not create a git repository")
    new.add_argument("--build", action="store_true", help="run the first build (./mvnw -B verify) afterwards")
    new.set_defaults(handler=_new)

    presets_command = commands.add_parser("presets", help="list the preset pipelines")
    presets_command.set_defaults(handler=_presets)

    upd = commands.add_parser(
        "update", help="update a project to a newer template version", description=_UPDATE_HELP
    )
    upd.add_argument("project", type=_path, nargs="?", default=Path(), help="the project (default: .)")
    upd.add_argument(
        "--data",
        "-d",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change an answer, e.g. -d flink_version=2.2 (repeatable)",
    )
    upd.add_argument(
        "--vcs-ref", help="template version to update to (default: the newest; ':current:' keeps the version)"
    )
    upd.set_defaults(handler=_update)

    doctor_command = commands.add_parser(
        "doctor", help="check a Maven Flink project for MSF pitfalls", description=_DOCTOR_HELP
    )
    doctor_command.add_argument(
        "directory", nargs="?", type=_path, default=Path(), help="the project directory (default: .)"
    )
    doctor_command.add_argument("--json", action="store_true", help="machine-readable output")
    doctor_command.add_argument("--strict", action="store_true", help="fail on warnings too (exit code 1)")
    doctor_command.add_argument(
        "--fix", action="store_true", help="show the mechanical fixes as a unified diff (see --write)"
    )
    doctor_command.add_argument(
        "--diff", action="store_true", help="with --fix: print the diff, write nothing (the default)"
    )
    doctor_command.add_argument(
        "--write", action="store_true", help="with --fix: apply the fixes, then check the project again"
    )
    doctor_command.set_defaults(handler=_doctor)

    versions = commands.add_parser(
        "versions", help="show the compatibility matrix from the catalog", description=_VERSIONS_HELP
    )
    versions_output = versions.add_mutually_exclusive_group()
    versions_output.add_argument("--json", action="store_true", help="machine-readable output")
    versions_output.add_argument(
        "--details",
        action="store_true",
        help="add every Maven coordinate each connector bundles, per Flink line, one per row",
    )
    versions.set_defaults(handler=_versions)

    fresh = commands.add_parser(
        "freshness",
        help="list newer releases of the catalog's pins that fit each Flink line",
        description=_FRESHNESS_HELP,
    )
    fresh.add_argument(
        "--repository",
        metavar="URL",
        help="Maven repository: http(s) or file:// URL, or a directory "
        "(default: $MSF_SCAFFOLD_MAVEN_REPOSITORY, else Maven Central)",
    )
    fresh.add_argument("--json", action="store_true", help="machine-readable output")
    fresh.add_argument(
        "--line", action="append", metavar="L", help="report only this Flink line, e.g. 2.2 (repeatable)"
    )
    fresh.add_argument(
        "--maven-only",
        action="store_true",
        help="skip the Compose images and GitHub Actions (no registry calls)",
    )
    fresh.add_argument(
        "--fail-on-stale", action="store_true", help="exit code 1 when a newer release fits (default: 0)"
    )
    fresh.set_defaults(handler=_freshness)

    web = commands.add_parser(
        "serve", help="run the web front door: a form, /starter.zip, /metadata", description=_SERVE_HELP
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    web.add_argument(
        "--defaults",
        "--org-defaults",
        dest="org_defaults",
        type=_path,
        metavar="FILE",
        help="organisation defaults file, as for `new --org-defaults` (default: $MSF_SCAFFOLD_ORG_DEFAULTS)",
    )
    web.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="longest a request waits for its project, then 503 (default: 60)",
    )
    web.add_argument(
        "--max-waiting",
        type=int,
        default=16,
        metavar="N",
        help="requests that may wait for a render; more get 503 at once (default: 16)",
    )
    web.set_defaults(handler=_serve)
    return parser


_NEW_HELP = """Generate a project. Without --defaults the questions are asked in the terminal; with
--defaults every question not given by --data or --answers-file takes its default. The project
records the template and version it came from, so `copier update` can upgrade it later."""


_UPDATE_HELP = """Update a generated project with `copier update`: checks that the project is a clean
git work tree generated from a reachable git template, brings in the newer template (or applies
changed answers, e.g. -d flink_version=2.2 --vcs-ref :current:), keeps your edits, and marks
conflicting lines inline like a git merge. Review with `git diff`, undo with `git checkout .`."""


def _update(args: argparse.Namespace) -> int:
    from msf_scaffold.update import update  # noqa: PLC0415 - copier is slow to import

    result = update(args.project, data=_parse_data(args.data), vcs_ref=args.vcs_ref)
    lines = [f"Updated {result.project}: template {result.from_version} -> {result.to_version}"]
    for key, (old, new) in result.answers_changed.items():
        lines.append(f"  answer {key}: {old!r} -> {new!r}")
    if not result.changed:
        lines.append("  nothing changed: the project is already up to date")
    else:
        lines.append(f"  {len(result.changed)} files changed (review with `git diff`):")
        lines += [f"    {path}" for path in result.changed]
    for version, notes in result.migration_notes.items():
        lines.append(f"  migration notes of {version}:")
        lines += [f"    {line}" for line in notes.splitlines()]
    if result.migration_notes_unread:
        lines.append(
            f"  migration notes could not be read ({result.migration_notes_unread}); read the "
            f"CHANGELOG.md of the template at {result.to_version} for manual steps"
        )
    if result.conflicts:
        lines.append(
            f"  {len(result.conflicts)} files have conflicts marked '<<<<<<< before updating'; resolve them:"
        )
        lines += [f"    {path}" for path in result.conflicts]
    print("\n".join(lines))
    return 1 if result.conflicts else 0


_DOCTOR_HELP = """Check a Maven Flink project (generated by msf-scaffold or not) for mistakes that break on
Amazon Managed Service for Apache Flink. Exit code 0: no errors; 1: errors found (with --strict,
warnings count too); 2: the project could not be checked. The rules: docs/doctor.md."""


def _doctor(args: argparse.Namespace) -> int:
    from msf_scaffold import doctor  # noqa: PLC0415 - only this command needs it

    if args.fix or args.diff or args.write:
        return _doctor_fix(args)
    report = doctor.run_doctor(args.directory)
    print(doctor.render_json(report) if args.json else doctor.render_text(report))
    return doctor.exit_code(report, strict=args.strict)


def _doctor_fix(args: argparse.Namespace) -> int:
    from msf_scaffold import doctor  # noqa: PLC0415 - only this command needs it
    from msf_scaffold.doctor import fix  # noqa: PLC0415

    if not args.fix:
        option = "--write" if args.write else "--diff"
        raise UserError(f"{option} needs --fix: msf-scaffold doctor --fix {option} [DIR]")
    if args.diff and args.write:
        raise UserError(
            "--diff and --write exclude each other: --fix (or --fix --diff) shows the changes,"
            " --fix --write applies them"
        )
    if args.json:
        raise UserError("--json does not combine with --fix: run msf-scaffold doctor --json without --fix")
    plan = fix.plan_fixes(args.directory)
    if not args.write:
        print(fix.render_diff(plan), end="")
        print(fix.render_summary(plan, written=False), file=sys.stderr)
        return doctor.exit_code(plan.report, strict=args.strict)
    fix.write_fixes(plan)
    print(fix.render_summary(plan, written=True) + "\n")
    report = doctor.run_doctor(args.directory)
    print(doctor.render_text(report))
    return doctor.exit_code(report, strict=args.strict)


def _new(args: argparse.Namespace) -> int:
    from msf_scaffold import prompts  # noqa: PLC0415 - copier and questionary are slow to import
    from msf_scaffold.generate import generate  # noqa: PLC0415
    from msf_scaffold.org_defaults import load_org_defaults  # noqa: PLC0415
    from msf_scaffold.presets import load_presets, preset  # noqa: PLC0415
    from msf_scaffold.questions import question_names  # noqa: PLC0415
    from msf_scaffold.template_source import bundled_template, package_checkout  # noqa: PLC0415

    org = load_org_defaults(args.org_defaults, question_names(package_checkout() or bundled_template()))
    data: dict[str, Any] = dict(preset(args.preset).answers) if args.preset else {}
    if args.answers_file:
        data.update(_answers_file(args.answers_file))
    data.update(_parse_data(args.data))
    interactive = not args.defaults and sys.stdin.isatty() and sys.stdout.isatty()

    destination = args.destination
    if destination is None:
        if not interactive:
            raise UserError("give the new project's directory: msf-scaffold new DEST")
        destination = prompts.ask_destination()
    preset_name = args.preset
    if interactive and not args.preset and not args.answers_file:
        chosen = prompts.ask_preset(load_presets())
        if chosen is not None:
            data = {**chosen.answers, **data}
            preset_name = chosen.name
    git = not args.no_git
    if interactive and git:
        git = prompts.confirm("Create a git repository with a first commit?", default=True)

    result = generate(
        destination,
        data=data,
        defaults=args.defaults,
        template=args.template or (org.template if org else None),
        vcs_ref=args.vcs_ref or (org.vcs_ref if org else None),
        template_url=org.template_url if org else None,
        git=git,
        user_defaults=org.defaults if org else None,
        check_answers=org.check if org else None,
        confirm=functools.partial(prompts.confirm_summary, preset=preset_name, destination=destination)
        if interactive
        else None,
    )
    print(_summary(result))
    step = "at the build question"
    try:
        build = args.build or (
            interactive and prompts.confirm("Run the first build now (./mvnw -B verify)?", default=False)
        )
        if build:
            step = "during the first build"
            return _first_build(result.destination)
    except (CancelledError, KeyboardInterrupt, Terminated) as stop:
        raise _stopped_after_creation(stop, step, result) from None
    return 0


def _stopped_after_creation(stop: BaseException, step: str, result: GenerationResult) -> MsfScaffoldError:
    """The error for an interruption once the project exists: it names what exists on disk."""
    from msf_scaffold.generate import interruption  # noqa: PLC0415

    committed = f", committed as {result.git_commit}" if result.git_commit else " (no git repository)"
    build = "was not run" if step == "at the build question" else "did not finish"
    state = (
        f"{step}: the project exists at {result.destination}{committed}; the first build {build}: "
        "run ./mvnw -B verify there"
    )
    if isinstance(stop, CancelledError):  # Ctrl-C or Ctrl-D at the question
        return CancelledError(f"interrupted {state}")
    return interruption(stop, state)


def _first_build(project: Path) -> int:
    print(f"\n$ ./mvnw -B verify   (in {project})", flush=True)
    completed = subprocess.run(["./mvnw", "-B", "verify"], cwd=project, check=False)
    if completed.returncode != 0:
        raise ToolError(f"the first build failed (exit {completed.returncode}); the project is at {project}")
    return 0


def _presets(args: argparse.Namespace) -> int:
    from msf_scaffold.presets import load_presets  # noqa: PLC0415

    width = max(shutil.get_terminal_size((100, 24)).columns - 1, 60)
    for item in load_presets().values():
        answers = ", ".join(f"{key}={value}" for key, value in item.answers.items())
        for text in (f"{item.name:<20} {item.description}", f"{'':<20} ({answers})"):
            print(textwrap.fill(text, width, subsequent_indent=" " * 21, break_on_hyphens=False))
    return 0


_VERSIONS_HELP = """Show the Flink lines (MSF runtime, Java, Flink version, the default) and, per connector,
its roles and the version of its main artifact on each line, or "not offered" with the reason.
The text fits 100 columns; --details adds every Maven coordinate each connector bundles, per
Flink line; --json prints the whole matrix with every artifact version."""


def _versions(args: argparse.Namespace) -> int:
    from msf_scaffold.catalog import load_catalog  # noqa: PLC0415 - pydantic models load only here
    from msf_scaffold.matrix import connector_support, line_summaries, render_text  # noqa: PLC0415

    catalog = load_catalog()
    if args.json:
        document = {
            "lines": [asdict(s) for s in line_summaries(catalog)],
            "connectors": [asdict(c) for c in connector_support(catalog)],
        }
        print(json.dumps(document, indent=2))
    else:
        print(render_text(catalog, details=args.details))
    return 0


_FRESHNESS_HELP = """Read the Maven repository's metadata for every version pin of the catalog and list, per
Flink line, the newest release that fits the line (built for it, and its classes run on the line's
Java) and the newer ones that do not, with the reason; the Compose images and GitHub Actions are
compared with their registries' tags. It is a report: exit code 0 even when newer releases fit,
unless --fail-on-stale (then 1)."""


def _freshness(args: argparse.Namespace) -> int:
    from msf_scaffold.catalog import load_catalog  # noqa: PLC0415 - pydantic models load only here
    from msf_scaffold.freshness import Registries, check_freshness, render_json, render_text  # noqa: PLC0415

    report = check_freshness(
        load_catalog(), args.repository, lines=args.line, registries=None if args.maven_only else Registries()
    )
    print(render_json(report) if args.json else render_text(report))
    return 1 if args.fail_on_stale and report.stale else 0


_SERVE_HELP = """Serve a web form and an HTTP API that generate projects as `msf-scaffold new --no-git`
does: GET /metadata (the questions, choices per Flink line, defaults, versions), GET
/starter.zip?source=kafka&sinks=kafka,print (the project as a zip) and GET /preview?... (its files
as JSON). Refused answers get HTTP 400 with the CLI's message. Needs the serve extra:
pip install 'msf-scaffold[serve]'. See docs/serve.md."""


def _serve(args: argparse.Namespace) -> int:
    try:
        from msf_scaffold.serve import Settings, serve  # noqa: PLC0415 - the serve extra
    except ModuleNotFoundError as error:
        if error.name not in ("starlette", "uvicorn"):
            raise
        raise UserError(
            f"`msf-scaffold serve` needs {error.name}, from the serve extra: "
            "pip install 'msf-scaffold[serve]'"
        ) from None
    from msf_scaffold.org_defaults import load_org_defaults  # noqa: PLC0415
    from msf_scaffold.questions import question_names  # noqa: PLC0415
    from msf_scaffold.template_source import bundled_template, package_checkout  # noqa: PLC0415

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not a port; give 1 to 65535 (or 0 for any free port)")
    org = load_org_defaults(args.org_defaults, question_names(package_checkout() or bundled_template()))
    settings = Settings(org=org, timeout=args.timeout, max_waiting=args.max_waiting)
    try:
        serve(args.host, args.port, settings)
    except (KeyboardInterrupt, Terminated):  # uvicorn has shut down gracefully, then passes the signal on
        return 0
    return 0


def _parse_data(pairs: list[str]) -> dict[str, str]:
    data: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise UserError(f"--data {pair!r} must be KEY=VALUE, e.g. --data flink_version=1.20")
        data[key.strip()] = value
    return data


def _answers_file(path: Path) -> dict[str, Any]:
    loaded = load_mapping_file(path, f"--answers-file {path}", "question: answer")
    # copier's own bookkeeping keys (_commit, _src_path) are not answers.
    return {k: v for k, v in loaded.items() if not k.startswith("_")}


def _summary(result: GenerationResult) -> str:
    answers = result.answers
    lines = [
        f"Generated {answers.get('project_name')} in {result.destination}",
        f"  Flink {answers.get('flink_version')}, source {answers.get('source')}, "
        f"sinks {', '.join(answers.get('sinks', []))}",
        f"  template {result.template.description}",
    ]
    if result.git_commit:
        lines.append(f"  git repository initialised, first commit {result.git_commit}")
    lines += [f"  note: {note}" for note in result.notes]
    lines += ["", "Next steps:", *render_steps(result.destination)]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
