"""Receipts of inbound events, so a redelivered event has exactly one effect.

Call `first_time` in the transaction of the event's effect: the receipts commit (or roll
back) with it, so a lost first delivery leaves no receipt and its retry still counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ProcessedEvent, utcnow


async def first_time(session: AsyncSession, keys: Iterable[str]) -> bool:
    """Record every key; True only if none of them was seen before."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return True
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    inserted = await session.scalars(
        insert(ProcessedEvent)
        .values([{"key": key, "received_at": now} for key in wanted])
        .on_conflict_do_nothing(index_elements=[ProcessedEvent.key])
        .returning(ProcessedEvent.key)
    )
    return len(list(inserted)) == len(wanted)
