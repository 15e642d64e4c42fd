"""The Jinja environment that Python renders the template's Jinja with is configured as copier's own."""

from __future__ import annotations

from pathlib import Path

import copier
import pytest

from msf_scaffold.copier_jinja import copier_environment, envops
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def copiers_environment(tmp_path_factory: pytest.TempPathFactory) -> object:
    worker = copier.Worker(src_path=str(ROOT), dst_path=tmp_path_factory.mktemp("project"), defaults=True)
    return worker.jinja_env


def test_settings_equal_the_environment_copier_renders_the_template_with(copiers_environment: object) -> None:
    ours = copier_environment(ROOT)
    for setting in ("trim_blocks", "lstrip_blocks", "keep_trailing_newline", "undefined", "newline_sequence"):
        assert getattr(ours, setting) == getattr(copiers_environment, setting), setting
    # Every filter and test copier offers the template is there (copier's own to_json fallback aside).
    assert set(copiers_environment.filters) <= set(ours.filters)  # type: ignore[attr-defined]
    assert set(copiers_environment.tests) <= set(ours.tests)  # type: ignore[attr-defined]


def test_the_settings_are_read_from_copier_yml(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text(
        "_envops:\n  trim_blocks: false\n  keep_trailing_newline: true\n---\n!include questions.yml\n",
        encoding="utf-8",
    )
    assert envops(tmp_path) == {"trim_blocks": False, "keep_trailing_newline": True}
    env = copier_environment(tmp_path, loader=False)
    assert (env.trim_blocks, env.keep_trailing_newline, env.lstrip_blocks) == (False, True, False)
    assert env.from_string("{% if true %}\nx{{ missing }}{% endif %}\n").render() == "\nx\n"


def test_a_template_without_envops_is_refused(tmp_path: Path) -> None:
    (tmp_path / "copier.yml").write_text("_subdirectory: template\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no _envops"):
        envops(tmp_path)
