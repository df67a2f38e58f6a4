"""Waking delivery workers as soon as a transaction that queued deliveries commits.

`core.outbox.deliveries.enqueue` calls `wake_workers_at_commit`. On PostgreSQL that sends a
single `NOTIFY` per transaction (delivered at commit, to workers in any process); in every
database the session's `after_commit` then calls the in-process listeners.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

CHANNEL = "threadline_outbox"
_FLAG = "threadline_outbox_written"
_NOTIFY = text(f"NOTIFY {CHANNEL}")
_listeners: list[Callable[[], None]] = []


async def wake_workers_at_commit(session: AsyncSession) -> None:
    """Have the session's transaction wake the workers when it commits (once per transaction)."""
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_NOTIFY)


def add_listener(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every commit that queued deliveries; returns an unsubscriber."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback) if callback in _listeners else None


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        for callback in list(_listeners):
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
