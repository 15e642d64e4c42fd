"""Each Jinja source compiled once per copier run.

copier renders every question's default, help, choices, ``when`` and validator from a string,
again each time an answer changes what they read, and Jinja compiles a string template anew on
every ``Environment.from_string`` (it caches only templates loaded by name). Rendering the
template's questions compiles about 1,450 strings of which about 290 differ, and compiling is
most of the time a generation takes. Within ``compiled_once()`` the compiled code of a source is
kept per Jinja environment and reused: the same environment compiles the same source to the
same code, so the output is unchanged (the render tier's parity test of ``msf-scaffold new``
and plain ``copier copy`` checks it byte for byte). Outside the block Jinja is untouched.
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

_lock = threading.Lock()
_depth = 0
_original: _Compile | None = None
_compiled: weakref.WeakKeyDictionary[jinja2.Environment, dict[_Key, Any]] = weakref.WeakKeyDictionary()


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
        codes = _compiled.setdefault(self, {})
        if key not in codes:
            codes[key] = original(self, source, name, filename, raw, defer_init)
        return codes[key]

    return compile


@contextmanager
def compiled_once() -> Iterator[None]:
    """Within the block, a Jinja environment compiles each source string once."""
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
