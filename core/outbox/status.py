"""Every change the delivery side makes: claims, outcomes, lane openings, and what a
delivered row leaves behind. The worker and its senders call these; they write no SQL.

Workers `claim` in a short transaction and commit before talking to Slack, so no row lock
is held during a Web API call. A claimed row is leased: if its worker dies, the lease runs
out and the row is due again (at-least-once delivery).

Pacing is shared through `delivery_pacing`: a claimed row blocks its lane for the lease;
its outcome says when the lane opens again (about the per-channel interval after the post,
or after Slack's `Retry-After`). A claim may take rows whose lane opens soon (`ahead`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    DeliveryPacing,
    MessageCopy,
    OutboxMessage,
    OutboxStatus,
    SlackDMChannel,
    TicketThread,
    utcnow,
)
from core.outbox.deliveries import DeliveryKind, method_lane

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _due(now: datetime, soon: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= soon),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
    )


@dataclass(frozen=True)
class Claim:
    """A leased row. `uncertain`: its previous worker lost the lease mid-delivery, so that
    attempt may have reached Slack; the sender checks before posting again. `not_before`:
    the row (claimed ahead) must not be posted before then: its lane's opening, or its
    retry time."""

    row: OutboxMessage
    uncertain: bool
    not_before: datetime


async def claim(
    session: AsyncSession,
    *,
    owner: str,
    limit: int,
    lease: timedelta,
    now: datetime | None = None,
    ahead: timedelta = timedelta(0),
) -> list[Claim]:
    """Lease up to `limit` rows due within `ahead`, at most one per lane open by then,
    oldest first. Claiming a little ahead takes the claim off a busy lane's critical path:
    the worker waits out the rest, then posts the moment the lane opens."""
    now = now or utcnow()
    soon = now + ahead
    lane_closed = exists().where(
        DeliveryPacing.lane == OutboxMessage.lane, DeliveryPacing.not_before > soon
    )
    oldest_per_lane = (
        select(func.min(OutboxMessage.id))
        .where(_due(now, soon), ~lane_closed)
        .group_by(OutboxMessage.lane)
        .order_by(func.min(OutboxMessage.id))
        .limit(limit)
    )
    rows = list(
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(oldest_per_lane), _due(now, soon))
            .order_by(OutboxMessage.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return []
    # Another worker may have claimed a different row of the same lane from its own
    # snapshot; the lane row lock (taken in lane order, so claimers never deadlock) and a
    # fresh look at its time make one lane one claim.
    lanes = sorted({row.lane for row in rows})
    await session.execute(
        _insert_for(session)(DeliveryPacing)
        .values([{"lane": lane, "not_before": EPOCH} for lane in lanes])
        .on_conflict_do_nothing(index_elements=[DeliveryPacing.lane])
    )
    lane_times = await session.execute(
        select(DeliveryPacing.lane, DeliveryPacing.not_before)
        .where(DeliveryPacing.lane.in_(lanes), DeliveryPacing.not_before <= soon)
        .order_by(DeliveryPacing.lane)
        .with_for_update(skip_locked=True)
    )
    open_lanes = {lane: opens_at for lane, opens_at in lane_times}
    claims = [
        Claim(
            row,
            uncertain=row.status == OutboxStatus.SENDING,
            not_before=max(open_lanes[row.lane], row.next_attempt_at, now),
        )
        for row in rows
        if row.lane in open_lanes
    ]
    until = now + lease
    for claimed in claims:
        claimed.row.status = OutboxStatus.SENDING
        claimed.row.lease_until = until
        claimed.row.lease_owner = owner
    await session.flush()
    await set_lanes(session, {c.row.lane: until for c in claims})
    return claims


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT, which offers ON CONFLICT on both supported databases."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def set_lanes(session: AsyncSession, lanes: Mapping[str, datetime]) -> None:
    """Upsert when each lane opens (one statement; PostgreSQL and SQLite share ON CONFLICT)."""
    if not lanes:
        return
    statement = _insert_for(session)(DeliveryPacing).values(
        [{"lane": lane, "not_before": when} for lane, when in sorted(lanes.items())]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DeliveryPacing.lane],
            set_={"not_before": statement.excluded.not_before},
        )
    )


async def pause_method(session: AsyncSession, *, team: str, method: str, until: datetime) -> None:
    """Slack rate-limited `method` for the workspace: no worker calls it before `until`."""
    await set_lanes(session, {method_lane(team, method): until})


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed row; `lane_open_at` reopens its lane."""

    row_id: int
    lane: str
    status: OutboxStatus
    lane_open_at: datetime
    next_attempt_at: datetime | None = None
    error: str | None = None
    counts_attempt: bool = True


_OUTBOX_TABLE = cast(Table, OutboxMessage.__table__)
_OUTBOX = _OUTBOX_TABLE.c
# One statement for every outcome, so a batch goes to the database as one executemany.
_RECORD_OUTCOME = (
    update(_OUTBOX_TABLE)
    .where(
        _OUTBOX.id == bindparam("row_id"),
        _OUTBOX.lease_owner == bindparam("owner"),  # only while this worker holds the lease
        _OUTBOX.status == OutboxStatus.SENDING,
    )
    .values(
        status=bindparam("new_status"),
        lease_until=None,
        lease_owner=None,
        last_error=bindparam("error"),
        attempts=_OUTBOX.attempts + bindparam("counted", type_=Integer),
        sent_at=bindparam("sent_at"),
        next_attempt_at=func.coalesce(
            bindparam("retry_at", type_=_OUTBOX.next_attempt_at.type), _OUTBOX.next_attempt_at
        ),
    )
)


async def record(session: AsyncSession, *, owner: str, outcomes: Sequence[Outcome]) -> int:
    """Apply outcomes of rows this worker still holds (one statement, one lane upsert);
    returns how many applied: a row whose lease was lost keeps its new owner's state."""
    if not outcomes:
        return 0
    now = utcnow()
    result = await session.execute(
        _RECORD_OUTCOME,
        [
            {
                "row_id": outcome.row_id,
                "owner": owner,
                "new_status": outcome.status,
                "error": outcome.error,
                "counted": int(outcome.counts_attempt),
                "sent_at": now if outcome.status == OutboxStatus.SENT else None,
                "retry_at": outcome.next_attempt_at,
            }
            for outcome in outcomes
        ],
    )
    lanes: dict[str, datetime] = {}
    for outcome in outcomes:
        lanes[outcome.lane] = max(lanes.get(outcome.lane, EPOCH), outcome.lane_open_at)
    await set_lanes(session, lanes)
    return _count(result)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)  # rows an UPDATE matched


async def coalesce_pending(session: AsyncSession, delivered: OutboxMessage) -> None:
    """Mark as sent the pending rows that `delivered` covers: later App Home refreshes of
    its user, or later card updates of its thread (a sender renders the latest state)."""
    covered = [
        OutboxMessage.kind == delivered.kind,
        OutboxMessage.lane == delivered.lane,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.id != delivered.id,
    ]
    if delivered.kind == DeliveryKind.CARD_UPDATE:
        thread_id = int(delivered.payload["thread_id"])
        covered.append(OutboxMessage.payload["thread_id"].as_integer() == thread_id)
    elif delivered.kind != DeliveryKind.HOME_REFRESH:
        raise ValueError(f"{delivered.kind} deliveries do not cover one another")
    await session.execute(
        update(OutboxMessage)
        .where(*covered)
        .values(status=OutboxStatus.SENT, sent_at=utcnow(), last_error="coalesced")
    )


async def thread_posted(session: AsyncSession, *, thread_id: int, ts: str) -> None:
    """The thread's root card is posted: replies and relays go under `ts` from now on."""
    await session.execute(
        update(TicketThread).where(TicketThread.id == thread_id).values(thread_ts=ts)
    )


async def copy_posted(session: AsyncSession, *, copy_id: int, ts: str) -> None:
    """A relayed copy is posted: its edits, deletes and reactions follow it to `ts`."""
    await session.execute(update(MessageCopy).where(MessageCopy.id == copy_id).values(ts=ts))


async def remember_dm_channel(
    session: AsyncSession, *, team: str, slack_user: str, channel: str
) -> None:
    """Cache `conversations.open` (rate tier 3) for every worker."""
    await session.merge(SlackDMChannel(slack_team=team, slack_user=slack_user, channel=channel))


# -- operators ------------------------------------------------------------------------------


async def retry_dead(session: AsyncSession, *, ids: Iterable[int] | None = None) -> int:
    """Put dead rows (all, or the given ids) back in the queue with a fresh attempt count."""
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    result = await session.execute(
        query.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    return _count(result)


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
    return _count(result)
