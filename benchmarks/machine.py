"""A description of the machine and the tools a run used."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """What the report says about where it was measured."""

    facts: list[tuple[str, str]]


def _first_line(command: list[str], cwd: Path | None = None, stderr: bool = False) -> str:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    text = (result.stderr if stderr else result.stdout) or result.stdout or result.stderr
    lines = [line for line in text.splitlines() if line.strip()]
    return _strip_ansi(lines[0].strip()) if lines else "unavailable"


def _strip_ansi(text: str) -> str:
    while "\x1b[" in text:
        start = text.index("\x1b[")
        end = text.find("m", start)
        text = text[:start] + (text[end + 1 :] if end >= 0 else "")
    return text


def _proc_value(path: str, key: str) -> str | None:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip() == key:
            return value.strip()
    return None


def _memory() -> str:
    total = _proc_value("/proc/meminfo", "MemTotal")
    if total and total.endswith("kB"):
        return f"{int(total.split()[0]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os_name() -> str:
    try:
        pretty = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system())
    except OSError:
        pretty = platform.system()
    return f"{pretty} (kernel {platform.release()}, {platform.machine()})"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds so far: the machine's busy time, the hypervisor's steal, and ours (with children)."""

    machine: float
    steal: float
    ours: float

    @classmethod
    def take(cls) -> CpuSnapshot:
        """Reads ``/proc/stat`` and ``getrusage`` (machine and steal are 0 where there is no /proc)."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        ours = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
        try:
            fields = Path("/proc/stat").read_text(encoding="utf-8").splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return cls(0.0, 0.0, ours)
        # user nice system idle iowait irq softirq steal ...
        ticks = [int(value) for value in fields] + [0] * 8
        hertz = os.sysconf("SC_CLK_TCK")
        busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
        return cls(busy / hertz, ticks[7] / hertz, ours)


@dataclass(frozen=True)
class Contention:
    """Shares of the machine's CPU capacity that others took while a stage ran."""

    other_processes: float
    steal: float

    @classmethod
    def between(cls, before: CpuSnapshot, after: CpuSnapshot, seconds: float) -> Contention:
        """Other processes in this machine, and the hypervisor's steal (other virtual machines)."""
        capacity = seconds * (os.cpu_count() or 1)
        if not before.machine or not capacity:
            return cls(0.0, 0.0)
        others = (after.machine - before.machine) - (after.ours - before.ours)
        return cls(max(0.0, others / capacity), max(0.0, (after.steal - before.steal) / capacity))

    @property
    def total(self) -> float:
        """Both shares together."""
        return self.other_processes + self.steal

    def __str__(self) -> str:
        return (
            f"other processes used {self.other_processes * 100:.0f} % of the CPUs, "
            f"the hypervisor stole {self.steal * 100:.0f} %"
        )


def describe(wrapper_project: Path | None, extra: Sequence[tuple[str, str]] = ()) -> Machine:
    """CPU, memory, OS, Python, JDK, Maven (system and wrapper), git, copier, and ``extra`` facts."""
    cpu = _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    facts = [
        ("CPU", f"{cpu}, {os.cpu_count()} logical CPUs"),
        ("Memory", _memory()),
        ("OS", _os_name()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("JDK", _first_line(["java", "-version"], stderr=True)),
        ("Maven (PATH, runs the archetype)", _first_line(["mvn", "-v"])),
    ]
    if wrapper_project is not None:
        facts.append(
            (
                "Maven (Maven Wrapper of the generated projects)",
                _first_line(["./mvnw", "-v"], wrapper_project),
            )
        )
    facts += [
        ("git", _first_line(["git", "--version"])),
        ("copier", _package_version("copier")),
        ("msf-scaffold", _package_version("msf-scaffold")),
        *extra,
    ]
    return Machine(facts)
