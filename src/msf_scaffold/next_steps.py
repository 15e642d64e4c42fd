"""The first commands of a new project, in the order that works, read from the project itself.

The project's Makefile is the source: its ``## target: description`` lines (what ``make help``
prints) say which targets exist and what each does, so the steps name only targets the project
has. A project with local services (docker-compose.yml) starts them first and runs against them
(``run-local``); one with infrastructure code ends with ``deploy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_DESCRIBED = re.compile(r"^## ([^ :]+): (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Step:
    """One command to run in the project's directory, and what it does."""

    command: str
    purpose: str


def makefile_targets(project: Path) -> dict[str, str]:
    """The described targets of the project's Makefile, {target: description}, in file order."""
    makefile = project / "Makefile"
    if not makefile.is_file():
        return {}
    return dict(_DESCRIBED.findall(makefile.read_text(encoding="utf-8")))


def next_steps(project: Path) -> list[Step]:
    """Start the local services (if any), build, test, run, deploy (if the project deploys)."""
    targets = makefile_targets(project)
    local = (project / "docker-compose.yml").is_file() and "local-up" in targets
    order = [
        *(["local-up"] if local else []),
        "build",
        "test",
        "run-local" if local and "run-local" in targets else "run",
        "deploy",
    ]
    steps = [Step(f"make {target}", targets[target]) for target in order if target in targets]
    if targets:
        steps.append(Step("make", "list every target of the Makefile"))
    return steps


def render_steps(project: Path, shown_as: Path | str | None = None) -> list[str]:
    """The steps as aligned lines, after a ``cd`` into the project (``shown_as``: its path as shown)."""
    steps = next_steps(project)
    width = max((len(step.command) for step in steps), default=0)
    lines = [f"  cd {shown_as if shown_as is not None else project}"]
    lines += [f"  {step.command:<{width}}  # {step.purpose}" for step in steps]
    return lines
