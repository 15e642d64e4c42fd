"""msf-scaffold: generate and upgrade Flink projects for Amazon Managed Service for Apache Flink."""

from msf_scaffold.catalog import Catalog, load_catalog
from msf_scaffold.errors import MsfScaffoldError, UserError
from msf_scaffold.generate import GenerationResult, generate

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "GenerationResult",
    "MsfScaffoldError",
    "UserError",
    "__version__",
    "generate",
    "load_catalog",
]
