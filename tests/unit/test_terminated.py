"""A terminating signal turned into :class:`Terminated` reaches the cleanup wherever it lands.

The prompt library runs the questions on an asyncio loop. asyncio hands any BaseException raised
in a callback, other than SystemExit and KeyboardInterrupt, to the loop's exception handler, and
the prompt library's handler prints it and waits for Enter: a run stopped by SIGHUP would hang. The
signal lands in a callback or in the idle wait by chance; these tests put it in the callback.
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from msf_scaffold import scratch


def _loop_reports_nothing(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    pytest.fail(f"the loop's exception handler got the signal: {context}")


@pytest.mark.parametrize("sent", scratch.TERMINATING, ids=lambda s: s.name)
def test_a_signal_in_an_event_loop_callback_leaves_the_loop(sent: signal.Signals) -> None:
    async def a_question() -> None:
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), sent)  # the handler runs in it
        await asyncio.sleep(5)

    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_loop_reports_nothing)
    # As in a user's terminal: a run started with nohup (or in the background) inherits SIGHUP
    # ignored, and signals_raise rightly keeps an ignored signal ignored.
    inherited = signal.signal(sent, signal.SIG_DFL)
    try:
        with scratch.signals_raise(), pytest.raises(scratch.Terminated) as stopped:
            loop.run_until_complete(a_question())
    finally:
        signal.signal(sent, inherited)
        loop.close()
    assert (stopped.value.signum, stopped.value.name) == (sent, sent.name)


def test_an_ignored_signal_stays_ignored() -> None:
    """`nohup msf-scaffold new` ignores SIGHUP: the run goes on when the terminal closes."""
    inherited = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with scratch.signals_raise():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, inherited)


def test_left_uncaught_it_exits_with_the_shells_code_for_the_signal() -> None:
    stop = scratch.Terminated(signal.SIGTERM)
    assert stop.code == 128 + signal.SIGTERM
    assert str(stop) == "SIGTERM"
