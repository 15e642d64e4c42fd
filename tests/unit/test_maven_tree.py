"""Reading Maven's verbose dependency tree for version conflicts among bundled artifacts."""

from __future__ import annotations

from tests.maven_tree import Conflict, bundled_conflicts

TREE = """com.example:app:jar:0.1.0-SNAPSHOT
+- org.apache.flink:flink-core:jar:2.2.0:provided
|  +- org.apache.commons:commons-text:jar:1.10.0:provided
|  |  \\- (org.apache.commons:commons-lang3:jar:3.12.0:provided - omitted for conflict with 3.18.0)
|  \\- org.apache.commons:commons-lang3:jar:3.18.0:provided
+- com.fasterxml.jackson.core:jackson-databind:jar:2.18.2:compile
|  \\- com.fasterxml.jackson.core:jackson-core:jar:2.18.2:compile (version managed from 2.15.0)
+- org.example:old-client:jar:1.0:compile
|  +- (com.google.guava:guava:jar:33.0-jre:compile - omitted for conflict with 31.1-jre)
|  \\- (org.example:codec:jar:2.1:compile - omitted for conflict with 3.0)
+- com.google.guava:guava:jar:31.1-jre:compile
+- org.example:codec:jar:3.0:compile
\\- org.example:netty-user:jar:1.0:compile
   \\- io.netty:netty-common:jar:4.1.100:compile (version managed from 4.1.118)
"""


def test_downgrades_and_major_changes_of_bundled_artifacts_are_conflicts() -> None:
    assert bundled_conflicts(TREE) == [
        Conflict("com.google.guava:guava", "33.0-jre", "31.1-jre", "org.example:old-client"),
        Conflict("org.example:codec", "2.1", "3.0", "org.example:old-client"),
        Conflict("io.netty:netty-common", "4.1.118", "4.1.100", "org.example:netty-user"),
    ]
    assert str(bundled_conflicts(TREE)[0]) == (
        "com.google.guava:guava: org.example:old-client asks for 33.0-jre, Maven bundles 31.1-jre"
    )


def test_upgrades_within_a_major_and_provided_conflicts_pass() -> None:
    harmful = ("org.example", "guava", "netty")
    upgrades_only = "\n".join(line for line in TREE.splitlines() if not any(word in line for word in harmful))
    assert "version managed from 2.15.0" in upgrades_only and "omitted for conflict" in upgrades_only
    assert bundled_conflicts(upgrades_only) == []
