"""The freshness report against a Maven repository laid out in a directory (no network).

The repository is real input: maven-metadata.xml files, poms and jars whose class files carry the
class-file version of a Java release, read through file:// URLs by the same code that reads Maven
Central. The registries of images and actions are a closed local port and a local HTTP server.
"""

from __future__ import annotations

import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from msf_scaffold.catalog import Catalog, VersionPin, load_catalog
from msf_scaffold.cli import main
from msf_scaffold.errors import UserError
from msf_scaffold.freshness import (
    FreshnessReport,
    PinCheck,
    Registries,
    check_freshness,
    class_file_major,
    newest_tag,
    release_key,
    render_text,
    repository_url,
)

JAVA_8, JAVA_11, JAVA_17, JAVA_21 = 8, 11, 17, 21


def _class(java: int) -> bytes:
    """The start of a class file: magic, minor version 0, major version of ``java``."""
    return b"\xca\xfe\xba\xbe" + (0).to_bytes(2, "big") + (java + 44).to_bytes(2, "big") + bytes(8)


def publish(repo: Path, coordinate: str, releases: dict[str, int | None], packaging: str = "jar") -> None:
    """Lays out ``releases`` (version -> Java release of the jar's classes, None: no jar) in ``repo``.

    Every jar also holds entries that must not count: a multi-release entry and module-info.class,
    both Java 21.
    """
    group, artifact = coordinate.split(":")
    directory = repo / group.replace(".", "/") / artifact
    directory.mkdir(parents=True, exist_ok=True)
    versions = "".join(f"<version>{version}</version>" for version in releases)
    (directory / "maven-metadata.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<metadata><groupId>{group}</groupId>'
        f"<artifactId>{artifact}</artifactId><versioning><versions>{versions}</versions>"
        "</versioning></metadata>\n"
    )
    for version, java in releases.items():
        (directory / version).mkdir(exist_ok=True)
        (directory / version / f"{artifact}-{version}.pom").write_text(
            '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
            f"<groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>"
            f"<packaging>{packaging}</packaging></project>\n"
        )
        if java is not None:
            with zipfile.ZipFile(directory / version / f"{artifact}-{version}.jar", "w") as jar:
                jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
                jar.writestr("com/example/Library.class", _class(java))
                jar.writestr("META-INF/versions/21/com/example/Library.class", _class(JAVA_21))
                jar.writestr("module-info.class", _class(JAVA_21))


def _pin(tracks: str, **values: object) -> VersionPin:
    artifact = tracks.split(":")[1]
    return VersionPin.model_validate(
        {"property": f"{artifact}.version", "tracks": tracks, "why": f"the {artifact} we test", **values}
    )


PINS = {
    "flink": _pin(
        "org.apache.flink:flink-streaming-java", per_line={"2.3": "2.3.0", "2.2": "2.2.0", "1.20": "1.20.1"}
    ),
    "kafka_connector": _pin(
        "org.apache.flink:flink-connector-kafka",
        per_line={"2.3": "5.0.0-2.2", "2.2": "5.0.0-2.2", "1.20": "3.4.0-1.20"},
    ),
    "cdc": _pin(
        "org.apache.flink:flink-sql-connector-mysql-cdc",
        per_line={"2.2": "3.6.0-2.2", "1.20": "3.6.0-1.20"},
        missing={"2.3": "no release for Flink 2.3"},
    ),
    "lib": _pin("com.example:lib", per_line={"2.3": "1.0.0", "2.2": "1.0.0", "1.20": "1.0.0"}),
    "assertj": _pin("org.assertj:assertj-core", all="3.27.6"),
    "zstd": _pin("com.github.luben:zstd-jni", all="1.5.6-6"),
    "slf4j": _pin("org.slf4j:slf4j-api", all="1.7.36"),
    "maven": _pin("org.apache.maven:apache-maven", all="3.9.10"),
    "compiler": VersionPin(
        property="maven-compiler-plugin.version",
        tracks="org.apache.maven.plugins:maven-compiler-plugin",
        why="the compiler",
        all="3.14.0",
    ),
    "many": _pin("com.example:many", all="1.0.0"),
    "gone": _pin("com.example:unpublished", all="1.0.0"),
}


def _repository(repo: Path) -> Path:
    publish(
        repo,
        "org.apache.flink:flink-streaming-java",
        {
            "1.20.1": JAVA_11,
            "1.20.2": JAVA_11,
            "2.2.0": JAVA_17,
            "2.2.1": JAVA_17,
            "2.3.0": JAVA_17,
            "2.3.1-rc1": JAVA_17,
            "2.4-SNAPSHOT": JAVA_17,
        },
    )
    publish(
        repo,
        "org.apache.flink:flink-connector-kafka",
        {
            "3.4.0-1.20": JAVA_11,
            "3.5.0-1.19": JAVA_11,
            "3.5.0-1.20": JAVA_11,
            "3.6.0-1.20": JAVA_17,
            "4.0.0-2.0": JAVA_17,
            "5.0.0-2.2": JAVA_17,
            "5.1.0-2.3": JAVA_17,
            "5.2.0-rc1-2.3": JAVA_17,
        },
    )
    publish(
        repo,
        "org.apache.flink:flink-sql-connector-mysql-cdc",
        {"3.5.0": JAVA_11, "3.6.0-1.20": JAVA_11, "3.6.0-2.2": JAVA_17, "3.7.0-2.3": JAVA_17},
    )
    publish(
        repo,
        "com.example:lib",
        {"1.0.0": JAVA_11, "1.1.0": JAVA_11, "2.0.0": JAVA_17, "2.1.0-beta1": JAVA_11, "3.0.0-M1": JAVA_11},
    )
    publish(
        repo,
        "org.assertj:assertj-core",
        {
            "3.27.6": JAVA_8,
            "3.27.7": JAVA_8,
            "4.0.0-M1": JAVA_8,
            "4.0.0-RC2": JAVA_8,
            "4.0.0-SNAPSHOT": JAVA_8,
        },
    )
    publish(repo, "com.github.luben:zstd-jni", {"1.5.6-6": JAVA_8, "1.5.6-10": JAVA_8, "1.5.6-7": JAVA_8})
    publish(repo, "org.slf4j:slf4j-api", {"1.7.36": JAVA_8})
    publish(
        repo, "org.apache.maven:apache-maven", {"3.9.10": None, "3.9.11": None, "4.0.0-rc-4": None}, "pom"
    )
    publish(
        repo,
        "org.apache.maven.plugins:maven-compiler-plugin",
        {"3.14.0": JAVA_8, "3.14.1": JAVA_8, "4.0.0": JAVA_17},
        "maven-plugin",
    )
    publish(
        repo,
        "com.example:many",
        {"1.0.0": JAVA_8, "1.1.0": JAVA_8, **{f"2.{minor}.0": JAVA_21 for minor in range(7)}},
    )
    return repo


def small_catalog(pins: dict[str, VersionPin] | None = None) -> Catalog:
    """The packaged catalog's Flink lines with ``pins`` only: no connectors, services or actions."""
    catalog = load_catalog()
    build = catalog.build.model_copy(
        update={"versions": pins or PINS, "github_actions": {}, "boms": [], "dependencies": []}
    )
    services = catalog.services.model_copy(update={"services": {}})
    return catalog.model_copy(update={"build": build, "connectors": {}, "services": services})


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _repository(tmp_path_factory.mktemp("maven"))


@pytest.fixture(scope="module")
def report(repo: Path) -> FreshnessReport:
    return check_freshness(small_catalog(), str(repo), registries=None)


def _check(report: FreshnessReport, name: str, line: str) -> PinCheck:
    return next(check for check in report.pins if check.name == name and check.line == line)


def _rejected(check: PinCheck) -> dict[str, str]:
    return {item.version: item.reason for item in check.rejected}


def test_release_key_orders_maven_releases_and_skips_qualifiers() -> None:
    releases = [
        "1.5.6-10",
        "1.5.7",
        "1.5.6-6",
        "1.5.6",
        "3.27.7",
        "3.27.10",
        "5.0.0-2.3",
        "5.0.0-2.2",
        "5.0.1-2.0",
    ]
    assert sorted(releases, key=lambda v: release_key(v) or ()) == [
        "1.5.6",
        "1.5.6-6",
        "1.5.6-10",
        "1.5.7",
        "3.27.7",
        "3.27.10",
        "5.0.0-2.2",
        "5.0.0-2.3",
        "5.0.1-2.0",
    ]
    for qualified in ["6.0.0-M1", "4.0.0-rc-4", "2.0.0-alpha1", "1.0.0-beta-2", "1.0-SNAPSHOT", "6.0.0-RC1"]:
        assert release_key(qualified) is None, qualified
    assert release_key("5.2.0-rc1-2.3") is None
    assert release_key("20030203.000550") is None, "a date stamp is not a release"


def test_class_file_version_of_the_base_entries_only(tmp_path: Path) -> None:
    publish(tmp_path, "com.example:mr", {"1.0": JAVA_11})
    jar = tmp_path / "com/example/mr/1.0/mr-1.0.jar"
    assert class_file_major(jar.read_bytes()) == 55
    with zipfile.ZipFile(tmp_path / "empty.jar", "w") as empty:
        empty.writestr("module-info.class", _class(JAVA_21))
    assert class_file_major((tmp_path / "empty.jar").read_bytes()) is None


def test_a_stale_pin_gets_the_newest_release_that_fits(report: FreshnessReport) -> None:
    flink = _check(report, "flink", "2.2")
    assert (flink.status, flink.newest) == ("newer", "2.2.1")
    assert _rejected(flink) == {"2.3.0": "other Flink line"}
    assert _check(report, "flink", "1.20").newest == "1.20.2"
    assert _check(report, "assertj", "all").newest == "3.27.7"
    # The numeric build number of a Maven version counts as a number, not as text.
    assert _check(report, "zstd", "all").newest == "1.5.6-10"


def test_a_connector_built_for_another_flink_line_is_not_proposed(report: FreshnessReport) -> None:
    on_22 = _check(report, "kafka_connector", "2.2")
    assert on_22.status == "current"
    assert _rejected(on_22) == {"5.1.0-2.3": "other Flink line"}
    assert _check(report, "kafka_connector", "2.3").newest == "5.1.0-2.3"
    on_120 = _check(report, "kafka_connector", "1.20")
    # 3.5.0-1.20 over 3.5.0-1.19: of one release, the build for the newest fitting line.
    assert on_120.newest == "3.5.0-1.20"
    assert _rejected(on_120) == {
        "5.1.0-2.3": "other Flink line",
        "5.0.0-2.2": "other Flink line",
        "4.0.0-2.0": "other Flink line",
        "3.6.0-1.20": "needs Java 17",
    }


def test_java_17_bytecode_fits_a_java_17_line_but_not_a_java_11_line(report: FreshnessReport) -> None:
    assert _check(report, "lib", "2.2").newest == "2.0.0"
    assert _check(report, "lib", "2.3").newest == "2.0.0"
    on_120 = _check(report, "lib", "1.20")
    assert on_120.java_release == JAVA_11
    assert on_120.newest == "1.1.0"
    assert _rejected(on_120) == {"2.0.0": "needs Java 17"}


def test_pins_for_every_line_are_judged_for_the_lowest_java(report: FreshnessReport) -> None:
    compiler = _check(report, "compiler", "all")
    assert (compiler.kind, compiler.java_release) == ("plugin", JAVA_11)
    assert compiler.newest == "3.14.1"
    assert _rejected(compiler) == {"4.0.0": "needs Java 17"}
    assert report.all_lines_java == JAVA_11
    assert {check.line for check in report.pins if check.name == "assertj"} == {"all"}


def test_pre_releases_are_never_proposed(report: FreshnessReport) -> None:
    proposed_or_rejected = {check.newest for check in report.pins} | {
        item.version for check in report.pins for item in check.rejected
    }
    assert not {
        v for v in proposed_or_rejected if v and any(q in v for q in ("rc", "RC", "M1", "beta", "SNAP"))
    }
    assert _check(report, "assertj", "all").rejected == ()


def test_an_up_to_date_pin_reports_current(report: FreshnessReport) -> None:
    slf4j = _check(report, "slf4j", "all")
    assert (slf4j.status, slf4j.newest, slf4j.rejected) == ("current", None, ())
    assert "slf4j" in render_text(report)


def test_a_pom_packaged_artifact_needs_no_jar(report: FreshnessReport) -> None:
    maven = _check(report, "maven", "all")
    assert maven.newest == "3.9.11"
    assert any("Java level not checked" in note for note in maven.notes)


def test_a_line_without_a_pin_waits_for_a_release_built_for_it(report: FreshnessReport) -> None:
    cdc = _check(report, "cdc", "2.3")
    assert (cdc.current, cdc.status, cdc.newest) == (None, "newer", "3.7.0-2.3")
    assert any("no release for Flink 2.3" in note for note in cdc.notes)
    assert _rejected(_check(report, "cdc", "2.2")) == {"3.7.0-2.3": "other Flink line"}


def test_at_most_five_jars_are_read_per_pin_and_line(report: FreshnessReport) -> None:
    many = _check(report, "many", "all")
    assert many.status == "current"
    assert list(_rejected(many)) == ["2.6.0", "2.5.0", "2.4.0", "2.3.0", "2.2.0"]
    assert set(_rejected(many).values()) == {"needs Java 21"}
    assert many.unchecked == ("2.1.0", "2.0.0", "1.1.0")


def test_an_artifact_the_repository_lacks_is_not_checked(report: FreshnessReport) -> None:
    gone = _check(report, "gone", "all")
    assert gone.status == "not checked"
    assert gone.notes == ("not checked: no maven-metadata.xml for com.example:unpublished",)


def test_the_text_report_fits_110_columns(report: FreshnessReport) -> None:
    text = render_text(report)
    assert max(len(line) for line in text.splitlines()) <= 110
    assert "Flink 1.20 (Java 11)" in text and "Every line" in text


def test_only_the_chosen_lines(repo: Path) -> None:
    report = check_freshness(small_catalog(), str(repo), lines=["1.20"], registries=None)
    assert set(report.lines) == {"1.20"}
    assert {check.line for check in report.pins} == {"1.20", "all"}
    with pytest.raises(UserError, match=r"unknown Flink line 9\.9"):
        check_freshness(small_catalog(), str(repo), lines=["9.9"], registries=None)


def test_the_repository_is_a_url_a_file_url_or_a_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert repository_url(str(repo)) == repo.resolve().as_uri()
    assert repository_url(repo.as_uri() + "/") == repo.as_uri()
    assert repository_url("https://example.org/maven2/") == "https://example.org/maven2"
    monkeypatch.setenv("MSF_SCAFFOLD_MAVEN_REPOSITORY", str(repo))
    assert repository_url() == repo.resolve().as_uri()
    monkeypatch.delenv("MSF_SCAFFOLD_MAVEN_REPOSITORY")
    assert repository_url() == "https://repo.maven.apache.org/maven2"
    with pytest.raises(UserError, match="no such directory"):
        repository_url(str(repo / "absent"))
    with pytest.raises(UserError, match="http"):
        repository_url("ftp://example.org/maven2")


def test_newest_tag_keeps_the_form_of_the_current_one() -> None:
    tags = ["17.6", "17.7", "18.1", "18.1-alpine", "18", "latest", "19beta1"]
    assert newest_tag("17.6", tags) == "18.1"
    assert newest_tag("18.1", tags) is None
    assert newest_tag("v4", ["v4", "v4.2.0", "v5", "v5.0.1", "5"]) == "v5"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_unreachable_registries_are_reported_not_failed(repo: Path) -> None:
    catalog = load_catalog()
    base = f"http://127.0.0.1:{_closed_port()}"
    small = small_catalog({"slf4j": PINS["slf4j"]}).model_copy(
        update={"services": catalog.services, "build": catalog.build.model_copy(update={"versions": {}})}
    )
    report = check_freshness(small, str(repo), registries=Registries(base, base, base))
    assert report.tags, "the catalog's images and actions"
    for check in report.tags:
        host = base.removeprefix("http://")
        assert (check.status, check.notes) == ("not checked", (f"not checked: {host} unreachable",))
    assert {check.kind for check in report.tags} == {"image", "github-action"}
    assert f"not checked: {base.removeprefix('http://')} unreachable" in render_text(report)


class _Registry(BaseHTTPRequestHandler):
    """Docker Hub's tags API, an OCI registry's token and tags list, GitHub's tags API."""

    ANSWERS: ClassVar[dict[str, object]] = {
        "/v2/repositories/library/postgres/tags": {
            "results": [{"name": n} for n in ["18.1-alpine", "18.1", "17.7", "17.6", "latest"]],
            "next": None,
        },
        "/v2/repositories/apache/kafka/tags": {"results": [{"name": "4.1.1"}], "next": None},
        "/token": {"token": "anonymous"},
        "/v2/etspaceman/kinesis-mock/tags/list": {"tags": ["0.6.2", "0.6.3", "0.7.0-rc1"]},
        "/repos/actions/checkout/tags": [{"name": n} for n in ["v5.0.0", "v5", "v4.2.2", "v4"]],
    }

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/v2/etspaceman/kinesis-mock/tags/list" and "Bearer" not in self.headers.get(
            "Authorization", ""
        ):
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps(self.ANSWERS[path]).encode() if path in self.ANSWERS else b""
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_images_and_actions_are_compared_with_their_registries_tags(repo: Path, registry: str) -> None:
    catalog = load_catalog()
    images = {
        "postgres": ("postgres:17.6", "postgres:17.6"),
        "kafka": ("apache/kafka:4.1.1", "apache/kafka:4.1.1"),
        "kinesis": ("ghcr.io/etspaceman/kinesis-mock:0.6.2", "amazon/aws-cli:2.22.0"),
    }
    services = {
        service_id: service.model_copy(
            update={
                "service": {**service.service, "image": images[service_id][0]},
                "init": service.init.model_copy(update={"image": images[service_id][1]}),
            }
        )
        for service_id, service in catalog.services.services.items()
        if service_id in images
    }
    small = small_catalog({"slf4j": PINS["slf4j"]})
    small = small.model_copy(
        update={
            "services": catalog.services.model_copy(update={"services": services}),
            "build": small.build.model_copy(update={"github_actions": {"checkout": "actions/checkout@v4"}}),
        }
    )
    report = check_freshness(small, str(repo), registries=Registries(registry, registry, registry))
    found = {check.reference: (check.status, check.newest) for check in report.tags}
    assert found["postgres:17.6"] == ("newer", "18.1")
    assert found["apache/kafka:4.1.1"] == ("current", None)
    assert found["ghcr.io/etspaceman/kinesis-mock:0.6.2"] == ("newer", "0.6.3")
    assert found["actions/checkout@v4"] == ("newer", "v5")
    # amazon/aws-cli (the kinesis init image) is not served here.
    assert found["amazon/aws-cli:2.22.0"][0] == "not checked"


def _repository_of(catalog: Catalog, repo: Path) -> Path:
    """A repository whose releases are the pinned versions, each built for the lowest Java of its lines.

    A pin with ``all`` is Java 8 bytecode; a per-line version is the Java release of its lines.
    """
    for pin in catalog.pins().values():
        releases: dict[str, int | None] = {}
        for line, version in (pin.per_line or {"": pin.all or ""}).items():
            java = catalog.flink.lines[line].java_release if line else JAVA_8
            releases[version] = min(java, releases.get(version) or java)
        publish(repo, pin.tracks, releases)
    return repo


def test_cli_json_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], catalog: Catalog
) -> None:
    repo = _repository_of(catalog, tmp_path / "maven")
    command = ["freshness", "--repository", str(repo), "--maven-only"]
    assert main([*command, "--json", "--fail-on-stale"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["stale"] == 0
    assert [line["line"] for line in document["lines"]] == list(catalog.flink.lines)
    assert all(pin["status"] in {"current", "missing"} for line in document["lines"] for pin in line["pins"])
    assert document["images"] == [] and document["github_actions"] == []

    assertj = catalog.pins()["assertj"]
    publish(repo, assertj.tracks, {assertj.all or "": JAVA_8, "99.0.0": JAVA_8, "100.0.0-RC1": JAVA_8})
    assert main([*command, "--json"]) == 0, "a report: stale pins alone do not fail"
    document = json.loads(capsys.readouterr().out)
    assert document["stale"] == 1
    stale = [pin for pin in document["all_lines"]["pins"] if pin["stale"]]
    assert [(pin["name"], pin["newest"], pin["tracks"]) for pin in stale] == [
        ("assertj", "99.0.0", assertj.tracks)
    ]
    assert main([*command, "--fail-on-stale"]) == 1
    text = capsys.readouterr().out
    assert "99.0.0" in text and max(len(line) for line in text.splitlines()) <= 110

    assert main([*command, "--json", "--line", "1.20"]) == 0
    assert [line["line"] for line in json.loads(capsys.readouterr().out)["lines"]] == ["1.20"]


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["freshness", "--repository", str(tmp_path / "absent"), "--maven-only"]) == 2
    assert "no such directory" in capsys.readouterr().err
    assert main(["freshness", "--repository", str(tmp_path), "--line", "9.9", "--maven-only"]) == 2
    assert "unknown Flink line 9.9" in capsys.readouterr().err
