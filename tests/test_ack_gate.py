"""`bot.slack.ack_gate`: work after ack() waits while other requests still await their ack."""

from __future__ import annotations

import asyncio
import time

from bot.slack.ack_gate import AckGate


async def test_quiet_returns_at_once_when_nothing_awaits_an_ack():
    gate = AckGate(max_wait=5.0)
    started = time.monotonic()
    await gate.quiet()
    assert time.monotonic() - started < 1.0


async def test_quiet_waits_for_the_last_request_of_a_burst():
    gate = AckGate(max_wait=5.0)
    first, second = gate.awaiting_ack(), gate.awaiting_ack()
    first.__enter__()
    second.__enter__()
    assert gate.awaiting == 2
    waiter = asyncio.create_task(gate.quiet())
    first.__exit__(None, None, None)
    await asyncio.sleep(0.05)
    assert not waiter.done()  # one request still awaits its ack
    second.__exit__(None, None, None)
    await asyncio.wait_for(waiter, 1.0)
    assert gate.awaiting == 0


async def test_a_request_that_fails_still_stops_awaiting():
    gate = AckGate(max_wait=5.0)
    try:
        with gate.awaiting_ack():
            raise RuntimeError("the handler failed")
    except RuntimeError:
        pass
    assert gate.awaiting == 0
    await asyncio.wait_for(gate.quiet(), 1.0)


async def test_a_steady_stream_never_starves_the_work():
    gate = AckGate(max_wait=0.1)
    with gate.awaiting_ack():
        started = time.monotonic()
        await asyncio.wait_for(gate.quiet(), 2.0)
        waited = time.monotonic() - started
    assert 0.09 <= waited < 1.5
