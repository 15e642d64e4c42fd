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
    try:
        with scratch.signals_raise(), pytest.raises(scratch.Terminated) as stopped:
            loop.run_until_complete(a_question())
    finally:
        loop.close()
    assert (stopped.value.signum, stopped.value.name) == (sent, sent.name)


def test_left_uncaught_it_exits_with_the_shells_code_for_the_signal() -> None:
    stop = scratch.Terminated(signal.SIGTERM)
    assert stop.code == 128 + signal.SIGTERM
    assert str(stop) == "SIGTERM"
