"""Benchmark of the core ticket service on a realistically sized database.

On SQLite (a temp file) and PostgreSQL (scratch database `threadline_bench` on `--pg-url`):
migrate, bulk-seed with SQLAlchemy Core (`bench.seeding`), settle the heap as `serve` does
(`bot.heap`), then print p50/p99 ms of `queries.show`, `list_tickets` and `search`, each in
its own committed transaction like a request (timer: the service call only), against the
target p99 < 10 ms on PostgreSQL; p50/p99 ms of `tickets.create` (with audit, notification
and outbox rows), each its own transaction, timed to the end of COMMIT, against the targets
p99 < 25 ms on PostgreSQL and < 40 ms on SQLite; and the statements per create (from a
`before_cursor_execute` listener) with their mean times. Asserts nothing:

    .venv/bin/python -m bench.core_bench [--db sqlite|postgresql|both] [--tickets 100000]
        [--orgs 200] [--samples 300] [--pg-url URL]
"""

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.measure import DEFAULT_PG_URL, SqlRecorder, each_database, pct
from bench.seeding import PLATFORM_ID, PROBLEMS, SUBJECTS, TAGS, World, seed
from bot.heap import settle_heap
from core import schema
from core.db import create_engine, create_sessionmaker
from core.models import User
from core.rules.filters import TicketFilter
from core.rules.stages import State
from core.services import queries, tickets

SCRATCH_DB = "threadline_bench"
WARMUP = 20  # untimed calls before each series
ROUND_TRIP = "round trip (SELECT 1)"
ONE = text("SELECT 1")
CREATE_P99_TARGET_MS = {"postgresql": 25.0, "sqlite": 40.0}


ReadCall = Callable[[AsyncSession, User], Awaitable[Any]]


@dataclass
class Results:
    """The figures of one database, and how they are printed."""

    db: str
    seed_s: float = 0.0
    reads: dict[str, list[float]] = field(default_factory=dict)
    create_ms: list[float] = field(default_factory=list)
    commit_ms: list[float] = field(default_factory=list)  # the COMMIT part of create_ms
    stats: dict[str, list[float]] = field(default_factory=dict)  # of SqlRecorder

    def print_table(self) -> None:
        def line(name: str, times: list[float], note: str) -> str:
            return f"{name:<24}{len(times):>5}{pct(times, 50):>9.2f}{pct(times, 99):>9.2f}  {note}"

        print(f"\n=== {self.db}: seeded in {self.seed_s:.0f} s ===")
        print(f"{'operation':<24}{'n':>5}{'p50 ms':>9}{'p99 ms':>9}  target / note")
        floor = pct(self.reads[ROUND_TRIP], 50)
        for name, times in self.reads.items():
            ok = ("OK" if pct(times, 99) < 10 else "MISS") if self.db == "postgresql" else "n/a"
            target = f"PG p99 < 10 ms: {ok}, " if name.startswith(("show", "list", " ")) else ""
            print(line(name, times, f"{target}p50 = {pct(times, 50) / floor:.0f} round trips"))
        target = CREATE_P99_TARGET_MS[self.db]
        ok = "OK" if pct(self.create_ms, 99) < target else "MISS"
        mean = statistics.mean(self.create_ms)
        print(
            line("tickets.create", self.create_ms, f"p99 < {target:.0f} ms: {ok}, mean {mean:.2f}")
        )

    def print_profile(self) -> None:
        n = len(self.create_ms)
        statements = sum(count for count, _ in self.stats.values()) / n
        sql = sum(seconds for _, seconds in self.stats.values()) * 1000 / n
        commit, total = statistics.mean(self.commit_ms), statistics.mean(self.create_ms)
        print(f"tickets.create: {statements:.1f} statements, mean {total:.2f} ms = SQL {sql:.2f}"
              f" + COMMIT {commit:.2f} + Python/ORM/driver {total - sql - commit:.2f}")  # fmt: skip
        print("  per create  mean ms  statement")
        for label, (count, seconds) in self.stats.items():
            print(f"  {count / n:10.1f} {seconds * 1000 / count:8.3f}  {label}")


@dataclass
class Bench:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    world: World
    samples: int

    async def timed_read(self, viewer_id: int, call: ReadCall) -> float:
        """One read in its own transaction that commits, as the app's requests do (ending in
        a rollback would also make psycopg drop the connection's prepared statements)."""
        async with self.sessions.begin() as session:
            viewer = await session.get_one(User, viewer_id)
            t0 = time.perf_counter()
            await call(session, viewer)
            return (time.perf_counter() - t0) * 1000

    def draw_show(self) -> tuple[int, ReadCall]:
        tid = self.world.rng.randint(1, len(self.world.involved))
        return self.world.viewer_of(tid), lambda s, u: queries.show(s, viewer=u, ticket=tid)

    def draw_list(self, org_ids: list[int]) -> tuple[int, ReadCall]:
        viewer = self.world.rng.choice(self.world.users[self.world.rng.choice(org_ids)])
        states = TicketFilter(states=(State.OPEN, State.IN_PROGRESS))
        return viewer, lambda s, u: queries.list_tickets(s, viewer=u, filters=states, limit=25)

    def draw_round_trip(self) -> tuple[int, ReadCall]:
        """The floor every statement pays: one `SELECT 1` through the same session and driver."""
        return self.world.rng.choice(self.world.users[PLATFORM_ID]), lambda s, _u: s.execute(ONE)

    def draw_search(self) -> tuple[int, ReadCall]:
        tid, words = self.world.rng.choice(self.world.probes)
        return self.world.viewer_of(tid), lambda s, u: queries.search(s, viewer=u, query=words)

    async def measure_reads(self) -> dict[str, list[float]]:
        cases: dict[str, Callable[[], tuple[int, ReadCall]]] = {
            "show": self.draw_show,
            "list open+in_progress": lambda: self.draw_list(list(self.world.users)),
            "  same, platform users": lambda: self.draw_list([PLATFORM_ID]),
            "search": self.draw_search,
            ROUND_TRIP: self.draw_round_trip,
        }
        n = WARMUP + self.samples
        return {name: [await self.timed_read(*draw()) for _ in range(n)][WARMUP:]
                for name, draw in cases.items()}  # fmt: skip

    def create_input(self) -> tuple[int, dict[str, Any]]:
        """(actor id, `tickets.create` arguments): a ticket of any org but the platform."""
        world, rng = self.world, self.world.rng
        actor = rng.choice(world.users[rng.randint(2, len(world.parent))])
        args = {"title": f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} {world.words(2, 3)}"}
        return actor, args | {"description": world.words(15, 40), "tags": rng.sample(TAGS, 2)}

    async def timed_create(
        self, recorder: SqlRecorder, actor: int, args: dict[str, Any]
    ) -> tuple[float, float]:
        """(ms of create + COMMIT, ms of the COMMIT)."""
        async with self.sessions() as session:
            user = await session.get_one(User, actor)  # also opens the transaction
            recorder.active, t0 = True, time.perf_counter()
            await tickets.create(session, actor=user, **args)
            t1 = time.perf_counter()
            await session.commit()
            t2, recorder.active = time.perf_counter(), False
            return (t2 - t0) * 1000, (t2 - t1) * 1000

    async def measure_create(self, results: Results) -> None:
        recorder = SqlRecorder(self.engine)
        for i in range(WARMUP + self.samples):
            if i == WARMUP:
                recorder.seen.clear()
            total, commit = await self.timed_create(recorder, *self.create_input())
            if i >= WARMUP:
                results.create_ms.append(total)
                results.commit_ms.append(commit)
        results.stats = recorder.stats


async def bench_database(url: str, args: argparse.Namespace) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine)
        world, results = World(random.Random(1)), Results(engine.dialect.name)
        t0 = time.perf_counter()
        await seed(engine, world, args.tickets, args.orgs)
        results.seed_s = time.perf_counter() - t0
        settle_heap()  # as `threadline serve` does once started
        bench = Bench(engine, create_sessionmaker(engine), world, args.samples)
        results.reads = await bench.measure_reads()
        await bench.measure_create(results)
        results.print_table()
        results.print_profile()
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    print(f"{args.tickets} tickets over {args.orgs} orgs, {args.samples} samples per figure")
    async for url in each_database(args.db, args.pg_url, SCRATCH_DB):
        await bench_database(url, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--samples", type=int, default=300, help="timed samples per figure")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
