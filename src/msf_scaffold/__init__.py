"""msf-scaffold: generate and upgrade Flink projects for Amazon Managed Service for Apache Flink.

The public API is small: :func:`generate` creates a project, :func:`load_catalog` reads the
version catalog. Names are imported lazily so that ``msf-scaffold --version`` and
``msf-scaffold versions`` do not pay for importing copier.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from msf_scaffold._version import __version__

if TYPE_CHECKING:
    from msf_scaffold.catalog import Catalog, load_catalog
    from msf_scaffold.errors import MsfScaffoldError, UserError
    from msf_scaffold.generate import GenerationResult, generate

_EXPORTS = {
    "Catalog": "msf_scaffold.catalog",
    "load_catalog": "msf_scaffold.catalog",
    "MsfScaffoldError": "msf_scaffold.errors",
    "UserError": "msf_scaffold.errors",
    "GenerationResult": "msf_scaffold.generate",
    "generate": "msf_scaffold.generate",
}

__all__ = [
    "Catalog",
    "GenerationResult",
    "MsfScaffoldError",
    "UserError",
    "__version__",
    "generate",
    "load_catalog",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'msf_scaffold' has no attribute {name!r}")
