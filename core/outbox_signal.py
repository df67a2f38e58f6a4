"""Waking delivery workers as soon as a transaction that wrote outbox rows commits.

`mark_outbox_written` is called by whatever inserts outbox rows. On PostgreSQL it queues a
single `NOTIFY` per transaction (delivered at commit, to workers in any process); in every
database the session's `after_commit` then calls the in-process listeners. Rows written by
a `RowBatch` use `wake_delivery_with`, which puts the `NOTIFY` into the batch's statement.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.row_batch import RowBatch

CHANNEL = "threadline_outbox"
_FLAG = "threadline_outbox_written"
_listeners: list[Callable[[], None]] = []


async def mark_outbox_written(session: AsyncSession) -> None:
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"NOTIFY {CHANNEL}"))


def wake_delivery_with(session: AsyncSession, batch: RowBatch) -> None:
    """Like `mark_outbox_written`, for outbox rows in `batch`: no statement of its own."""
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    batch.notify_channel = CHANNEL


def add_listener(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every commit that wrote outbox rows; returns an unsubscriber."""
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
