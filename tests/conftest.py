"""Fixtures shared by every test tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.jinja_compile_cache import compiled_once


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The packaged version catalog."""
    return load_catalog()


@pytest.fixture(scope="session", autouse=True)
def _jinja_compiles_each_source_once() -> Iterator[None]:
    """Every copier run in the tests compiles each Jinja source once, as ``msf-scaffold`` does."""
    with compiled_once():
        yield
