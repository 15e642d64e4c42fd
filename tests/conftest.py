"""Fixtures shared by every test tier."""

from __future__ import annotations

import pytest

from msf_scaffold.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The packaged version catalog."""
    return load_catalog()
