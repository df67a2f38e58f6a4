"""Listener work still running after its ack, so that shutting down lets it finish.

Bolt acks a request and then runs its listener in a task of its own, which nothing awaits.
A process that stopped without waiting would drop a user's action half done, with the
Slack side already told it arrived; and a transaction cut off mid-way keeps its locks until
the connection under it is collected. So every listener task is known from its start, and
`finish` waits for the ones still running, cancelling (and so rolling back) any that
overrun the deadline.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

# Listener work is a transaction and a few Web API calls: seconds at worst, with Slack slow.
FINISH_DEADLINE_S = 10.0


class ListenerWork(AsyncListenerStartHandler):
    """Bolt's listener-start hook, recording each listener task until it is done."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def attach(self, app: AsyncApp) -> None:
        app.listener_runner.listener_start_handler = self

    @property
    def running(self) -> int:
        return len(self._running)

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._running:
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def finish(self, deadline: float = FINISH_DEADLINE_S) -> None:
        """Wait for the listener work in flight; cancel what is left at the deadline.

        Call it once no more requests come in. A listener acked a moment ago may not have
        started yet, so the loop turns once before looking."""
        await asyncio.sleep(0)
        if not self._running:
            return
        _, overdue = await asyncio.wait(set(self._running), timeout=deadline)
        if overdue:
            log.warning(
                "cancelling %d Slack listener(s) still running after %.0f s", len(overdue), deadline
            )
            for task in overdue:
                task.cancel()
            await asyncio.gather(*overdue, return_exceptions=True)
