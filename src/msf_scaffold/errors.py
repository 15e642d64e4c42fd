"""Errors of msf-scaffold. The CLI turns them into messages and exit codes in one place."""

from __future__ import annotations


class MsfScaffoldError(Exception):
    """Base class of every error msf-scaffold raises on purpose."""

    exit_code = 1


class UserError(MsfScaffoldError):
    """Bad input: the message names the field and how to fix it."""

    exit_code = 2


class CatalogError(MsfScaffoldError):
    """The version catalog breaks one of its rules (a defect of the template, not of the input)."""

    exit_code = 3


class ToolError(MsfScaffoldError):
    """An external tool (git, Maven) that msf-scaffold runs failed."""

    exit_code = 4


class CancelledError(MsfScaffoldError):
    """The user declined at a confirmation; nothing was written."""

    exit_code = 1


class InterruptedRunError(MsfScaffoldError):
    """Ctrl-C, SIGTERM or SIGHUP stopped the run; the message says what exists on disk.

    The exit code is the shell's for the signal: 130 for Ctrl-C (SIGINT), 143 for SIGTERM, 129
    for SIGHUP.
    """

    def __init__(self, message: str, *, signum: int = 2) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum
