"""Where the template comes from, and at which git ref, so that projects stay updatable.

`copier update` needs the template as a git repository and the project's answers file to name a
git ref of it. The CLI therefore renders from a git checkout of msf-scaffold when it has one: the
checkout the package runs from (a development install), or the one named by ``--template`` or the
``MSF_SCAFFOLD_TEMPLATE`` environment variable (a path or a git URL). In a local git source it
uses the tag of the installed version (``v<version>``) when the tag exists, and HEAD otherwise. The
checkout the package itself runs from uses the tag only while HEAD is that tag's commit: a checkout
between releases renders what it holds, not the older release its version still names. For a URL
it leaves the choice to copier (the newest release tag). Only when no git source is available does
it fall back to the copy bundled in the package, and it says that such a project cannot be updated.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from msf_scaffold._version import __version__

TEMPLATE_ENV = "MSF_SCAFFOLD_TEMPLATE"


@dataclass(frozen=True)
class TemplateSource:
    """A template location for copier, with the git ref to render (None: copier's choice)."""

    location: str
    ref: str | None
    updatable: bool

    @property
    def description(self) -> str:
        """Human-readable ``location@ref``."""
        return f"{self.location}@{self.ref}" if self.ref else self.location


def package_checkout() -> Path | None:
    """The msf-scaffold checkout this package runs from, if it runs from one."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "copier.yml").is_file() and (root / "template").is_dir() else None


def bundled_template() -> Path:
    """The template files bundled in the installed package (see pyproject.toml)."""
    return Path(__file__).resolve().parent / "_template"


def is_git_repository(path: Path) -> bool:
    """Whether ``path`` is the top of a git work tree with at least one commit."""
    if not (path / ".git").exists():
        return False
    result = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--verify", "-q", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def release_tag(path: Path, version: str = __version__) -> str | None:
    """``v<version>`` if that tag exists in the repository at ``path``."""
    tag = f"v{version}"
    result = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--verify", "-q", f"refs/tags/{tag}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return tag if result.returncode == 0 else None


def _head_is(path: Path, tag: str) -> bool:
    """Whether HEAD of the repository at ``path`` is the commit ``tag`` names."""
    commits = [
        subprocess.run(
            ["git", "-C", str(path), "rev-parse", "--verify", "-q", f"{ref}^{{commit}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        for ref in (tag, "HEAD")
    ]
    return commits[0] == commits[1] != ""


def resolve_template(explicit: str | None = None, ref: str | None = None) -> TemplateSource:
    """Chooses the template source; see the module docstring for the order."""
    location = explicit or os.environ.get(TEMPLATE_ENV) or None
    if location is not None:
        local = Path(location).expanduser()
        if local.exists():
            local = local.resolve()
            git = is_git_repository(local)
            chosen_ref = ref or ((release_tag(local) or "HEAD") if git else None)
            return TemplateSource(str(local), chosen_ref, updatable=git)
        return TemplateSource(location, ref, updatable=True)
    checkout = package_checkout()
    if checkout is not None and is_git_repository(checkout):
        tag = release_tag(checkout)
        own_ref = tag if tag is not None and _head_is(checkout, tag) else "HEAD"
        return TemplateSource(str(checkout), ref or own_ref, updatable=True)
    if checkout is not None:
        return TemplateSource(str(checkout), None, updatable=False)
    return TemplateSource(str(bundled_template()), None, updatable=False)
