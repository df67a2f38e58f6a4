"""What filing a ticket writes, read back through a fresh session, and when it wakes the
delivery workers (at commit, never for a rollback)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from sqlalchemy import make_url, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import OutboxMessage, Ticket, TicketThread, User
from core.outbox.signal import CHANNEL
from core.services import tickets
from core.services.loading import load_ticket
from tests.support.world import build_world


async def test_created_ticket_is_the_one_a_fresh_load_sees(
    sessions: async_sessionmaker[AsyncSession],
):
    """The returned ticket matches the stored row, and the session has nothing left to
    write."""
    world = await build_world(sessions)
    async with sessions.begin() as session:
        actor = await world.user(session, "carl")
        made = await tickets.create(
            session, actor=actor, title="Exact", tags=["b", "a"], part="Pump", group="Ops"
        )
        assert not session.new
        assert not session.dirty
        mine = {c.key: getattr(made, c.key) for c in Ticket.__table__.columns}
        involved, tags, owner = made.involved_org_ids, made.tags, made.owner
    async with sessions() as session:
        stored = await load_ticket(session, actor=await world.user(session, "carl"), ticket=made.id)
        assert {c.key: getattr(stored, c.key) for c in Ticket.__table__.columns} == mine
        assert (stored.involved_org_ids, stored.tags) == (involved, tags)
        assert owner is not None
        assert stored.owner is not None
        assert stored.owner.id == owner.id
        rep = await session.get_one(User, owner.id)
        assert rep.last_assigned_at == made.created_at


async def test_each_thread_of_a_new_ticket_is_opened_by_one_delivery_in_its_lane(
    sessions: async_sessionmaker[AsyncSession],
):
    world = await build_world(sessions)
    made = await world.act("carl", tickets.create, title="Threads")
    async with sessions() as session:
        threads = await session.scalars(
            select(TicketThread).where(TicketThread.ticket_id == made.id)
        )
        expected = {(t.id, f"{t.slack_team}:{t.slack_channel}") for t in threads}
        opens = await session.execute(
            select(OutboxMessage.payload, OutboxMessage.lane).where(
                OutboxMessage.kind == "thread.open"
            )
        )
        found = [(payload["thread_id"], lane) for payload, lane in opens]
    assert len(expected) == 2  # contoso's and northwind's ticket channels
    assert sorted(found) == sorted(expected)


async def test_a_deleted_tickets_number_is_not_handed_out_again(
    sessions: async_sessionmaker[AsyncSession],
):
    world = await build_world(sessions)
    first = await world.act("carl", tickets.create, title="Going away")
    async with sessions.begin() as session:
        await session.delete(await session.get_one(Ticket, first.id))
    second = await world.act("carl", tickets.create, title="Next")
    assert second.id > first.id


@pytest.mark.parametrize("commit", [True, False])
async def test_a_creation_wakes_listening_workers_only_when_it_commits(
    database_url: str, sessions: async_sessionmaker[AsyncSession], commit: bool
):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite wakes workers in process")
    world = await build_world(sessions)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener:
        await listener.execute(f"LISTEN {CHANNEL}")
        async with sessions() as session:
            await tickets.create(session, actor=await world.user(session, "carl"), title="Hi")
            await (session.commit() if commit else session.rollback())

        async def first() -> str:
            async for note in listener.notifies():
                return note.channel
            return ""

        if commit:
            assert await asyncio.wait_for(first(), timeout=5) == CHANNEL
        else:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(first(), timeout=0.5)
