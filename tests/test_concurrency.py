"""Concurrent ticket creation: unique display ids and an even spread over the reps.

Each creation runs in its own session and transaction, as concurrent Slack requests would.
PostgreSQL is where several `serve` processes share a database, so the full load runs
there; SQLite gets a smaller burst through one engine (BEGIN IMMEDIATE + busy timeout).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import create_engine, create_sessionmaker, is_sqlite_url
from core.models import Ticket, User
from core.rules.stages import OPEN_STAGES
from core.services import tickets
from tests.support.world import World, build_world

EXTRA_REPS = ("rita", "raj", "rosa", "ravi")  # with nina: five reps in northwind


@pytest.fixture
async def wide_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine whose pool lets every concurrent transaction hold its own connection."""
    if is_sqlite_url(database_url):
        engine = create_engine(database_url)
    else:
        engine = create_engine(database_url, pool_size=20, max_overflow=40)
    yield engine
    await engine.dispose()


def _postgres_only(database_url: str) -> None:
    if is_sqlite_url(database_url):
        pytest.skip(
            "SQLite runs one writer at a time; the 50-way load is for PostgreSQL, where several "
            "processes share the database (SQLite has its own smaller test below)"
        )


def _sqlite_only(database_url: str) -> None:
    if not is_sqlite_url(database_url):
        pytest.skip("the BEGIN IMMEDIATE / busy-timeout path is SQLite's")


async def _world_with_five_reps(sessions: async_sessionmaker[AsyncSession]) -> World:
    world = await build_world(sessions)
    async with sessions.begin() as session:
        northwind = await world.org(session, "northwind")
        for name in EXTRA_REPS:
            user = User(
                email=f"{name}@northwind.example",
                name=name.capitalize(),
                org=northwind,
                is_support_rep=True,
            )
            session.add(user)
            await session.flush()
            world.user_ids[name] = user.id
    return world


async def _create_concurrently(world: World, count: int) -> list[tuple[str, int | None]]:
    """`count` creations by carl (contoso, routed to northwind), one transaction each."""

    async def create_one(i: int) -> tuple[str, int | None]:
        ticket = await world.act("carl", tickets.create, title=f"Concurrent ticket {i}")
        return ticket.display_id, ticket.owner_id

    return list(await asyncio.gather(*(create_one(i) for i in range(count))))


async def _open_tickets_per_rep(engine: AsyncEngine, world: World) -> dict[str, int]:
    names = {user_id: name for name, user_id in world.user_ids.items()}
    async with create_sessionmaker(engine)() as session:
        rows = await session.execute(
            select(Ticket.owner_id, func.count())
            .where(Ticket.stage.in_(OPEN_STAGES))
            .group_by(Ticket.owner_id)
        )
        return {names.get(owner, str(owner)) if owner else "nobody": n for owner, n in rows}


async def test_fifty_concurrent_creations_get_distinct_ids(
    database_url: str, wide_engine: AsyncEngine
) -> None:
    _postgres_only(database_url)
    world = await build_world(create_sessionmaker(wide_engine))
    created = await _create_concurrently(world, 50)
    ids = [display_id for display_id, _ in created]
    assert len(set(ids)) == 50, Counter(ids).most_common(3)
    assert all(display_id.startswith("TKT-") for display_id in ids)
    async with create_sessionmaker(wide_engine)() as session:
        stored = set(await session.scalars(select(Ticket.id)))
    assert {f"TKT-{n}" for n in stored} == set(ids)


async def test_concurrent_auto_assignment_stays_balanced(
    database_url: str, wide_engine: AsyncEngine
) -> None:
    _postgres_only(database_url)
    world = await _world_with_five_reps(create_sessionmaker(wide_engine))
    created = await _create_concurrently(world, 50)
    reps = {"nina", *EXTRA_REPS}
    assert {owner for _, owner in created} <= {world.user_ids[name] for name in reps}
    assert await _open_tickets_per_rep(wide_engine, world) == dict.fromkeys(reps, 10)


async def _waiting_for_a_lock(engine: AsyncEngine) -> None:
    """Return once some session of this database waits for a row lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        async with engine.connect() as conn:
            if await conn.scalar(waiting):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second creation never waited for the landing org's lock")


async def test_a_creation_that_waited_for_the_lock_reads_the_loads_again(
    database_url: str, wide_engine: AsyncEngine
) -> None:
    """The second creation's statement begins before the first commits, so its snapshot
    misses the first ticket; it must notice that once it holds the lock, or both tickets
    go to the same one of revampd's two idle reps."""
    _postgres_only(database_url)
    world = await build_world(create_sessionmaker(wide_engine))
    sessions = create_sessionmaker(wide_engine)
    async with sessions() as first_session:
        first = await tickets.create(
            first_session, actor=await world.user(first_session, "al"), title="First"
        )  # acme is self-serve: its tickets land in revampd, whose row this now locks
        second = asyncio.create_task(world.act("amy", tickets.create, title="Second"))
        await _waiting_for_a_lock(wide_engine)
        await first_session.commit()
    reps = {world.user_ids["ana"], world.user_ids["bob"]}
    assert {first.owner_id, (await second).owner_id} == reps


async def test_sqlite_concurrent_creations_queue_and_succeed(
    database_url: str, wide_engine: AsyncEngine
) -> None:
    """20 writers through one engine wait for the write lock instead of failing with BUSY."""
    _sqlite_only(database_url)
    world = await _world_with_five_reps(create_sessionmaker(wide_engine))
    created = await _create_concurrently(world, 20)
    ids = [display_id for display_id, _ in created]
    assert sorted(ids) == sorted(f"TKT-{n}" for n in range(1, 21))
    reps = {"nina", *EXTRA_REPS}
    assert await _open_tickets_per_rep(wide_engine, world) == dict.fromkeys(reps, 4)
