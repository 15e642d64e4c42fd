"""The compile tier's reading of build warnings (tests/build_log.py), on lines Maven printed."""

from __future__ import annotations

from tests.build_log import javac_warnings, shade_overlaps

# Lines of a generated project's build before it was quiet, two projects interleaved as a
# parallel reactor prints them.
NOISY = "\n".join(
    [
        "[INFO] --- compiler:3.16.0:compile (default-compile) @ kk ---",
        "[INFO] Compiling 13 source files with javac [debug deprecation release 17] to target/classes",
        "[WARNING] /build/kk/src/main/java/com/example/kk/config/ApplicationProperties.java:[119,63]"
        " fields() in com.fasterxml.jackson.databind.JsonNode has been deprecated",
        "[WARNING] /build/kk-table/src/main/java/com/example/kt/sources/KafkaSourceFactory.java:[45,60]"
        " org.apache.kafka.clients.consumer.OffsetResetStrategy in org.apache.kafka.clients.consumer"
        " has been deprecated",
        "[INFO] --- shade:3.6.2:shade (default) @ kk ---",
        "[WARNING] jackson-core-2.23.0.jar, third-party-jackson-core-2.59.1.jar"
        " define 3 overlapping resources: ",
        "[WARNING]   - META-INF/FastDoubleParser-LICENSE",
        "[WARNING] httpcore5-5.4.3.jar, iceberg-flink-runtime-2.1-1.11.0.jar"
        " define 2 overlapping resources: ",
        "[WARNING]   - META-INF/maven/org.apache.httpcomponents.core5/httpcore5/pom.properties",
        "[WARNING] parquet-avro-1.15.2.jar, parquet-column-1.15.2.jar define 331 overlapping classes: ",
        "[WARNING]   - shaded.parquet.it.unimi.dsi.fastutil.HashCommon",
        "[WARNING] maven-shade-plugin has detected that some files are",
        "[WARNING] present in two or more JARs. When this happens, only one",
        "[INFO] BUILD SUCCESS",
    ]
)

QUIET = """\
[INFO] --- compiler:3.16.0:compile (default-compile) @ kk ---
[INFO] Compiling 13 source files with javac [debug deprecation release 17] to target/classes
[INFO] --- shade:3.6.2:shade (default) @ kk ---
[INFO] Replacing original artifact with shaded artifact.
[INFO] BUILD SUCCESS
"""


def test_javac_warnings_are_read_per_project_folder() -> None:
    assert javac_warnings(NOISY, "/build/kk/") == [NOISY.splitlines()[2]]
    assert javac_warnings(NOISY, "/build/kk-table/") == [NOISY.splitlines()[3]]
    assert javac_warnings(NOISY, "/build/other/") == []
    assert javac_warnings(QUIET, "/build/kk/") == []


def test_shade_resource_overlaps_are_found_and_class_overlaps_left_to_the_bytes_check() -> None:
    lines = NOISY.splitlines()
    assert shade_overlaps(NOISY) == [lines[5], lines[7]]
    assert "overlapping classes" in lines[9]
    assert shade_overlaps(QUIET) == []
