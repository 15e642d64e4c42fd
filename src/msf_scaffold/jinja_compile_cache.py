"""Each Jinja source compiled once, however many copier runs use it.

copier renders every question's default, help, choices, ``when`` and validator from a string,
again each time an answer changes what they read, and Jinja compiles a string template anew on
every ``Environment.from_string`` (it caches only templates loaded by name). Rendering the
template's questions compiles about 1,450 strings of which about 290 differ, and compiling is
most of the time a generation takes. Within ``compiled_once()`` the compiled code of a source is
kept and reused by every environment with the same settings: Jinja's code generator reads from
an environment only its syntax and whitespace settings, its flags (async, optimised, autoescape,
finalize), its extensions and which filters and tests exist and what each is passed (the
constant folder calls filters too; copier makes each of its filters anew per run, from the same
function), so environments equal in those compile a source to the same code. Each copier run
makes a new environment: ``update`` (two runs) and a process that generates many projects (the
tests) reuse the code of earlier runs. The output is unchanged (the render tier's parity test of
``msf-scaffold new`` and plain ``copier copy`` checks it byte for byte). Outside the block Jinja is
untouched.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jinja2

_Key = tuple[str, str | None, str | None, bool, bool]
_Compile = Callable[..., Any]
#: What of an environment its code generator reads (``_settings``).
_Settings = tuple[object, ...]

_lock = threading.Lock()
_depth = 0
_original: _Compile | None = None
_settings_of: weakref.WeakKeyDictionary[jinja2.Environment, tuple[int, _Settings]] = (
    weakref.WeakKeyDictionary()
)
_compiled: dict[_Settings, dict[_Key, Any]] = {}


def _callables(named: dict[str, Any]) -> tuple[tuple[str, str, str, str], ...]:
    """Each filter or test by name, what it is passed and which function it is."""
    return tuple(
        sorted(
            (
                name,
                str(getattr(function, "jinja_pass_arg", "")),
                str(getattr(function, "__module__", "")),
                str(getattr(function, "__qualname__", type(function).__qualname__)),
            )
            for name, function in named.items()
        )
    )


def _settings(env: jinja2.Environment) -> _Settings:
    """The settings of ``env`` that the code it compiles depends on.

    Computed once per environment, and again if filters, tests or extensions were added since.
    """
    size = len(env.filters) + len(env.tests) + len(env.extensions)
    known = _settings_of.get(env)
    if known is not None and known[0] == size:
        return known[1]
    settings: _Settings = (
        type(env),
        env.code_generator_class,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape),
        None if env.finalize is None else _callables({"finalize": env.finalize}),
        tuple(sorted(env.extensions)),
        _callables(env.filters),
        _callables(env.tests),
    )
    _settings_of[env] = (size, settings)
    return settings


def _caching(original: _Compile) -> _Compile:
    def compile(  # noqa: PLR0917 - the signature of the method it stands for
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key: _Key = (source, name, filename, raw, defer_init)
        codes = _compiled.setdefault(_settings(self), {})
        if key not in codes:
            codes[key] = original(self, source, name, filename, raw, defer_init)
        return codes[key]

    return compile


@contextmanager
def compiled_once() -> Iterator[None]:
    """Within the block, a source is compiled once for all environments with the same settings."""
    global _depth, _original  # noqa: PLW0603 - one patch shared by nested and concurrent blocks
    with _lock:
        if _depth == 0:
            _original = jinja2.Environment.compile
            jinja2.Environment.compile = _caching(_original)  # type: ignore[method-assign]
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _original is not None:
                jinja2.Environment.compile = _original  # type: ignore[method-assign]
                _original = None
                _compiled.clear()
