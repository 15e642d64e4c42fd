"""Within ``compiled_once()``, each source is compiled once for every Jinja environment with the same
settings; outside, Jinja is as shipped."""

from __future__ import annotations

import subprocess
import sys

import jinja2

from msf_scaffold.jinja_compile_cache import compiled_once

SOURCE = "{% for x in items %}{{ x | upper }}{% endfor %}"


def test_an_environment_reuses_the_code_of_a_source_it_compiled_and_renders_the_same() -> None:
    plain = jinja2.Environment()
    expected = plain.from_string(SOURCE).render(items=["a", "b"])
    with compiled_once():
        env = jinja2.Environment()
        first, second = env.compile(SOURCE), env.compile(SOURCE)
        assert first is second
        assert env.from_string(SOURCE).render(items=["a", "b"]) == expected == "AB"
        # Another name or filename is another compilation (it ends up in tracebacks).
        assert env.compile(SOURCE, name="other.txt") is not first
        # raw=True returns the Python source, kept apart from the code object.
        assert isinstance(env.compile(SOURCE, raw=True), str)


def test_environments_do_not_share_code_since_their_settings_change_it() -> None:
    with compiled_once():
        braces = jinja2.Environment()
        brackets = jinja2.Environment(variable_start_string="[[", variable_end_string="]]")
        source = "[[ x ]]{{ x }}"
        assert braces.compile(source) is not brackets.compile(source)
        assert braces.from_string(source).render(x=1) == "[[ x ]]1"
        assert brackets.from_string(source).render(x=1) == "1{{ x }}"


def test_environments_with_equal_settings_share_code_as_each_copier_run_makes_a_new_one() -> None:
    with compiled_once():
        first, second = jinja2.Environment(), jinja2.Environment()
        assert first.compile(SOURCE) is second.compile(SOURCE)
        assert second.from_string(SOURCE).render(items=["a"]) == "A"


def test_a_filter_that_is_passed_other_arguments_or_is_another_function_gets_its_own_code() -> None:
    source = "{{ x | shout }}"

    def shout(value: str) -> str:
        return value.upper()

    @jinja2.pass_context
    def shout_in_context(context: jinja2.runtime.Context, value: str) -> str:
        return f"{value.upper()}{context.get('mark', '')}"

    def whisper(value: str) -> str:
        return value.lower()

    with compiled_once():
        environments = [jinja2.Environment() for _ in range(4)]
        for env, function in zip(environments, [shout, shout_in_context, whisper, shout], strict=True):
            env.filters["shout"] = function
        codes = [env.compile(source) for env in environments]
        assert codes[0] is codes[3]
        assert len({id(code) for code in codes[:3]}) == 3
        rendered = [env.from_string(source).render(x="Ab", mark="!") for env in environments]
        assert rendered == ["AB", "AB!", "ab", "AB"]
        # A filter added after the first compilation is seen.
        environments[0].filters["other"] = whisper
        assert environments[0].compile(source) is not codes[0]


def test_a_syntax_error_is_raised_every_time_and_not_kept() -> None:
    with compiled_once():
        env = jinja2.Environment()
        for _ in range(2):
            try:
                env.compile("{% if %}")
            except jinja2.TemplateSyntaxError:
                pass
            else:
                raise AssertionError("the syntax error was not raised")


def test_outside_the_block_jinja_compiles_anew_and_nested_blocks_restore_it_once() -> None:
    # The tests run inside compiled_once() (tests/conftest.py), so this runs in a fresh interpreter.
    program = f"""
import jinja2
from msf_scaffold.jinja_compile_cache import compiled_once
original = jinja2.Environment.compile
env = jinja2.Environment()
assert env.compile({SOURCE!r}) is not env.compile({SOURCE!r})
with compiled_once():
    patched = jinja2.Environment.compile
    assert patched is not original
    with compiled_once():
        assert jinja2.Environment.compile is patched
    assert jinja2.Environment.compile is patched
    assert env.compile({SOURCE!r}) is env.compile({SOURCE!r})
assert jinja2.Environment.compile is original
assert env.compile({SOURCE!r}) is not env.compile({SOURCE!r})
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "ok", result.stderr
