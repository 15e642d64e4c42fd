"""The covering set of generated projects that the compile tier builds.

A pairwise covering array (allpairspy) over the questionnaire's options, computed from the catalog
for each Flink line: on every line, every pair of values of (source, first sink, second sink,
experience level, API) appears in at least one project, among the choices each API offers. So
every option is built on every line, and every two options are built together on every line. The
first sink also receives the dead letters, hence its own factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from allpairspy import AllPairs

from msf_scaffold.catalog import Catalog

EXPERIENCES = ("new_to_flink", "new_to_msf", "experienced")
NO_SECOND_SINK = "-"


@dataclass(frozen=True)
class Scenario:
    """One generated project of the covering set."""

    line: str
    source: str
    sinks: tuple[str, ...]
    experience: str
    api: str = "datastream"

    @property
    def id(self) -> str:
        """Readable id, also the project's artifactId."""
        sinks = "-".join(self.sinks)
        api = "" if self.api == "datastream" else f"-{self.api}"
        experience = self.experience.replace("_", "-")
        return f"f{self.line.replace('.', '')}-{self.source}-to-{sinks}-{experience}{api}"

    @property
    def package(self) -> str:
        """The project's Java package."""
        return "com.example." + self.id.replace("-", "_")

    def answers(self) -> dict[str, object]:
        """copier data for this scenario."""
        return {
            "flink_version": self.line,
            "source": self.source,
            "sinks": list(self.sinks),
            "experience": self.experience,
            "api": self.api,
            "project_name": f"Scenario {self.id}",
            "artifact_id": self.id,
            "package": self.package,
        }


def covering_set(catalog: Catalog) -> list[Scenario]:
    """The pairwise covering set, in a stable order."""
    lines = list(catalog.flink.lines)
    scenarios = []
    apis = list(catalog.apis.apis)
    for line in lines:
        offered_sinks = catalog.offered("sink", line)
        by_api = {
            api: (catalog.offered("source", line, api), catalog.offered("sink", line, api)) for api in apis
        }

        def allowed(
            row: list[str],
            sinks: list[str] = offered_sinks,
            by_api: dict[str, tuple[list[str], list[str]]] = by_api,
        ) -> bool:
            if len(row) > 2 and row[2] != NO_SECOND_SINK and (row[2] == row[1] or row[2] not in sinks):
                return False
            if len(row) > 4:
                sources_for_api, sinks_for_api = by_api[row[4]]
                chosen = [s for s in row[1:3] if s != NO_SECOND_SINK]
                return row[0] in sources_for_api and all(s in sinks_for_api for s in chosen)
            return True

        rows = AllPairs(
            [
                catalog.offered("source", line),
                offered_sinks,
                [NO_SECOND_SINK, *offered_sinks],
                list(EXPERIENCES),
                apis,
            ],
            filter_func=allowed,
        )
        for source, first, second, experience, api in rows:
            chosen = (first,) if second == NO_SECOND_SINK else (first, second)
            scenarios.append(Scenario(line, source, chosen, experience, api))
    return scenarios
