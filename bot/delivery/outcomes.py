"""Group commit of delivery outcomes.

A finished delivery must be written down (row marked, lane reopened) before its lane can be
claimed again. One transaction per delivery made the database the bottleneck at a few
hundred deliveries a second, and on SQLite every one of them queued for the write lock.
Here outcomes that finish while a batch is being written wait and go together in the next
one: one transaction per batch, and no waiting at all when the worker is not busy.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.outbox import status
from core.outbox.status import Outcome

log = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5


class OutcomeRecorder:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, owner: str) -> None:
        self._sessions = sessions
        self._owner = owner
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outcome: Outcome) -> None:
        """Return once the outcome is stored, or given up on (its lease then runs out and
        the row is delivered again: at-least-once)."""
        stored = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        await stored

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([outcome for outcome, _ in batch])
            finally:
                for _, stored in batch:
                    if not stored.done():
                        stored.set_result(None)

    async def _write(self, outcomes: list[Outcome]) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                async with self._sessions.begin() as session:
                    applied = await status.record(session, owner=self._owner, outcomes=outcomes)
            except Exception as err:  # database hiccup: the leases expire if we never get back
                log.warning(
                    "recording %d delivery outcome(s) failed: %s", len(outcomes), type(err).__name__
                )
                await asyncio.sleep(0.2 * 2**attempt)
                continue
            if applied < len(outcomes):
                log.info(
                    "%d of %d delivery outcome(s) dropped: their leases were lost",
                    len(outcomes) - applied,
                    len(outcomes),
                )
            return
