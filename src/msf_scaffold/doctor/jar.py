"""The built application JAR: which classes the MSF runtime already provides are inside it."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from msf_scaffold.errors import UserError

#: Entry prefixes of classes that the MSF runtime provides, with what they belong to.
RUNTIME_PREFIXES = {
    "org/apache/flink/streaming/api/": "Flink",
    "org/apache/flink/runtime/": "Flink",
    "org/apache/flink/api/common/": "Flink",
    "org/apache/logging/": "log4j 2",
    "org/slf4j/": "slf4j",
}
_NOT_APPLICATION_JARS = ("-sources.jar", "-javadoc.jar", "-tests.jar", "-test-sources.jar")


@dataclass(frozen=True)
class JarContents:
    """Entries of the shaded JAR that belong to the runtime, grouped by prefix."""

    path: Path
    runtime_entries: dict[str, tuple[str, ...]]


def find_application_jar(project: Path) -> Path | None:
    """The shaded JAR: the largest ``target/*.jar`` that is not ``original-*`` (or None)."""
    candidates = [
        path
        for path in (project / "target").glob("*.jar")
        if path.is_file()
        and not path.name.startswith("original-")
        and not path.name.endswith(_NOT_APPLICATION_JARS)
    ]
    return max(candidates, key=lambda p: (p.stat().st_size, p.name), default=None)


def inspect_jar(path: Path) -> JarContents:
    """Lists the entries of ``path`` under :data:`RUNTIME_PREFIXES`.

    Raises:
        UserError: when the file is not a readable JAR.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as error:
        raise UserError(
            f"{path} is not a readable JAR ({error}); rebuild it with `./mvnw package` or delete it"
        ) from None
    found = {
        prefix: tuple(name for name in names if name.startswith(prefix) and not name.endswith("/"))
        for prefix in RUNTIME_PREFIXES
    }
    return JarContents(path, {prefix: entries for prefix, entries in found.items() if entries})
