"""Acks before work: follow-up work waits while Slack requests are still waiting for their ack.

Slack wants every request acked within 3 s, and a user sees a slash command hang until it is.
An ack costs next to nothing; the work after it (queries, rendering, Web API calls) does not,
and on one event loop every step of that work delays any ack queued behind it. So when a
burst arrives, the whole burst is acked first and worked after. The wait is capped, so a
steady stream of requests never starves the work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

MAX_WAIT_S = 0.05


class AckGate:
    def __init__(self, max_wait: float = MAX_WAIT_S) -> None:
        self.max_wait = max_wait
        self._awaiting = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @property
    def awaiting(self) -> int:
        """Requests received and not yet acked."""
        return self._awaiting

    @contextlib.contextmanager
    def awaiting_ack(self) -> Iterator[None]:
        """Wrap the handling of one request, from its arrival until its ack is answered."""
        self._awaiting += 1
        self._quiet.clear()
        try:
            yield
        finally:
            self._awaiting -= 1
            if self._awaiting == 0:
                self._quiet.set()

    async def quiet(self) -> None:
        """Return once no request awaits its ack, or after `max_wait` at most."""
        if self._awaiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), self.max_wait)
