"""Prints the requirements of one optional-dependency group of pyproject.toml, one per line.

The Makefile installs tools whose pins clash with the development environment (checkov) into
their own environment from the group that pyproject.toml declares for them.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def main() -> None:
    """Prints ``project.optional-dependencies[<argv[1]>]``."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8"))
    print("\n".join(pyproject["project"]["optional-dependencies"][sys.argv[1]]))


if __name__ == "__main__":
    main()
