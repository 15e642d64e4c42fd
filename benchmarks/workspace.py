"""The run's temporary directory, the template snapshot, and generated projects in it.

Every run renders from a snapshot of the working tree taken at its start (a clean git repository,
as the render tests use), so that edits made in the checkout while the benchmark runs change
nothing, and ``msf-scaffold new`` and ``copier copy`` render the same commit.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.settings import ROOT

#: Files a Maven Wrapper needs; copied into the archetype's projects.
WRAPPER_FILES = ("mvnw", ".mvn/wrapper")


@dataclass(frozen=True)
class Workspace:
    """The run's temporary directory and the template snapshot inside it."""

    root: Path
    template: Path

    @classmethod
    def create(cls, root: Path) -> Workspace:
        """Takes the template snapshot under ``root``."""
        from tests.helpers import snapshot_template  # noqa: PLC0415 - imports copier

        template = snapshot_template(root / "template")
        return cls(root, template)

    def directory(self, *parts: str) -> Path:
        """A (new or existing) directory under the root."""
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def generate(self, destination: Path, answers: Mapping[str, Any]) -> Path:
        """Generates a project in-process with :func:`msf_scaffold.generate.generate`, quietly."""
        from msf_scaffold.generate import generate  # noqa: PLC0415 - copier is slow to import

        with contextlib.redirect_stderr(io.StringIO()):
            generate(destination, data=dict(answers), defaults=True, template=str(self.template), git=False)
        return destination


def tool(name: str) -> list[str]:
    """The command for a console script of this environment (``msf-scaffold``, ``copier``)."""
    script = Path(sys.executable).with_name(name)
    if script.is_file():
        return [str(script)]
    module = {"msf-scaffold": "msf_scaffold"}.get(name, name)
    return [sys.executable, "-m", module]


def copy_wrapper(source_project: Path, target: Path, *, maven_config: bool = False) -> None:
    """Copies the Maven Wrapper of a generated project into ``target``.

    With ``maven_config``, the whole ``.mvn`` directory (``jvm.config``, ``maven.config``) comes
    along, as the compile tier copies it into its reactor root.
    """
    for name in ("mvnw", ".mvn") if maven_config else WRAPPER_FILES:
        source = source_project / name
        if source.is_dir():
            shutil.copytree(source, target / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target / name)


def remove(path: Path) -> None:
    """Removes a file or directory tree if it exists."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def relative_to_root(path: Path) -> str:
    """``path`` relative to the repository when inside it, for messages and docs."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
