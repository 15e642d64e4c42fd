"""Projects rendered from a release record the canonical template URL and the release tag.

The CLI runs from a clone of this repository (its own checkout); MSF_SCAFFOLD_TEMPLATE_URL points
the canonical URL at that clone, and plain `copier update` runs in another clone of the project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from packaging.version import Version

from msf_scaffold._version import __version__
from msf_scaffold.template_source import TEMPLATE_URL_ENV
from tests.helpers import answers_file, git, release_clone

MARK = "# added by the next release\n"


def _next_release(repo: Path) -> str:
    """Commits a template change to ``repo`` and tags it as the next release; returns the tag."""
    current = Version(__version__)
    tag = f"v{current.major}.{current.minor}.{current.micro + 1}"
    gitignore = repo / "template" / ".gitignore"
    gitignore.write_text(gitignore.read_text() + MARK)
    git(repo, "commit", "-qam", "next release")
    git(repo, "tag", "-a", tag, "-m", tag)
    return tag


def _new(
    checkout: Path, destination: Path, url: str | None, *options: str
) -> subprocess.CompletedProcess[str]:
    """`msf-scaffold new` run from ``checkout``'s package, MSF_SCAFFOLD_TEMPLATE_URL set to ``url``."""
    env = {**os.environ, "PYTHONPATH": str(checkout / "src")}
    for name in ("MSF_SCAFFOLD_TEMPLATE", "MSF_SCAFFOLD_ORG_DEFAULTS", TEMPLATE_URL_ENV):
        env.pop(name, None)
    if url is not None:
        env[TEMPLATE_URL_ENV] = url
    command = ["new", str(destination), "--defaults", "--preset", "local-demo", *options]
    return subprocess.run(
        [sys.executable, "-m", "msf_scaffold", *command],
        cwd=destination.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_checkout_at_a_release_records_the_url_and_plain_copier_update_works_in_a_clone(
    tmp_path: Path,
) -> None:
    checkout = release_clone(tmp_path / "msf-scaffold", f"v{__version__}")
    url = str(checkout)  # the canonical address; a git URL in real use
    project = tmp_path / "app"

    result = _new(checkout, project, url)

    assert result.returncode == 0, result.stderr
    answers = answers_file(project)
    assert (answers["_src_path"], answers["_commit"]) == (url, f"v{__version__}")
    assert f"records the template as {url} at v{__version__}" in result.stdout
    assert "development build" not in result.stdout
    assert git(project, "status", "--porcelain") == ""

    teammate = tmp_path / "elsewhere" / "app"
    subprocess.run(["git", "clone", "-q", str(project), str(teammate)], check=True)
    readme = teammate / "README.md"
    readme.write_text(readme.read_text() + "Our own notes.\n")
    git(teammate, "commit", "-qam", "our notes")
    tag = _next_release(checkout)
    copier_bin = Path(sys.executable).with_name("copier")
    update = subprocess.run(
        [str(copier_bin), "update", "--defaults", "--quiet"],
        cwd=teammate,
        capture_output=True,
        text=True,
        check=False,
    )

    assert update.returncode == 0, update.stderr
    assert answers_file(teammate)["_commit"] == tag
    assert answers_file(teammate)["_src_path"] == url
    assert (teammate / ".gitignore").read_text().endswith(MARK)
    assert readme.read_text().endswith("Our own notes.\n")


def test_a_development_checkout_records_its_path_and_says_so(tmp_path: Path) -> None:
    checkout = release_clone(tmp_path / "msf-scaffold", f"v{__version__}")
    (checkout / "NEXT.md").write_text("work after the release\n")
    git(checkout, "add", "NEXT.md")
    git(checkout, "commit", "-qm", "after the release")
    project = tmp_path / "app"

    result = _new(checkout, project, "https://git.example.invalid/msf-scaffold.git")

    assert result.returncode == 0, result.stderr
    answers = answers_file(project)
    head = git(checkout, "rev-parse", "--short", "HEAD").strip()
    assert answers["_src_path"] == str(checkout)
    assert str(answers["_commit"]).endswith(head)
    assert f"development build: {checkout} at HEAD is not a release tag" in result.stdout
    assert "https://git.example.invalid/msf-scaffold.git" in result.stdout


def test_an_organisation_names_the_url_and_the_environment_overrides_it(tmp_path: Path) -> None:
    checkout = release_clone(tmp_path / "msf-scaffold", f"v{__version__}")
    org = tmp_path / "org.yml"
    org.write_text("template_url: https://git.example.com/mirrors/msf-scaffold.git\n")

    from_org = _new(checkout, tmp_path / "a", None, "--no-git", "--org-defaults", str(org))
    from_env = _new(
        checkout, tmp_path / "b", "git://127.0.0.1:9418/msf", "--no-git", "--org-defaults", str(org)
    )

    assert from_org.returncode == 0, from_org.stderr
    assert from_env.returncode == 0, from_env.stderr
    assert answers_file(tmp_path / "a")["_src_path"] == "https://git.example.com/mirrors/msf-scaffold.git"
    assert answers_file(tmp_path / "b")["_src_path"] == "git://127.0.0.1:9418/msf"
