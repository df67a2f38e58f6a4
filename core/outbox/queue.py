"""Reading the outbox as a work queue (when the next row is due, what waits, what died),
and pruning what was delivered. Changes to deliveries are `core.outbox.status`'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DeliveryPacing, OutboxMessage, OutboxStatus, ProcessedEvent, utcnow
from core.outbox.deliveries import method_lane

RECEIPT_RETENTION = timedelta(days=1)


async def lane_open_at(session: AsyncSession, lane: str) -> datetime | None:
    """When `lane` opens, if it was ever paced."""
    return await session.scalar(
        select(DeliveryPacing.not_before).where(DeliveryPacing.lane == lane)
    )


async def method_open_at(session: AsyncSession, *, team: str, method: str) -> datetime | None:
    """Until when Slack paused `method` for the workspace, if it ever did."""
    return await lane_open_at(session, method_lane(team, method))


async def next_due_at(session: AsyncSession) -> datetime | None:
    """The earliest moment a row could be claimed: pending rows once due and their lane is
    open, rows in flight once their lease runs out. Drives the worker's sleep."""
    ready_at = case(
        (DeliveryPacing.not_before > OutboxMessage.next_attempt_at, DeliveryPacing.not_before),
        else_=OutboxMessage.next_attempt_at,
    )
    pending = await session.scalar(
        select(func.min(ready_at))
        .select_from(OutboxMessage)
        .outerjoin(DeliveryPacing, DeliveryPacing.lane == OutboxMessage.lane)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    leased = await session.scalar(
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == OutboxStatus.SENDING
        )
    )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


async def list_deliveries(
    session: AsyncSession, *, dead_only: bool = False, limit: int = 100
) -> list[OutboxMessage]:
    query = select(OutboxMessage)
    if dead_only:
        query = query.where(OutboxMessage.status == OutboxStatus.DEAD)
    else:
        query = query.where(OutboxMessage.status != OutboxStatus.SENT)
    return list(await session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


async def prune(session: AsyncSession, *, sent_before: datetime) -> int:
    """Delete delivered rows older than the retention period, and stale receipts and lanes."""
    result = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < sent_before
        )
    )
    now = utcnow()
    await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.received_at < now - RECEIPT_RETENTION)
    )
    await session.execute(
        delete(DeliveryPacing).where(DeliveryPacing.not_before < now - timedelta(hours=1))
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class QueueStats:
    pending: int
    oldest_pending_at: datetime | None
    dead: int


async def stats(session: AsyncSession) -> QueueStats:
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    pending, oldest = (
        await session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(waiting)
            )
        )
    ).one()
    dead = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD)
    )
    return QueueStats(pending=int(pending), oldest_pending_at=oldest, dead=int(dead or 0))
