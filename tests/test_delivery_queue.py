"""The outbox as a work queue, on both databases: claiming ahead of a lane's opening,
recording outcomes in batches, and lookups that do not queue behind writers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import event, insert, select, text, update

from bot.delivery.outcomes import OutcomeRecorder
from core.db import read_only_sessions
from core.models import OutboxMessage, OutboxStatus, utcnow
from core.outbox import queue as delivery_queue
from core.outbox import status as delivery_status
from core.outbox.status import Outcome
from tests.support.delivery_helpers import channel_rows

LEASE = timedelta(seconds=30)


async def _rows(sessions, count, channels):
    async with sessions.begin() as session:
        await session.execute(insert(OutboxMessage), channel_rows(count, channels))


async def _claim(sessions, *, owner="w1", limit=50, ahead=timedelta(0)):
    async with sessions.begin() as session:
        return await delivery_status.claim(
            session, owner=owner, limit=limit, lease=LEASE, ahead=ahead
        )


async def _statuses(sessions):
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.id, OutboxMessage.status))
        return dict(rows.tuples().all())


async def test_claim_ahead_takes_lanes_opening_soon_and_says_when(sessions):
    await _rows(sessions, 3, ["C0SOON", "C0LATER", "C0OPEN"])
    now = utcnow()
    soon = now + timedelta(milliseconds=400)  # still ahead once both claims ran, on a busy box
    async with sessions.begin() as session:
        await delivery_status.set_lanes(
            session, {"T0PLAT:C0SOON": soon, "T0PLAT:C0LATER": now + timedelta(seconds=5)}
        )
    without_ahead = await _claim(sessions)
    assert {c.row.slack_channel for c in without_ahead} == {"C0OPEN"}
    assert without_ahead[0].not_before <= utcnow()

    ahead = await _claim(sessions, owner="w2", ahead=timedelta(milliseconds=1500))
    assert [c.row.slack_channel for c in ahead] == ["C0SOON"]
    # Claimed early, but not to be posted before its lane opens.
    assert abs(ahead[0].not_before - soon) < timedelta(milliseconds=5)


async def test_record_applies_only_outcomes_whose_lease_is_still_held(sessions):
    await _rows(sessions, 2, ["C0A", "C0B"])
    kept, lost = await _claim(sessions)
    async with sessions.begin() as session:  # the lease ran out and another worker took it
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == lost.row.id).values(lease_owner="w2")
        )
    reopen = utcnow() + timedelta(seconds=1)
    outcomes = [
        Outcome(row_id=c.row.id, lane=c.row.lane, status=OutboxStatus.SENT, lane_open_at=reopen)
        for c in (kept, lost)
    ]
    async with sessions.begin() as session:
        applied = await delivery_status.record(session, owner="w1", outcomes=outcomes)
    assert applied == 1
    assert await _statuses(sessions) == {
        kept.row.id: OutboxStatus.SENT,
        lost.row.id: OutboxStatus.SENDING,
    }
    async with sessions() as session:
        assert await delivery_queue.lane_open_at(session, kept.row.lane) == reopen


async def test_retry_outcome_keeps_its_attempt_count_and_time(sessions):
    await _rows(sessions, 2, ["C0A", "C0B"])
    limited, failed = await _claim(sessions)
    later = utcnow() + timedelta(seconds=60)
    outcomes = [
        Outcome(
            row_id=limited.row.id,
            lane=limited.row.lane,
            status=OutboxStatus.PENDING,
            lane_open_at=later,
            next_attempt_at=later,
            error="ratelimited",
            counts_attempt=False,
        ),
        Outcome(
            row_id=failed.row.id,
            lane=failed.row.lane,
            status=OutboxStatus.PENDING,
            lane_open_at=utcnow(),
            next_attempt_at=later,
            error="service_unavailable",
        ),
    ]
    async with sessions.begin() as session:
        assert await delivery_status.record(session, owner="w1", outcomes=outcomes) == 2
    async with sessions() as session:
        rows = {r.id: r for r in await session.scalars(select(OutboxMessage))}
    assert (rows[limited.row.id].attempts, rows[failed.row.id].attempts) == (0, 1)
    assert rows[limited.row.id].next_attempt_at == later
    assert rows[failed.row.id].last_error == "service_unavailable"
    assert rows[failed.row.id].lease_owner is None
    assert rows[failed.row.id].sent_at is None


async def test_outcomes_finishing_together_are_written_in_one_transaction(engine, sessions):
    await _rows(sessions, 20, [f"C0{i:02d}" for i in range(20)])
    claims = await _claim(sessions)
    assert len(claims) == 20
    commits = []
    event.listen(engine.sync_engine, "commit", lambda conn: commits.append(conn))
    recorder = OutcomeRecorder(sessions, owner="w1")
    await asyncio.gather(
        *(
            recorder.record(
                Outcome(
                    row_id=c.row.id,
                    lane=c.row.lane,
                    status=OutboxStatus.SENT,
                    lane_open_at=utcnow(),
                )
            )
            for c in claims
        )
    )
    # Every caller returned once its outcome was stored...
    assert set((await _statuses(sessions)).values()) == {OutboxStatus.SENT}
    # ...and they shared transactions: all in one, or the first alone and the rest together.
    assert 1 <= len(commits) <= 2


async def test_read_only_sessions_do_not_wait_for_a_writer(sessions):
    await _rows(sessions, 1, ["C0A"])
    reads = read_only_sessions(sessions)
    async with sessions.begin() as writer:
        await writer.execute(update(OutboxMessage).values(attempts=7))  # holds the write lock
        async with reads() as reader:
            seen = await asyncio.wait_for(reader.scalar(select(OutboxMessage.attempts)), timeout=2)
        assert seen == 0  # the committed state, not the writer's
    async with reads() as reader:
        assert await reader.scalar(text("SELECT attempts FROM outbox")) == 7
