"""The warnings a generated project's build must not print, read from a Maven log.

A generated project builds quietly: the compiler reports no deprecated or unchecked use in the
generated code (javac's warnings name the source file), and the shade plugin finds no resource
that two bundled jars both carry ("define N overlapping resources"). Classes that several jars
carry are judged by their bytes instead (the compile tier's one-copy-of-each-class test): Parquet's
jars each carry the same relocated fastutil, which the shade plugin reports and the project
cannot avoid. The compile tier reads these from the reactor log, where two projects build at a
time.
"""

from __future__ import annotations

import re

#: javac's warning about one source file: ``[WARNING] /path/File.java:[line,column] message``.
_JAVAC = re.compile(r"^\[WARNING\] (\S+\.java):\[\d+,\d+\] .*$", re.MULTILINE)
#: The shade plugin's summary of the resources several jars carry.
_SHADE = re.compile(r"^\[WARNING\] .* define \d+ overlapping resources?: ?$", re.MULTILINE)


def javac_warnings(log: str, sources: str) -> list[str]:
    """javac warning lines about files under the folder ``sources`` (a path prefix)."""
    return [match.group(0) for match in _JAVAC.finditer(log) if match.group(1).startswith(sources)]


def shade_overlaps(log: str) -> list[str]:
    """The shade plugin's warning lines about overlapping resources; under a parallel reactor they
    name jars, not the module that printed them."""
    return [match.group(0) for match in _SHADE.finditer(log)]
