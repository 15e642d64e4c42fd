"""Where a single-project Maven build spends its time, from a log with timestamps.

Maven prints each mojo as ``--- plugin:version:goal (execution) @ artifact ---``; with
``-Dorg.slf4j.simpleLogger.showDateTime=true`` every line starts with ``HH:mm:ss.SSS``. A mojo lasts
until the next one starts (or the build result is printed). The time before ``Scanning for
projects`` is JVM and Maven start-up; the time after the build result is shutdown. This only holds
for builds that run one mojo at a time (one project); lines of parallel threads may be a few
milliseconds out of order, which only shifts time between neighbouring phases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TIMESTAMP_ARGS = (
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
)
_LINE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \[\w+\] (.*)$")
_MOJO = re.compile(r"^--- ([\w.-]+):[\w.-]+:([\w-]+) \(.*\) @ [\w.-]+ ---$")
_END = re.compile(r"^(BUILD SUCCESS|BUILD FAILURE|Reactor Summary)")
DAY = 24 * 3600.0
STARTUP = "Maven start-up (JVM, wrapper, Maven boot)"
MODEL = "reading poms, resolving plugins"
SHUTDOWN = "Maven shutdown"


def seconds_of_day(hours: int, minutes: int, seconds: int, millis: int) -> float:
    """Seconds since midnight."""
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


@dataclass(frozen=True)
class Event:
    """A timestamped log line of interest: a mojo start, the start of the build, or its end."""

    at: float
    name: str


def events(log: str) -> list[Event]:
    """Mojo starts (``plugin:goal``), the ``Scanning`` line and the build result, in order."""
    found: list[Event] = []
    previous = 0.0
    offset = 0.0
    for line in log.splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        at = seconds_of_day(*(int(match.group(i)) for i in range(1, 5))) + offset
        if at < previous - DAY / 2:  # the build ran past midnight (threads may log slightly out of order)
            offset += DAY
            at += DAY
        previous = max(previous, at)
        text = match.group(5)
        mojo = _MOJO.match(text)
        if mojo:
            found.append(Event(at, f"{mojo.group(1)}:{mojo.group(2)}"))
        elif text.startswith("Scanning for projects"):
            found.append(Event(at, MODEL))
        elif _END.match(text):
            found.append(Event(at, SHUTDOWN))
            break
    return found


def phases(log: str, launched: float, finished: float) -> dict[str, float]:
    """Seconds per phase; ``launched`` and ``finished`` are seconds of day when the process ran."""
    found = events(log)
    if not found:
        return {}
    if finished < launched:
        finished += DAY
    if found[0].at + DAY / 2 < launched:
        found = [Event(event.at + DAY, event.name) for event in found]
    result: dict[str, float] = {STARTUP: max(0.0, found[0].at - launched)}
    ends = [event.at for event in found[1:]] + [finished]
    for event, end in zip(found, ends, strict=True):
        result[event.name] = result.get(event.name, 0.0) + max(0.0, end - event.at)
    return result


def test_seconds(reports: Iterable[Path]) -> float:
    """Total ``time`` of the JUnit XML reports (``TEST-*.xml``) in these directories."""
    total = 0.0
    for directory in reports:
        for report in directory.glob("TEST-*.xml"):
            total += float(ET.parse(report).getroot().get("time", "0").replace(",", ""))
    return total
