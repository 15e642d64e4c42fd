"""Where the template comes from, and at which git ref, so that projects stay updatable.

`copier update` needs the template as a git repository and the project's answers file to name a
git ref of it. The CLI therefore renders from a git checkout of msf-scaffold when it has one: the
checkout the package runs from (a development install), or the one named by ``--template`` or the
``MSF_SCAFFOLD_TEMPLATE`` environment variable (a path or a git URL). In a local git source it
uses the tag of the installed version (``v<version>``) when the tag exists, and HEAD otherwise:
the release whose questions and checks this CLI knows. Plain ``copier copy`` renders the newest
release tag instead, so the CLI names that one when it differs (``newest``). The
checkout the package itself runs from uses the tag only while HEAD is that tag's commit: a checkout
between releases renders what it holds, not the older release its version still names. For a URL
it leaves the choice to copier (the newest release tag). Only when no git source is available does
it fall back to the copy bundled in the package.

When the CLI renders its own template at a release (the copy bundled in the package, or its
checkout while HEAD is the release tag), the project's answers file records the canonical template
URL and that tag instead of the local location, so that plain ``copier update`` works from any
clone of the project: :data:`TEMPLATE_URL`, overridden by an organisation's ``template_url`` and by
the ``MSF_SCAFFOLD_TEMPLATE_URL`` environment variable (see :func:`canonical_url`). A checkout
between releases (a development build) keeps its local path, and the CLI says so.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from msf_scaffold._version import __version__

TEMPLATE_ENV = "MSF_SCAFFOLD_TEMPLATE"
#: Where msf-scaffold's template is published; projects rendered from a release record it.
TEMPLATE_URL = "https://github.com/msf-scaffold/msf-scaffold.git"
TEMPLATE_URL_ENV = "MSF_SCAFFOLD_TEMPLATE_URL"


@dataclass(frozen=True)
class TemplateSource:
    """A template location for copier, with the git ref to render (None: copier's choice).

    ``own`` is true for msf-scaffold's own template (its checkout or the copy in the package), not
    one named by ``--template``. ``release`` is the release tag (``v<version>``) the files are when
    they are the own template at a release; the answers file then records the canonical URL and
    that tag. ``newest`` is the template's newest release tag when the CLI chose to render another
    ref (plain ``copier copy`` renders the newest), else None.
    """

    location: str
    ref: str | None
    updatable: bool
    own: bool = False
    release: str | None = None
    newest: str | None = None

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
            newest = newest_release(local) if git and ref is None else None
            return TemplateSource(
                str(local), chosen_ref, updatable=git, newest=newest if newest != chosen_ref else None
            )
        return TemplateSource(location, ref, updatable=True)
    own_release = f"v{__version__}"
    checkout = package_checkout()
    if checkout is not None and is_git_repository(checkout):
        tag = release_tag(checkout)
        own_ref = tag if tag is not None and _head_is(checkout, tag) else "HEAD"
        chosen = ref or own_ref
        released = chosen if _is_release_tag(checkout, chosen) else None
        return TemplateSource(str(checkout), chosen, updatable=True, own=True, release=released)
    # A checkout without git history (an unpacked source distribution) or the copy in the wheel:
    # the files of this version's release.
    own_copy = checkout if checkout is not None else bundled_template()
    return TemplateSource(str(own_copy), None, updatable=True, own=True, release=own_release)


def newest_release(path: Path) -> str | None:
    """The newest release tag of the repository at ``path``, as plain ``copier copy`` chooses it.

    The greatest tag by PEP 440 that is a version and no pre-release; None when there is none.
    """
    listed = subprocess.run(
        ["git", "-C", str(path), "tag", "--list"], capture_output=True, text=True, check=False
    )
    releases = []
    for tag in listed.stdout.split():
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            releases.append((version, tag))
    return max(releases)[1] if releases else None


def _is_release_tag(path: Path, ref: str) -> bool:
    """Whether ``ref`` is a release tag (``v<version>``) of the repository at ``path``."""
    return re.fullmatch(r"v\d+(\.\d+)*", ref) is not None and release_tag(path, ref[1:]) == ref


def canonical_url(configured: str | None = None) -> str:
    """The canonical template URL, the address projects rendered from a release record.

    The environment variable, else ``configured`` (an organisation's ``template_url``), else
    :data:`TEMPLATE_URL`.
    """
    return os.environ.get(TEMPLATE_URL_ENV) or configured or TEMPLATE_URL
