"""The freshness report: newer releases of the catalog's pins that fit each Flink line.

For every version pin it reads the ``maven-metadata.xml`` of the artifact the pin ``tracks`` and
lists, per Flink line, the newest release that fits the line, and the newer ones that do not, with
the reason. A release fits a line when it is a plain release (no alpha, beta, RC, milestone or
snapshot qualifier), when a connector version's Flink suffix (``5.0.0-2.2``) names a Flink line
that runs on the line (the catalog's own rule, :func:`msf_scaffold.catalog.runs_on_line`), when a
``flink`` release belongs to the line, and when the class files of its jar run on the line's Java
release. Only the newest candidates' jars are read, at most :data:`MAX_DOWNLOADS` per pin and
line, each once per run.

Compose images (services.yml) and GitHub Actions (build.yml) are compared with the tags of their
registries (Docker Hub, ghcr.io, GitHub); a registry that cannot be reached is reported as not
checked, never as a failure.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar
from xml.etree import ElementTree

from packaging.version import Version

from msf_scaffold._version import __version__
from msf_scaffold.catalog import Catalog, Dependency, VersionPin, runs_on_line, split_flink_suffix
from msf_scaffold.errors import ToolError, UserError

#: The Maven repository read when neither ``--repository`` nor the environment names one.
DEFAULT_REPOSITORY = "https://repo.maven.apache.org/maven2"
#: The environment variable that names another Maven repository (URL, file:// URL or directory).
REPOSITORY_ENV = "MSF_SCAFFOLD_MAVEN_REPOSITORY"
#: How many newer releases' jars are read per pin and line, newest first, before giving up.
MAX_DOWNLOADS = 5
#: A class file's major version is its Java release plus 44 (Java 11: 55, Java 17: 61).
CLASS_VERSION_OFFSET = 44

_WORKERS = 8
_MAVEN_ATTEMPTS = 4
_MAVEN_TIMEOUT = 30.0
_REGISTRY_ATTEMPTS = 2
_REGISTRY_TIMEOUT = 5.0
_REGISTRY_PAGES = 3
_USER_AGENT = f"msf-scaffold/{__version__} (freshness report)"
#: A plain release: numbers, and an optional numeric build number (zstd-jni's ``1.5.6-6``).
_RELEASE = re.compile(r"(\d+(?:\.\d+)*)(?:-(\d+))?")
#: A tag of an image or an action: an optional ``v``, numbers, and a variant kept as it is.
_DATE_DIGITS = 8
_TAG = re.compile(r"(v?)(\d+(?:\.\d+)*)(.*)")
_CLASS_MAGIC = b"\xca\xfe\xba\xbe"
_POM = "{http://maven.apache.org/POM/4.0.0}"
_PLUGIN_PROPERTY = "-plugin.version"

Status = Literal["current", "newer", "missing", "not checked"]
#: Sorts plain releases: the release numbers, the build number, the Flink line it is built for.
ReleaseKey = tuple[Version, int, Version]
_K = TypeVar("_K")
_V = TypeVar("_V")


def release_key(version: str) -> ReleaseKey | None:
    """The sort key of a plain Maven release, or None for a pre-release or any other qualifier.

    ``1.5.6-6`` < ``1.5.6-10`` < ``1.5.7``; ``5.0.0-2.2`` < ``5.0.0-2.3`` < ``5.0.1-2.0``: the
    connector's own release first, then (for one release built for several lines) the newest line.

    Args:
        version: a version of ``maven-metadata.xml``.

    Returns:
        A key that orders releases, or None when ``version`` is not a plain release
        (``6.0.0-M1``, ``4.0.0-rc-4``, ``2.0.0-alpha1``, ``1.0-SNAPSHOT``, ``33.0.0-jre``), or a
        date stamp (``20030203.000550``).
    """
    base, built_for = split_flink_suffix(version)
    match = _RELEASE.fullmatch(base)
    # A date stamp as the first number is an old snapshot's name (commons-io 20030203.000550).
    if match is None or len(match.group(1).split(".")[0]) >= _DATE_DIGITS:
        return None
    return Version(match.group(1)), int(match.group(2) or 0), Version(built_for or "0")


@dataclass(frozen=True)
class Rejected:
    """A newer release that does not fit, and why."""

    version: str
    reason: str


@dataclass(frozen=True)
class PinCheck:
    """One pin on one Flink line (or on every line, for a pin with ``all``)."""

    name: str
    #: The pom property that holds the version (``kafka-connector.version``).
    maven_property: str
    tracks: str
    #: The catalog's reason for the pinned version: read it before taking the newer one.
    why: str
    #: ``plugin`` for a Maven plugin pin (it runs in Maven on the build JDK), else ``library``.
    kind: Literal["library", "plugin"]
    #: The Flink line, or ``all`` for a pin that is the same on every line.
    line: str
    java_release: int
    #: The pinned version; None on a line the pin names in ``missing``.
    current: str | None
    status: Status
    #: The newest release that fits, when it is newer than the pinned one.
    newest: str | None = None
    rejected: tuple[Rejected, ...] = ()
    #: Newer releases not judged: the download limit was reached before them.
    unchecked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        """Whether a newer release fits."""
        return self.newest is not None


@dataclass(frozen=True)
class TagCheck:
    """A Compose image or a GitHub Action and the newest tag of the same form."""

    kind: Literal["image", "github-action"]
    #: The Compose service (``kafka``, ``kafka init``) or the action's name in build.yml.
    name: str
    reference: str
    current: str
    status: Status
    newest: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        """Whether a newer tag of the same form exists."""
        return self.newest is not None


@dataclass(frozen=True)
class FreshnessReport:
    """What :func:`check_freshness` found."""

    repository: str
    #: The reported lines and their Java releases.
    lines: dict[str, int]
    #: The Java release that pins with ``all`` are judged for: the lowest of every line.
    all_lines_java: int
    pins: tuple[PinCheck, ...]
    tags: tuple[TagCheck, ...]

    @property
    def stale(self) -> list[PinCheck | TagCheck]:
        """Every check that found a newer release or tag."""
        checks: list[PinCheck | TagCheck] = [*self.pins, *self.tags]
        return [check for check in checks if check.stale]


@dataclass(frozen=True)
class Registries:
    """Where Compose images and GitHub Actions are looked up; tests point them elsewhere."""

    docker_hub: str = "https://hub.docker.com"
    github_api: str = "https://api.github.com"
    #: The base URL of every other image registry (ghcr.io); None: ``https://<registry host>``.
    oci: str | None = None


def repository_url(value: str | None = None) -> str:
    """The Maven repository to read: ``value``, else $MSF_SCAFFOLD_MAVEN_REPOSITORY, else Central.

    Args:
        value: an http(s) or file:// URL, or a directory holding a Maven repository layout.

    Returns:
        The repository's URL without a trailing slash (a directory becomes a file:// URL).

    Raises:
        UserError: the URL scheme is not http, https or file, or the directory does not exist.
    """
    value = value or os.environ.get(REPOSITORY_ENV) or DEFAULT_REPOSITORY
    scheme = urllib.parse.urlsplit(value).scheme
    if "://" in value:
        if scheme not in {"http", "https", "file"}:
            raise UserError(f"Maven repository {value}: give an http(s) or file:// URL, or a directory")
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(value).path))
        if scheme == "file" and not path.is_dir():
            raise UserError(f"Maven repository {value}: no such directory")
        return value.rstrip("/")
    directory = Path(value).expanduser()
    if not directory.is_dir():
        raise UserError(f"Maven repository {value}: no such directory (or give an http(s) URL)")
    return directory.resolve().as_uri()


def check_freshness(
    catalog: Catalog,
    repository: str | None = None,
    *,
    lines: Sequence[str] | None = None,
    registries: Registries | None = Registries(),
) -> FreshnessReport:
    """Checks every pin of ``catalog`` (and, unless ``registries`` is None, its images and actions).

    Args:
        catalog: the version catalog.
        repository: the Maven repository (see :func:`repository_url`).
        lines: the Flink lines to report (default: every line); pins with ``all`` are always
            reported, judged for the lowest Java release of every line.
        registries: where images and actions are looked up; None skips them.

    Returns:
        The report, in catalog order: lines, then pins with ``all``, then images and actions.

    Raises:
        UserError: an unknown line or a bad repository.
        ToolError: the Maven repository could not be reached for any pin.
    """
    unknown = [line for line in lines or () if line not in catalog.flink.lines]
    if unknown:
        raise UserError(f"unknown Flink line {unknown[0]}: choose one of {', '.join(catalog.flink.lines)}")
    url = repository_url(repository)
    selected = {line: catalog.flink.lines[line].java_release for line in lines or catalog.flink.lines}
    lowest = min(line.java_release for line in catalog.flink.lines.values())
    maven = _MavenRepository(url, _Http(_MAVEN_ATTEMPTS, _MAVEN_TIMEOUT, 1.0))
    targets = list(_targets(catalog, selected, lowest))
    tags = _TagLookup(registries or Registries())
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        pin_futures = [pool.submit(_check_pin, maven, target) for target in targets]
        tag_futures = [
            pool.submit(tags.check, *item) for item in (_tag_items(catalog) if registries is not None else ())
        ]
        pins = tuple(future.result() for future in pin_futures)
        tag_checks = tuple(future.result() for future in tag_futures)
    if pins and maven.unreachable and all(pin.status == "not checked" for pin in pins):
        raise ToolError(f"the Maven repository {url} could not be reached: no pin was checked")
    return FreshnessReport(url, selected, lowest, pins, tag_checks)


@dataclass(frozen=True)
class _Target:
    """A pin as judged on one line, or on every line."""

    name: str
    pin: VersionPin
    line: str
    #: The lines a fitting release must run on (every line for a pin with ``all``).
    runs_on: tuple[str, ...]
    java_release: int
    current: str | None
    #: Artifacts whose jars show the release's Java level, the tracked one first.
    probes: tuple[tuple[str, str], ...]

    @property
    def connector(self) -> bool:
        """Whether the pin's versions name the Flink line they are built for (``5.0.0-2.2``)."""
        return any(split_flink_suffix(value)[1] is not None for value in self.values)

    @property
    def values(self) -> list[str]:
        """Every version the pin names, on any line."""
        return [self.pin.all] if self.pin.all is not None else list((self.pin.per_line or {}).values())

    @property
    def floor(self) -> str | None:
        """The version that candidates must be newer than.

        The pinned one; on a line without a pin, the oldest one the pin names on another line.
        """
        if self.current is not None:
            return self.current
        keyed = [(key, value) for value in self.values if (key := release_key(value)) is not None]
        return min(keyed)[1] if keyed else None


def _targets(catalog: Catalog, selected: dict[str, int], lowest: int) -> Iterator[_Target]:
    pins = catalog.pins()
    for line, java in selected.items():
        for name, pin in pins.items():
            if pin.per_line is not None and (line in pin.per_line or line in pin.missing):
                probes = _probes(catalog, name, pin, line)
                yield _Target(name, pin, line, (line,), java, pin.per_line.get(line), probes)
    for name, pin in pins.items():
        if pin.all is not None:
            probes = _probes(catalog, name, pin, None)
            yield _Target(name, pin, "all", tuple(catalog.flink.lines), lowest, pin.all, probes)


def _probes(catalog: Catalog, name: str, pin: VersionPin, line: str | None) -> tuple[tuple[str, str], ...]:
    """The tracked artifact, then the catalog's dependencies in the pin's version (or its BOM's)."""
    dependencies: list[Dependency] = list(catalog.build.dependencies)
    for api in catalog.apis.apis.values():
        dependencies.extend(api.dependencies)
    for connector in catalog.connectors.values():
        dependencies.extend(connector.dependencies)
    bom_groups = [bom.group for bom in catalog.build.boms if bom.version == name]
    group, artifact = pin.tracks.split(":")
    result = [(group, artifact)]
    for dependency in dependencies:
        managed = dependency.version is None and any(dependency.group.startswith(g) for g in bom_groups)
        on_line = line is None or dependency.lines is None or line in dependency.lines
        if (dependency.version == name or managed) and on_line:
            result.append((dependency.group, dependency.artifact))
    return tuple(dict.fromkeys(result))[:4]


def _check_pin(maven: _MavenRepository, target: _Target) -> PinCheck:
    pin = target.pin
    kind: Literal["library", "plugin"] = "plugin" if pin.property.endswith(_PLUGIN_PROPERTY) else "library"
    base = PinCheck(
        target.name,
        pin.property,
        pin.tracks,
        " ".join(pin.why.split()),
        kind,
        target.line,
        target.java_release,
        target.current,
        "current",
    )
    notes = [f"missing: {pin.missing[target.line]}"] if target.current is None else []
    try:
        published = maven.versions(*pin.tracks.split(":"))
        if published is None:
            notes.append(f"not checked: no maven-metadata.xml for {pin.tracks}")
            return replace(base, status="not checked", notes=tuple(notes))
        return _walk(maven, target, base, published, notes)
    except _UnreachableError as error:
        return replace(base, status="not checked", notes=(*notes, f"not checked: {error.host} unreachable"))
    except _FailedError as error:
        return replace(base, status="not checked", notes=(*notes, f"not checked: {error}"))


def _walk(
    maven: _MavenRepository, target: _Target, base: PinCheck, published: list[str], notes: list[str]
) -> PinCheck:
    """Judges the newer releases, newest first, until one fits or the download limit is reached."""
    floor = release_key(target.floor) if target.floor is not None else None
    if target.floor is not None and floor is None:
        return replace(
            base, status="not checked", notes=(*notes, f"not checked: {target.floor} is not a plain release")
        )
    if target.current is not None and target.current not in published:
        notes.append(f"{target.current} is not listed in the repository's maven-metadata.xml")
    keys = {version: release_key(version) for version in published}
    newer = sorted(
        (v for v, key in keys.items() if key is not None and (floor is None or key > floor)),
        key=lambda v: keys[v] or (),
        reverse=True,
    )
    rejected: list[Rejected] = []
    downloads = 0
    for index, version in enumerate(newer):
        reason = _line_reason(target, version)
        if reason is None and downloads == MAX_DOWNLOADS:
            unchecked = tuple(v for v in newer[index:] if _line_reason(target, v) is None)
            notes.append(
                f"the newest {MAX_DOWNLOADS} that could fit need a newer Java: older ones not judged"
            )
            return replace(base, rejected=tuple(rejected), unchecked=unchecked, notes=tuple(notes))
        if reason is None:
            downloads += 1
            needs = maven.java_needed(target.probes, version)
            if needs is not None and needs > target.java_release:
                reason = f"needs Java {needs}"
            elif needs is None:
                notes.append(
                    f"{version}: Java level not checked (no class files, e.g. a pom-packaged artifact)"
                )
        if reason is not None:
            rejected.append(Rejected(version, reason))
            continue
        return replace(base, status="newer", newest=version, rejected=tuple(rejected), notes=tuple(notes))
    status: Status = "missing" if target.current is None else "current"
    return replace(base, status=status, rejected=tuple(rejected), notes=tuple(notes))


def _line_reason(target: _Target, version: str) -> str | None:
    """Why ``version`` does not belong to the target's Flink line(s), or None when it does."""
    _, built_for = split_flink_suffix(version)
    if target.connector and built_for is None:
        return "not built for a Flink line"
    for line in target.runs_on:
        # A line the pin names in `missing` waits for a release built for that very line.
        if target.current is None and built_for != line:
            return "other Flink line"
        if built_for is not None and not runs_on_line(built_for, line):
            return "other Flink line"
        if target.name == "flink" and not version.startswith(line + "."):
            return "other Flink line"
    return None


class _UnreachableError(Exception):
    def __init__(self, host: str) -> None:
        super().__init__(f"{host} unreachable")
        self.host = host


class _FailedError(Exception):
    """A host answered, but not with what was asked for."""


class _RetryError(Exception):
    """One attempt failed in a way worth retrying; ``answer`` is the HTTP error, if any."""

    def __init__(self, answer: str | None) -> None:
        super().__init__(answer or "no answer")
        self.answer = answer


class _Http:
    """GET with retries on server errors and network errors; a host that stays down is skipped."""

    def __init__(self, attempts: int, timeout: float, backoff: float) -> None:
        self._attempts = attempts
        self._timeout = timeout
        self._backoff = backoff
        self._down: set[str] = set()

    @property
    def down(self) -> set[str]:
        """The hosts that could not be reached."""
        return set(self._down)

    def get(self, url: str, headers: dict[str, str] | None = None) -> bytes | None:
        """The body of ``url``, or None when it does not exist (HTTP 404, or no such file).

        Raises:
            _UnreachableError: the host did not answer after the retries.
            _FailedError: the host kept answering with an error other than 404.
        """
        host = urllib.parse.urlsplit(url).netloc or "the local repository"
        if host in self._down:
            raise _UnreachableError(host)
        answer: str | None = None
        for attempt in range(self._attempts):
            if attempt:
                time.sleep(self._backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT, **(headers or {})})
            try:
                return self._once(request)
            except _RetryError as error:
                answer = error.answer
        if answer is not None:
            raise _FailedError(f"{host} answered {answer} for {url}")
        self._down.add(host)
        raise _UnreachableError(host)

    def _once(self, request: urllib.request.Request) -> bytes | None:
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as error:
            if error.code in {404, 410}:
                return None
            if error.code < 500 and error.code != 429:
                raise _FailedError(
                    f"{request.host} answered HTTP {error.code} for {request.full_url}"
                ) from None
            raise _RetryError(f"HTTP {error.code}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (FileNotFoundError, NotADirectoryError)):
                return None
            raise _RetryError(None) from None
        except (OSError, http.client.HTTPException):
            raise _RetryError(None) from None


class _Once(Generic[_K, _V]):
    """Computes each key's value once per run, also when several threads ask at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[_K, Future[_V]] = {}

    def get(self, key: _K, compute: Callable[[], _V]) -> _V:
        """The value of ``key``, computed by ``compute`` on the first call."""
        with self._lock:
            future = self._futures.get(key)
            first = future is None
            if future is None:
                future = self._futures[key] = Future()
        if first:
            try:
                future.set_result(compute())
            except Exception as error:
                future.set_exception(error)
        return future.result()


class _MavenRepository:
    """The metadata, poms and jars of one Maven repository, each read at most once."""

    def __init__(self, url: str, client: _Http) -> None:
        self._url = url
        self._http = client
        self._metadata: _Once[tuple[str, str], list[str] | None] = _Once()
        self._java: _Once[tuple[str, str, str], int | None] = _Once()
        self._poms: _Once[tuple[str, str, str], bytes | None] = _Once()

    @property
    def unreachable(self) -> bool:
        """Whether the repository's host could not be reached."""
        return bool(self._http.down)

    def _path(self, group: str, artifact: str) -> str:
        return f"{self._url}/{group.replace('.', '/')}/{artifact}"

    def versions(self, group: str, artifact: str) -> list[str] | None:
        """The versions of ``maven-metadata.xml``, or None when the artifact has none."""
        return self._metadata.get((group, artifact), lambda: self._read_versions(group, artifact))

    def _read_versions(self, group: str, artifact: str) -> list[str] | None:
        data = self._http.get(f"{self._path(group, artifact)}/maven-metadata.xml")
        if data is None:
            return None
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            raise _FailedError(f"the maven-metadata.xml of {group}:{artifact} is not XML: {error}") from None
        return [v.text.strip() for v in root.iterfind("versioning/versions/version") if v.text]

    def java_needed(self, probes: Sequence[tuple[str, str]], version: str) -> int | None:
        """The Java release that the first probe with class files in ``version`` needs, or None."""
        for group, artifact in probes:
            needs = self._java.get((group, artifact, version), partial(self._judge, group, artifact, version))
            if needs is not None:
                return needs
        return None

    def _judge(self, group: str, artifact: str, version: str) -> int | None:
        """The Java level of the jar; for a jar without classes (an aggregator), its dependencies'."""
        needs = self._jar_java(group, artifact, version)
        if needs is not None:
            return needs
        for dependency in self._same_version_dependencies(group, artifact, version)[:2]:
            needs = self._jar_java(*dependency, version)
            if needs is not None:
                return needs
        return None

    def _jar_java(self, group: str, artifact: str, version: str) -> int | None:
        data = self._http.get(f"{self._path(group, artifact)}/{version}/{artifact}-{version}.jar")
        if data is None:
            return None
        try:
            major = class_file_major(data)
        except ValueError:
            raise _FailedError(f"{artifact}-{version}.jar of the repository is not a zip archive") from None
        return None if major is None else major - CLASS_VERSION_OFFSET

    def _same_version_dependencies(self, group: str, artifact: str, version: str) -> list[tuple[str, str]]:
        key = (group, artifact, version)
        url = f"{self._path(group, artifact)}/{version}/{artifact}-{version}.pom"
        pom = self._poms.get(key, partial(self._http.get, url))
        if pom is None:
            return []
        try:
            root = ElementTree.fromstring(pom)
        except ElementTree.ParseError:
            return []
        result = []
        for ns in (_POM, ""):
            for dependency in root.iterfind(f"{ns}dependencies/{ns}dependency"):
                coordinate = [
                    dependency.findtext(f"{ns}{tag}", "").strip() for tag in ("groupId", "artifactId")
                ]
                declared = dependency.findtext(f"{ns}version", "").strip()
                if declared in {version, "${project.version}"} and all(coordinate):
                    result.append((coordinate[0], coordinate[1]))
        return result


def class_file_major(jar: bytes) -> int | None:
    """The highest class-file major version of a jar's base entries, or None when it has none.

    Entries under ``META-INF/versions/`` (multi-release jars) and ``module-info.class`` are left
    out: a Java runtime older than them never loads them.

    Raises:
        ValueError: the data is not a zip archive.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(jar))
    except zipfile.BadZipFile:
        raise ValueError("not a zip archive") from None
    highest: int | None = None
    with archive:
        for entry in archive.infolist():
            name = entry.filename
            if not name.endswith(".class") or name.startswith("META-INF/versions/"):
                continue
            if name.rsplit("/", 1)[-1] == "module-info.class":
                continue
            with archive.open(entry) as handle:
                header = handle.read(8)
            if len(header) == 8 and header[:4] == _CLASS_MAGIC:
                major = int.from_bytes(header[6:8], "big")
                highest = major if highest is None else max(highest, major)
    return highest


def _tag_items(catalog: Catalog) -> Iterator[tuple[Literal["image", "github-action"], str, str]]:
    """(kind, name, reference) of every Compose image and GitHub Action, each image once."""
    seen: set[str] = set()
    for service_id, service in catalog.services.services.items():
        for name, image in (
            (service_id, service.service.get("image")),
            (f"{service_id} init", service.init.image),
        ):
            if isinstance(image, str) and image not in seen:
                seen.add(image)
                yield "image", name, image
    for name, action in catalog.build.github_actions.items():
        yield "github-action", name, action


class _TagLookup:
    """Tags of images (Docker Hub, OCI registries such as ghcr.io) and of GitHub repositories."""

    def __init__(self, registries: Registries) -> None:
        self._registries = registries
        self._http = _Http(_REGISTRY_ATTEMPTS, _REGISTRY_TIMEOUT, 0.5)

    def check(self, kind: Literal["image", "github-action"], name: str, reference: str) -> TagCheck:
        """Compares the tag of ``reference`` with the newest tag of the same form."""
        separator = ":" if kind == "image" else "@"
        repository, _, current = reference.rpartition(separator)
        base = TagCheck(kind, name, reference, current, "current")
        try:
            tags = self._image_tags(repository) if kind == "image" else self._action_tags(repository)
        except _UnreachableError as error:
            return replace(base, status="not checked", notes=(f"not checked: {error.host} unreachable",))
        except (_FailedError, ValueError, KeyError, TypeError) as error:
            return replace(base, status="not checked", notes=(f"not checked: {error}",))
        newest = newest_tag(current, tags)
        return base if newest is None else replace(base, status="newer", newest=newest)

    def _json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        data = self._http.get(url, headers)
        if data is None:
            raise _FailedError(f"{url} does not exist")
        return json.loads(data)

    def _image_tags(self, repository: str) -> list[str]:
        first = repository.split("/", 1)[0]
        if "/" in repository and ("." in first or ":" in first):
            return self._oci_tags(first, repository.split("/", 1)[1])
        path = repository if "/" in repository else f"library/{repository}"
        url: str | None = (
            f"{self._registries.docker_hub}/v2/repositories/{path}/tags?page_size=100&ordering=last_updated"
        )
        tags: list[str] = []
        for _ in range(_REGISTRY_PAGES):
            if url is None:
                break
            page = self._json(url)
            tags += [str(result["name"]) for result in page["results"]]
            url = page.get("next")
        return tags

    def _oci_tags(self, host: str, repository: str) -> list[str]:
        base = self._registries.oci or f"https://{host}"
        token = self._http.get(f"{base}/token?scope=repository:{repository}:pull&service={host}")
        headers = {"Authorization": f"Bearer {json.loads(token)['token']}"} if token else {}
        return [str(tag) for tag in self._json(f"{base}/v2/{repository}/tags/list?n=1000", headers)["tags"]]

    def _action_tags(self, repository: str) -> list[str]:
        tags: list[str] = []
        for page in range(1, _REGISTRY_PAGES + 1):
            results = self._json(
                f"{self._registries.github_api}/repos/{repository}/tags?per_page=100&page={page}"
            )
            tags += [str(result["name"]) for result in results]
            if len(results) < 100:
                break
        return tags


def newest_tag(current: str, tags: Iterable[str]) -> str | None:
    """The newest of ``tags`` in the form of ``current``, when it is newer than ``current``.

    A tag has the form of another when it has as many version numbers, the same ``v`` prefix and
    the same variant suffix: for ``17.6`` that is ``18.1`` (not ``18.1-alpine`` or ``18``); for
    ``v4`` it is ``v5``.
    """
    match = _TAG.fullmatch(current)
    if match is None:
        return None
    prefix, numbers, variant = match.groups()
    size = numbers.count(".")
    best, best_version = None, Version(numbers)
    for tag in tags:
        other = _TAG.fullmatch(tag)
        if other is None or other.group(1) != prefix or other.group(3) != variant:
            continue
        if other.group(2).count(".") == size and Version(other.group(2)) > best_version:
            best, best_version = tag, Version(other.group(2))
    return best


# Rendering ---------------------------------------------------------------------------------------

_WIDTH = 110
_NAME, _TRACKS, _CURRENT = 24, 44, 13
_RESULT = _WIDTH - 2 - _NAME - _TRACKS - _CURRENT


def render_json(report: FreshnessReport) -> str:
    """The report as a JSON document."""

    def pin(check: PinCheck) -> dict[str, Any]:
        return {**asdict(check), "rejected": [asdict(r) for r in check.rejected], "stale": check.stale}

    document = {
        "repository": report.repository,
        "stale": len(report.stale),
        "lines": [
            {
                "line": line,
                "java_release": java,
                "pins": [pin(c) for c in report.pins if c.line == line],
            }
            for line, java in report.lines.items()
        ],
        "all_lines": {
            "java_release": report.all_lines_java,
            "pins": [pin(c) for c in report.pins if c.line == "all"],
        },
        "images": [{**asdict(c), "stale": c.stale} for c in report.tags if c.kind == "image"],
        "github_actions": [{**asdict(c), "stale": c.stale} for c in report.tags if c.kind == "github-action"],
    }
    return json.dumps(document, indent=2)


def render_text(report: FreshnessReport) -> str:
    """The report as text, at most 110 columns wide."""
    out = [f"Newer releases that fit each Flink line, from {_shorten(report.repository, _WIDTH - 46)}"]
    header = _row("pin", "tracks", "current", "newest that fits")
    for line, java in report.lines.items():
        out += ["", f"Flink {line} (Java {java})", header]
        out += [text for check in report.pins if check.line == line for text in _pin_lines(check)]
    every = [check for check in report.pins if check.line == "all"]
    if every:
        out += [
            "",
            f"Every line: one version, judged for Java {report.all_lines_java}, the lowest line's "
            "(Maven plugins run on it too)",
            header,
        ]
        out += [text for check in every for text in _pin_lines(check)]
    for kind, title in (("image", "Compose images"), ("github-action", "GitHub Actions")):
        checks = [check for check in report.tags if check.kind == kind]
        if checks:
            out += ["", title, _row("name", "image" if kind == "image" else "action", "current", "newest")]
            out += [text for check in checks for text in _tag_lines(check)]
    stale = len(report.stale)
    statuses = [check.status for check in report.pins] + [check.status for check in report.tags]
    unchecked = statuses.count("not checked")
    summary = f"{stale} newer release(s) fit" if stale else "nothing newer fits"
    out += ["", f"{summary}; {unchecked} not checked." if unchecked else f"{summary}."]
    return "\n".join(out)


def _pin_lines(check: PinCheck) -> list[str]:
    result = {
        "current": "current",
        "newer": check.newest,
        "missing": "none fits",
        "not checked": "not checked",
    }
    lines = [_row(check.name, check.tracks, check.current or "(missing)", result[check.status] or "")]
    for reason, versions in _by_reason(check.rejected):
        lines += _wrapped(f"rejected, {reason}: {_list(versions)}")
    if check.unchecked:
        lines += _wrapped(f"not judged: {_list(list(check.unchecked))}")
    for note in check.notes:
        lines += _wrapped(note)
    if check.stale:
        lines += _wrapped(f"pinned because: {check.why}")
    return lines


def _tag_lines(check: TagCheck) -> list[str]:
    result = {"current": "current", "newer": check.newest, "missing": "", "not checked": "not checked"}
    repository = check.reference.rsplit(":" if check.kind == "image" else "@", 1)[0]
    lines = [_row(check.name, repository, check.current, result[check.status] or "")]
    for note in check.notes:
        lines += _wrapped(note)
    return lines


def _by_reason(rejected: Sequence[Rejected]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for item in rejected:
        groups.setdefault(item.reason, []).append(item.version)
    return list(groups.items())


def _list(versions: list[str], shown: int = 4) -> str:
    more = f" and {len(versions) - shown} older" if len(versions) > shown else ""
    return ", ".join(versions[:shown]) + more


def _row(name: str, tracks: str, current: str, result: str) -> str:
    return (
        f"  {_shorten(name, _NAME - 1):<{_NAME}}{_shorten(tracks, _TRACKS - 1):<{_TRACKS}}"
        f"{_shorten(current, _CURRENT - 1):<{_CURRENT}}{_shorten(result, _RESULT)}"
    ).rstrip()


def _wrapped(text: str) -> list[str]:
    return textwrap.wrap(
        text, _WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 8, break_on_hyphens=False
    )


def _shorten(text: str, width: int) -> str:
    """``text``, or its end after ``...`` when it is wider than ``width`` (the artifact stays)."""
    return text if len(text) <= width else "..." + text[-(width - 3) :]


__all__ = [
    "CLASS_VERSION_OFFSET",
    "DEFAULT_REPOSITORY",
    "MAX_DOWNLOADS",
    "REPOSITORY_ENV",
    "FreshnessReport",
    "PinCheck",
    "Registries",
    "Rejected",
    "TagCheck",
    "check_freshness",
    "class_file_major",
    "newest_tag",
    "release_key",
    "render_json",
    "render_text",
    "repository_url",
]
