"""MSF runtime drift is a red test: every FLINK-* runtime of the kinesisanalyticsv2 API is offered
by a catalog line or listed in flink.yml's `not_offered` with the reason.

The runtimes come from the API model of the newest botocore (`make install` installs the newest
release the pyproject range allows), so a runtime AWS adds shows up here before a user asks for it.
"""

from __future__ import annotations

from pathlib import Path

import botocore.session
import pytest

from msf_scaffold.catalog import load_catalog
from msf_scaffold.errors import CatalogError
from tests.helpers import snapshot_template


def _msf_flink_runtimes() -> list[str]:
    model = botocore.session.get_session().get_service_model("kinesisanalyticsv2")
    values: list[str] = model.shape_for("RuntimeEnvironment").enum
    return [value for value in values if value.startswith("FLINK-")]


def test_every_msf_runtime_is_offered_or_left_out_with_a_reason() -> None:
    catalog = load_catalog()
    offered = catalog.flink.runtimes()
    left_out = catalog.flink.not_offered
    undecided = [
        runtime for runtime in _msf_flink_runtimes() if runtime not in offered and runtime not in left_out
    ]
    assert not undecided, (
        f"MSF offers {undecided}, which the catalog neither offers nor lists as not offered: add a line to "
        "src/msf_scaffold/catalog/flink.yml, or add the runtime to `not_offered` with the reason"
    )


def test_every_runtime_the_catalog_names_exists_on_msf() -> None:
    catalog = load_catalog()
    known = set(_msf_flink_runtimes())
    named = set(catalog.flink.runtimes()) | set(catalog.flink.not_offered)
    assert named <= known, f"not MSF runtimes of botocore {botocore.__version__}: {sorted(named - known)}"


def test_the_newest_runtime_is_offered() -> None:
    catalog = load_catalog()
    newest = max(_msf_flink_runtimes(), key=lambda r: tuple(int(part) for part in r[6:].split("_")))
    assert newest in catalog.flink.runtimes()


def test_a_runtime_both_offered_and_not_offered_is_refused(tmp_path: Path) -> None:
    template = snapshot_template(tmp_path / "t")
    flink = template / "src/msf_scaffold/catalog/flink.yml"
    flink.write_text(
        flink.read_text().replace("    not_offered:\n", "    not_offered:\n      FLINK-2_2: gone\n")
    )
    with pytest.raises(CatalogError, match="FLINK-2_2 is the runtime of an offered line"):
        load_catalog(template / "src/msf_scaffold/catalog")
