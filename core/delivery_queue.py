"""The outbox as a work queue: claim due rows, record outcomes, pace lanes, administer.

Workers call `claim` in a short transaction of their own and commit before talking to
Slack, so no row lock is held during a Web API call. A claimed row is leased: if its worker
dies, the lease runs out and the row is due again (at-least-once delivery).

Pacing is shared through `delivery_pacing`: a claimed row blocks its lane (channel or DM)
for the lease; when the call ends the lane opens again after the per-channel interval, or
after Slack's `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DeliveryPacing, OutboxMessage, OutboxStatus, ProcessedEvent, utcnow

RECEIPT_RETENTION = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
    )


@dataclass(frozen=True)
class Claim:
    """A leased row. `uncertain`: its previous worker lost the lease mid-delivery, so that
    attempt may have reached Slack; the sender checks before posting again."""

    row: OutboxMessage
    uncertain: bool


async def claim(
    session: AsyncSession, *, owner: str, limit: int, lease: timedelta, now: datetime | None = None
) -> list[Claim]:
    """Lease up to `limit` due rows, at most one per open lane, oldest first."""
    now = now or utcnow()
    lane_closed = exists().where(
        DeliveryPacing.key == OutboxMessage.bucket, DeliveryPacing.not_before > now
    )
    oldest_per_lane = (
        select(func.min(OutboxMessage.id))
        .where(_due(now), ~lane_closed)
        .group_by(OutboxMessage.bucket)
        .order_by(func.min(OutboxMessage.id))
        .limit(limit)
    )
    rows = list(
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(oldest_per_lane), _due(now))
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return []
    # Another worker may have claimed a different row of the same lane from its own
    # snapshot; the lane row lock (taken in key order, so claimers never deadlock) and a
    # fresh look at its time make one lane one claim.
    lanes = sorted({row.bucket for row in rows})
    insert = _insert_for(session)
    await session.execute(
        insert(DeliveryPacing)
        .values([{"key": key, "not_before": EPOCH} for key in lanes])
        .on_conflict_do_nothing(index_elements=[DeliveryPacing.key])
    )
    open_lanes = set(
        await session.scalars(
            select(DeliveryPacing.key)
            .where(DeliveryPacing.key.in_(lanes), DeliveryPacing.not_before <= now)
            .order_by(DeliveryPacing.key)
            .with_for_update(skip_locked=True)
        )
    )
    claims = [
        Claim(row, uncertain=row.status == OutboxStatus.SENDING)
        for row in rows
        if row.bucket in open_lanes
    ]
    until = now + lease
    for claimed in claims:
        claimed.row.status = OutboxStatus.SENDING
        claimed.row.lease_until = until
        claimed.row.lease_owner = owner
    await session.flush()
    await set_lanes(session, {c.row.bucket: until for c in claims})
    return claims


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on both supported databases."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def set_lanes(session: AsyncSession, lanes: Mapping[str, datetime]) -> None:
    """Upsert lane times (one statement); PostgreSQL and SQLite share the ON CONFLICT form."""
    if not lanes:
        return
    statement = _insert_for(session)(DeliveryPacing).values(
        [{"key": key, "not_before": when} for key, when in sorted(lanes.items())]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DeliveryPacing.key],
            set_={"not_before": statement.excluded.not_before},
        )
    )


async def lane_open_at(session: AsyncSession, key: str) -> datetime | None:
    return await session.scalar(select(DeliveryPacing.not_before).where(DeliveryPacing.key == key))


def _mine(row_id: int, owner: str) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.lease_owner == owner,
        OutboxMessage.status == OutboxStatus.SENDING,
    )


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed row; `lane_open_at` reopens its lane."""

    row_id: int
    bucket: str
    status: OutboxStatus
    lane_open_at: datetime
    next_attempt_at: datetime | None = None
    error: str | None = None
    counts_attempt: bool = True


async def record(session: AsyncSession, *, owner: str, outcome: Outcome) -> bool:
    """Apply an outcome if this worker still holds the lease; False if it lost it."""
    now = utcnow()
    values: dict[str, object] = {
        "status": outcome.status,
        "lease_until": None,
        "lease_owner": None,
        "last_error": outcome.error,
    }
    if outcome.counts_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    if outcome.status == OutboxStatus.SENT:
        values["sent_at"] = now
    if outcome.next_attempt_at is not None:
        values["next_attempt_at"] = outcome.next_attempt_at
    result = await session.execute(
        update(OutboxMessage).where(_mine(outcome.row_id, owner)).values(**values)
    )
    await set_lanes(session, {outcome.bucket: outcome.lane_open_at})
    return bool(getattr(result, "rowcount", 0))


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
        .outerjoin(DeliveryPacing, DeliveryPacing.key == OutboxMessage.bucket)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    leased = await session.scalar(
        select(func.min(OutboxMessage.lease_until)).where(
            OutboxMessage.status == OutboxStatus.SENDING
        )
    )
    times = [t for t in (pending, leased) if t is not None]
    return min(times) if times else None


# -- operators ------------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession, *, dead_only: bool = False, limit: int = 100
) -> list[OutboxMessage]:
    query = select(OutboxMessage)
    if dead_only:
        query = query.where(OutboxMessage.status == OutboxStatus.DEAD)
    else:
        query = query.where(OutboxMessage.status != OutboxStatus.SENT)
    return list(await session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


async def retry_dead(session: AsyncSession, *, ids: Iterable[int] | None = None) -> int:
    """Put dead rows (all, or the given ids) back in the queue with a fresh attempt count."""
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    result = await session.execute(
        query.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def requeue_dead_for_channel(session: AsyncSession, *, channel: str) -> int:
    """The bot joined a channel: deliveries that died for not being in it can go now.
    (A Slack Connect channel has one id in every workspace, so the id alone decides.)"""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.DEAD,
            OutboxMessage.slack_channel == channel,
            OutboxMessage.last_error.in_(["not_in_channel", "channel_not_found"]),
        )
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


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
