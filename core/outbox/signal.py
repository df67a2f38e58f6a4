"""Queueing deliveries, and waking delivery workers as soon as their transaction commits.

Every outbox row is added to a `RowBatch` by `queue_deliveries`. On PostgreSQL the batch's
statement then carries a single `NOTIFY` per transaction (delivered at commit, to workers
in any process); in every database the session's `after_commit` calls the in-process
listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.models import OutboxMessage
from core.row_batch import RowBatch

CHANNEL = "threadline_outbox"
_FLAG = "threadline_outbox_written"
_listeners: list[Callable[[], None]] = []


def queue_deliveries(
    session: AsyncSession, batch: RowBatch, rows: Sequence[dict[str, Any]]
) -> None:
    """Add outbox rows to `batch`, and have the session's transaction wake the workers."""
    if not rows:
        return
    batch.insert(OutboxMessage, rows)
    if not session.info.get(_FLAG):
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
