"""Which generated projects the Maven repository this project's CI reaches can build.

That repository is a partial mirror of Maven Central: ``tests/data/unresolvable-here.yml`` lists
the catalog coordinates it does not serve, each with the evidence that it was released (the
network tier keeps the list exact). A project can be built here when none of the coordinates the
catalog gives it (``Catalog.coordinates``: build.yml's, its API's and its connectors' for their
option answers, on its Flink line) is listed, or when each listed one it has names a substitute:
``built_here_with``, a version of the same pin that this repository serves and that the tiers
which build projects put in the project's ``<properties>`` before they build it (``build_here``),
so that the code stays compiled and run against real services while the pin itself is checked to
exist upstream by its evidence. Nothing here names a connector: a connector, option or API added
to the catalog is judged by its coordinates alone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import yaml

from msf_scaffold.catalog import Catalog
from msf_scaffold.jinja_compile_cache import compiled_once
from tests.helpers import ROOT, Pom, render

UNRESOLVABLE_FILE = ROOT / "tests/data/unresolvable-here.yml"

#: Option answers per connector id, as ``Catalog.coordinates`` takes them.
Options = Mapping[str, Mapping[str, str]]


def unresolvable_here(path: Path = UNRESOLVABLE_FILE) -> dict[str, str]:
    """The listed coordinates (group:artifact:version) and the evidence that each was released."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    listed = {entry["coordinate"]: str(entry["evidence"]).strip() for entry in entries}
    assert all(listed.values()), f"{path.name}: every entry needs its evidence"
    return listed


def substitutes_here(path: Path = UNRESOLVABLE_FILE) -> dict[str, str]:
    """Listed coordinate -> the served version of its pin that the tiers build projects with."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        entry["coordinate"]: str(entry["built_here_with"]) for entry in entries if "built_here_with" in entry
    }


def render_here(destination: Path, answers: dict[str, object]) -> Path:
    """Renders a project and puts in the substitutes of the pins this Maven repository does not
    serve (``build_here``); a top-level function, so that a process pool can run it."""
    with compiled_once():
        build_here(render(destination, dict(answers)))
    return destination


def build_here(project: Path) -> dict[str, str]:
    """Gives each dependency of ``project`` whose coordinate is listed with a substitute that
    substitute, in its pom.xml (its version property, and its artifactId when the substitute is
    another artifact); returns what changed, {property or artifact: "pinned -> substitute"}.

    Only the tiers that build projects call this; the render tier checks the pom as generated.
    """
    substitutes = substitutes_here()
    pom_path = project / "pom.xml"
    pom = Pom(pom_path)
    properties = pom.properties
    versions: dict[str, str] = {}
    artifacts: dict[str, str] = {}
    for group, artifact, raw in pom.declared_versions():
        match = re.fullmatch(r"\$\{([^}]+)\}", raw or "")
        if match is None:
            continue
        name = match.group(1)
        substitute = substitutes.get(f"{group}:{artifact}:{properties[name]}")
        if substitute is None:
            continue
        if ":" in substitute:
            other_group, other_artifact, substitute = substitute.split(":")
            assert other_group == group, f"{substitute}: a substitute stays in group {group}"
            artifacts[artifact] = other_artifact
        assert versions.get(name, substitute) == substitute, (
            f"{project.name}: two substitutes for {name}: {versions[name]} and {substitute}"
        )
        versions[name] = substitute
    text = pom_path.read_text(encoding="utf-8")
    replacements = [(name, properties[name], version) for name, version in versions.items()]
    replacements += [("artifactId", artifact, other) for artifact, other in artifacts.items()]
    # The shade plugin's filters name an artifact as group:artifact.
    for artifact, other in artifacts.items():
        pattern = rf"(<artifact>[^<:]+:){re.escape(artifact)}</artifact>"
        text = re.sub(pattern, rf"\g<1>{other}</artifact>", text)
    for tag, old, new in replacements:
        # A property is defined once; an artifact is named in dependencyManagement and dependencies.
        text, count = re.subn(
            rf"<{re.escape(tag)}>{re.escape(old)}</{re.escape(tag)}>", f"<{tag}>{new}</{tag}>", text
        )
        assert count == 1 or (tag == "artifactId" and count), f"{project.name}: <{tag}>{old}</{tag}> x{count}"
    pom_path.write_text(text, encoding="utf-8")
    return {tag if tag != "artifactId" else old: f"{old} -> {new}" for tag, old, new in replacements}


class Served:
    """The catalog's projects judged by what a Maven repository lacks (``absent`` coordinates)."""

    def __init__(self, catalog: Catalog, absent: Iterable[str]) -> None:
        self.catalog = catalog
        self.absent = frozenset(absent)

    @classmethod
    def here(cls, catalog: Catalog) -> Served:
        """What the repository of ``tests/data/unresolvable-here.yml`` serves, with substitutes."""
        return cls(catalog, set(unresolvable_here()) - set(substitutes_here()))

    def missing(self, line: str, api: str, connector_ids: Iterable[str], options: Options) -> list[str]:
        """The coordinates of such a project that the repository does not serve, sorted."""
        found: set[str] = set()
        for connector_id in connector_ids:
            chosen = tuple(sorted(options.get(connector_id, {}).items()))
            found.update(self._missing(line, api, connector_id, chosen))
        return sorted(found | self._missing(line, api, None, ()))

    def possible(
        self,
        line: str,
        apis: Iterable[str],
        connectors: Mapping[str, tuple[Mapping[str, str], Mapping[str, Iterable[str]]]],
    ) -> bool:
        """Whether some API of ``apis`` and some answers to the open options build here.

        ``connectors`` maps each selected connector to its answered options and, for the options
        not answered yet, the values they may still take.
        """
        return any(
            not self._missing(line, api, None, ())
            and all(
                self._completes(line, api, connector_id, dict(fixed), open_)
                for connector_id, (fixed, open_) in connectors.items()
            )
            for api in apis
        )

    def _completes(
        self,
        line: str,
        api: str,
        connector_id: str,
        fixed: dict[str, str],
        open_: Mapping[str, Iterable[str]],
    ) -> bool:
        names = list(open_)
        for values in itertools.product(*(tuple(open_[name]) for name in names)):
            chosen = {**fixed, **dict(zip(names, values, strict=True))}
            if not self._missing(line, api, connector_id, tuple(sorted(chosen.items()))):
                return True
        return False

    @cache  # noqa: B019 (one instance per catalog, kept for the session)
    def _missing(
        self, line: str, api: str, connector_id: str | None, options: tuple[tuple[str, str], ...]
    ) -> frozenset[str]:
        """Absent coordinates of one connector with these answers (None: what every project has)."""
        ids = [] if connector_id is None else [connector_id]
        chosen = {} if connector_id is None else {connector_id: dict(options)}
        return frozenset(str(c) for c in self.catalog.coordinates(line, ids, chosen, api)) & self.absent
