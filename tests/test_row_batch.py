"""Row batches (`core.row_batch`) and reserved ids (`core.row_ids`), on each database.

A batch is one statement on PostgreSQL (JSON recordsets in data-modifying CTEs) and one
executemany per table on SQLite; these tests read the rows back through the ORM and check
that both store exactly what the rows said, in every column type the models use.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import delete, make_url, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import row_ids
from core.models import (
    AuditEntry,
    Base,
    OutboxMessage,
    OutboxStatus,
    Ticket,
    TicketInvolvedOrg,
    TicketTag,
    TicketThread,
    User,
)
from core.outbox.signal import CHANNEL
from core.row_batch import RowBatch, write
from core.services import tickets
from core.services.loading import load_ticket
from tests.support.world import World, build_world

NOW = datetime(2026, 11, 30, 12, 34, 56, 789012, tzinfo=UTC)


def _ticket_row(world: World, ticket_id: int) -> dict[str, object]:
    return {
        "id": ticket_id,
        "title": "Batch 'quoted' \"title\" – ünïcode",
        "description": "line one\nline two\t{not json}",
        "severity": "high",
        "stage": "queued",
        "owner_id": world.user_ids["nina"],
        "requester_org_id": world.org_ids["contoso"],
        "assigned_org_id": world.org_ids["northwind"],
        "created_by_id": world.user_ids["carl"],
        "modified_by_id": world.user_ids["carl"],
        "source_channel": "api",
        "needs_response": True,
        "target_close_date": date(2027, 1, 31),
        "custom_attributes": {"nested": {"list": [1, "two", None, True]}, "n": 1.5},
        "created_at": NOW,
        "modified_at": NOW,
    }


async def _reserve(session: AsyncSession, counts: dict[type[Base], int]) -> row_ids.Ids:
    """Ids of a reservation evaluated by a statement of its own."""
    plan = row_ids.reservation(session.get_bind().dialect.name, counts)
    return plan.ids((await session.execute(select(*plan.columns))).one())


async def _reserve_ticket_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions.begin() as session:
        return (await _reserve(session, {Ticket: 1}))[Ticket][0]


async def test_rows_read_back_exactly_as_written(sessions: async_sessionmaker[AsyncSession]):
    world = await build_world(sessions)
    ticket_id = await _reserve_ticket_id(sessions)
    batch = RowBatch()
    # Children before their parent: the batch orders tables by their foreign keys.
    batch.insert(
        TicketTag, [{"ticket_id": ticket_id, "tag": "b"}, {"ticket_id": ticket_id, "tag": "a"}]
    )
    batch.insert(Ticket, [_ticket_row(world, ticket_id)])
    batch.insert(
        TicketInvolvedOrg,
        [
            {"ticket_id": ticket_id, "org_id": world.org_ids["contoso"], "added_at": NOW},
            {"ticket_id": ticket_id, "org_id": world.org_ids["northwind"], "added_at": NOW},
        ],
    )
    async with sessions.begin() as session:
        await write(session, batch)

    async with sessions() as session:
        ticket = await session.get_one(Ticket, ticket_id)
        for key, value in _ticket_row(world, ticket_id).items():
            assert getattr(ticket, key) == value, key
        assert ticket.created_at.tzinfo is not None
        assert ticket.group_name is None  # left out, no default: NULL
        tags = await session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket_id))
        assert sorted(tags) == ["a", "b"]
        orgs = await session.scalars(
            select(TicketInvolvedOrg.org_id).where(TicketInvolvedOrg.ticket_id == ticket_id)
        )
        assert set(orgs) == {world.org_ids["contoso"], world.org_ids["northwind"]}


async def test_left_out_columns_get_their_python_defaults(
    sessions: async_sessionmaker[AsyncSession],
):
    await build_world(sessions)
    before = datetime.now(UTC)
    batch = RowBatch()
    # Rows of one table may name different columns: the others get defaults or NULL.
    batch.insert(
        OutboxMessage,
        [
            {"kind": "k", "dedupe_key": "one", "event_id": "e1", "bucket": "b", "payload": {}},
            {
                "kind": "k",
                "dedupe_key": "two",
                "event_id": "e2",
                "bucket": "b",
                "payload": {"a": [1]},
                "attempts": 3,
                "slack_user": "U1",
            },
        ],
    )
    async with sessions.begin() as session:
        await write(session, batch)
    async with sessions() as session:
        one, two = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert (one.status, one.attempts, one.slack_user, one.payload) == (
        OutboxStatus.PENDING,
        0,
        None,
        {},
    )
    assert (two.attempts, two.slack_user, two.payload) == (3, "U1", {"a": [1]})
    assert one.created_at >= before
    assert one.next_attempt_at >= before


async def test_updates_set_only_the_named_columns_of_the_keyed_rows(
    sessions: async_sessionmaker[AsyncSession],
):
    world = await build_world(sessions)
    nina, gus = world.user_ids["nina"], world.user_ids["gus"]
    batch = RowBatch()
    batch.update(User, [{"id": nina, "last_assigned_at": NOW}])
    batch.update(User, [{"id": gus, "last_assigned_at": NOW + timedelta(days=1)}])
    async with sessions.begin() as session:
        await write(session, batch)
    async with sessions() as session:
        assigned = {
            uid: at for uid, at in await session.execute(select(User.id, User.last_assigned_at))
        }
        names = {uid: name for uid, name in await session.execute(select(User.id, User.name))}
    assert assigned[nina] == NOW
    assert assigned[gus] == NOW + timedelta(days=1)
    assert {uid for uid, at in assigned.items() if at is not None} == {nina, gus}
    assert names[nina] == "Nina"


async def test_a_failing_batch_writes_nothing(sessions: async_sessionmaker[AsyncSession]):
    world = await build_world(sessions)
    ticket_id = await _reserve_ticket_id(sessions)
    batch = RowBatch()
    batch.insert(Ticket, [_ticket_row(world, ticket_id)])
    batch.insert(AuditEntry, [{"ticket_id": ticket_id, "action": "x", "actor_id": 10**6}])
    with pytest.raises(Exception, match=r"(?i)foreign key"):
        async with sessions.begin() as session:
            await write(session, batch)
    async with sessions() as session:
        assert await session.get(Ticket, ticket_id) is None


def test_bad_rows_are_refused_before_anything_is_sent():
    batch = RowBatch()
    with pytest.raises(ValueError, match="lack the primary key"):
        batch.update(User, [{"last_assigned_at": NOW}])
    with pytest.raises(ValueError, match="must all name the same columns"):
        batch.update(User, [{"id": 1, "name": "A"}, {"id": 2, "email": "b@example.com"}])
    assert batch.updates == {}


async def test_unknown_columns_and_naive_times_are_refused(
    sessions: async_sessionmaker[AsyncSession],
):
    world = await build_world(sessions)
    batch = RowBatch()
    batch.insert(TicketTag, [{"ticket_id": 1, "tag": "x", "colour": "red"}])
    async with sessions.begin() as session:
        with pytest.raises(ValueError, match=r"ticket_tags has no columns \['colour'\]"):
            await write(session, batch)
    naive = RowBatch()
    row = _ticket_row(world, 1) | {"created_at": datetime(2026, 1, 1)}
    naive.insert(Ticket, [row])
    async with sessions.begin() as session:
        with pytest.raises((ValueError, StatementError), match="naive datetimes"):
            await write(session, naive)


async def test_reserved_ids_are_fresh_and_never_handed_out_again(
    sessions: async_sessionmaker[AsyncSession],
):
    world = await build_world(sessions)
    async with sessions.begin() as session:
        first = await _reserve(session, {Ticket: 2, TicketThread: 0})
    assert first[TicketThread] == []
    low, high = first[Ticket]
    assert high == low + 1
    batch = RowBatch()
    batch.insert(Ticket, [_ticket_row(world, high)])
    async with sessions.begin() as session:
        await write(session, batch)
        await session.execute(delete(Ticket).where(Ticket.id == high))
    # A filed-then-deleted ticket's number is not reused, on either database.
    created = await world.act("carl", tickets.create, title="after the batch")
    assert created.id > high
    async with sessions.begin() as session:
        again = await _reserve(session, {Ticket: 1})
    assert again[Ticket][0] > created.id


async def test_created_ticket_is_the_one_a_fresh_load_sees(
    sessions: async_sessionmaker[AsyncSession],
):
    """`create` builds its ticket without reading it back: it must match the stored row,
    and leave the session with nothing further to write."""
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
