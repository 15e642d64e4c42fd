"""Prints the requirements of one optional-dependency group of msf-scaffold, one per line.

The Makefile installs tools whose pins clash with the development environment (checkov) into
their own environment, from the group that pyproject.toml declares for them. Run it with the
Python of the environment where msf-scaffold is installed.
"""

from __future__ import annotations

import sys
from importlib.metadata import requires

from packaging.requirements import Requirement


def main() -> None:
    """Prints the requirements of the extra named by ``argv[1]``, without their markers."""
    extra = sys.argv[1]
    for line in requires("msf-scaffold") or []:
        requirement = Requirement(line)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": extra}):
            requirement.marker = None
            print(requirement)


if __name__ == "__main__":
    main()
