"""The built application JAR, read once.

Which classes the MSF runtime already provides are inside it, the class-file version of every
class, the Maven artifacts whose ``pom.properties`` it carries, and whether it is multi-release.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
#: A class file's major version is its Java release plus this (Java 11: 55, Java 17: 61).
CLASS_MAJOR_OFFSET = 44
_CLASS_MAGIC = b"\xca\xfe\xba\xbe"
_VERSIONED = re.compile(r"^META-INF/versions/(\d+)/(.+)$")
_POM_PROPERTIES = re.compile(r"^META-INF/maven/([^/]+)/([^/]+)/pom\.properties$")
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
#: Compressed bytes read to inflate a class header; a deflate block's tables fit in them.
_HEADER_CHUNK = 512


@dataclass(frozen=True)
class ClassFile:
    """A ``.class`` entry of the JAR and the class-file major version in its header."""

    entry: str
    major: int

    @property
    def java(self) -> int:
        """The Java release the class is built for (major 61 -> 17)."""
        return self.major - CLASS_MAJOR_OFFSET

    @property
    def release_dir(self) -> int | None:
        """``N`` for a multi-release entry ``META-INF/versions/N/...``; None for a base entry."""
        match = _VERSIONED.match(self.entry)
        return int(match.group(1)) if match else None

    @property
    def class_path(self) -> str:
        """The entry without a ``META-INF/versions/N/`` prefix (``a/b/C.class``)."""
        match = _VERSIONED.match(self.entry)
        return match.group(2) if match else self.entry


@dataclass(frozen=True)
class MavenArtifact:
    """An artifact whose ``META-INF/maven/<group>/<artifact>/pom.properties`` is in the JAR."""

    group: str
    artifact: str
    version: str | None

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}" + (f":{self.version}" if self.version else "")


@dataclass(frozen=True)
class JarContents:
    """What the doctor reads from the shaded JAR.

    The entries that belong to the runtime (grouped by prefix), its classes with their class-file
    versions, the artifacts it names in ``META-INF/maven`` and whether the manifest declares a
    multi-release JAR.
    """

    path: Path
    runtime_entries: dict[str, tuple[str, ...]]
    classes: tuple[ClassFile, ...] = ()
    artifacts: tuple[MavenArtifact, ...] = ()
    multi_release: bool = False


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
    """Reads the JAR at ``path``.

    Lists the entries under :data:`RUNTIME_PREFIXES`, every class's version, the
    ``pom.properties`` artifacts and the manifest's ``Multi-Release``.

    Raises:
        UserError: when the file is not a readable JAR.
    """
    try:
        with path.open("rb") as handle, zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            classes = tuple(_class_files(archive, handle))
            artifacts = tuple(_maven_artifacts(archive))
            multi_release = _is_multi_release(archive)
    except (OSError, zipfile.BadZipFile, zlib.error) as error:
        raise UserError(
            f"{path} is not a readable JAR ({error}); rebuild it with `./mvnw package` or delete it"
        ) from None
    found = {
        prefix: tuple(name for name in names if name.startswith(prefix) and not name.endswith("/"))
        for prefix in RUNTIME_PREFIXES
    }
    return JarContents(
        path,
        {prefix: entries for prefix, entries in found.items() if entries},
        classes,
        artifacts,
        multi_release,
    )


def _class_files(archive: zipfile.ZipFile, handle: BinaryIO) -> Iterator[ClassFile]:
    """Every ``.class`` entry whose header is a class file's (other entries are skipped)."""
    for info in archive.infolist():
        if info.is_dir() or not info.filename.endswith(".class"):
            continue
        header = _header(archive, handle, info)
        if len(header) == 8 and header[:4] == _CLASS_MAGIC:
            yield ClassFile(info.filename, int.from_bytes(header[6:8], "big"))


def _header(archive: zipfile.ZipFile, handle: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """The first 8 bytes of an entry.

    They are inflated from a few compressed bytes (fast on JARs with tens of thousands of
    classes), or read through :mod:`zipfile` for anything unusual (encrypted, other compression).
    """
    handle.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
    if signature == _LOCAL_SIGNATURE and not info.flag_bits & 0x1:
        handle.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
        raw = handle.read(min(info.compress_size, _HEADER_CHUNK))
        if info.compress_type == zipfile.ZIP_STORED:
            return raw[:8]
        if info.compress_type == zipfile.ZIP_DEFLATED:
            header = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, 8)
            if len(header) == 8 or info.compress_size <= _HEADER_CHUNK:
                return header
    with archive.open(info) as entry:
        return entry.read(8)


def _maven_artifacts(archive: zipfile.ZipFile) -> Iterator[MavenArtifact]:
    """The artifacts of the ``META-INF/maven/<group>/<artifact>/pom.properties`` entries."""
    for name in archive.namelist():
        match = _POM_PROPERTIES.match(name)
        if match:
            text = archive.read(name).decode("utf-8", errors="replace")
            version = re.search(r"^version\s*[=:]\s*(\S+)", text, re.MULTILINE)
            yield MavenArtifact(match.group(1), match.group(2), version.group(1) if version else None)


def _is_multi_release(archive: zipfile.ZipFile) -> bool:
    """Whether the manifest says ``Multi-Release: true`` (else the JVM ignores META-INF/versions)."""
    try:
        manifest = archive.read("META-INF/MANIFEST.MF").decode("utf-8", errors="replace")
    except KeyError:
        return False
    return bool(re.search(r"^Multi-Release:\s*true\s*$", manifest, re.MULTILINE | re.IGNORECASE))
