"""Benchmark of the core ticket service on a realistically sized database.

On SQLite (a temp file) and PostgreSQL (scratch database `threadline_bench` on `--pg-url`):
migrate, bulk-seed with SQLAlchemy Core, settle the heap as `serve` does, then print p50/p99 ms
of `queries.show`, `list_tickets` and `search`, each in its own committed transaction like a
request (timer: the service call only); the time of `tickets.create` (with audit, notification,
outbox rows) vs a bare Core insert of the same ticket row, interleaved ABAB, each its own
transaction, timed to the end of COMMIT; and the statements per create (from a
`before_cursor_execute` listener) with their mean times. Asserts nothing:

    .venv/bin/python -m bench.core_bench [--db sqlite|postgresql|both] [--tickets 100000]
        [--orgs 200] [--samples 300] [--pg-url URL]
"""

import argparse
import asyncio
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.processes import settle_heap
from core import schema
from core.db import create_engine, create_sessionmaker
from core.models import Base, OrgKind, Ticket, User
from core.rules.filters import TicketFilter
from core.rules.stages import CLOSED_STAGES, OPEN_STAGES, Stage, State
from core.services import queries, tickets

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCRATCH_DB = "threadline_bench"
BATCH = 5000  # tickets per seeding transaction
WARMUP = 20  # untimed calls before each series
TAGS = ["billing", "sso", "api", "export", "mobile", "webhook", "sla", "outage", "gdpr", "slack"]
SUBJECTS = ["Login", "Export", "Webhook", "Billing", "Dashboard", "SSO", "API", "Search"]
PROBLEMS = ["fails", "is slow", "times out", "shows wrong totals", "returns 500", "breaks"]
OPEN_WEIGHTS = dict(zip(OPEN_STAGES, [25, 30, 10, 20, 8, 7], strict=True))  # Q WIP APA ACR AD ID
CLOSED_WEIGHTS = dict(zip(CLOSED_STAGES, [80, 12, 8], strict=True))  # resolved canceled accepted
PLATFORM_ID = 1
ROUND_TRIP = "round trip (SELECT 1)"
ONE = text("SELECT 1")


@dataclass
class World:
    """Generates the seed rows, and remembers what the measurements need to know of them."""

    rng: random.Random
    parent: dict[int, int | None] = field(default_factory=dict)  # org id -> its partner
    users: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # by org
    reps: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # by org
    requester_cum: list[float] = field(default_factory=list)  # filing volume of orgs 2..n
    vocab: list[str] = field(default_factory=list)  # by Zipf rank: vocab[0] is the commonest
    vocab_cum: list[float] = field(default_factory=list)  # Zipf word frequencies
    involved: list[tuple[int, ...]] = field(default_factory=list)  # index = ticket id - 1
    probes: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, search words)

    def words(self, lo: int, hi: int) -> str:
        k = self.rng.randint(lo, hi)
        return " ".join(self.rng.choices(self.vocab, cum_weights=self.vocab_cum, k=k))

    def assigned_org(self, requester: int) -> int:
        return self.parent[requester] or PLATFORM_ID

    def viewer_of(self, ticket_id: int) -> int:
        return self.rng.choice(self.users[self.rng.choice(self.involved[ticket_id - 1])])

    def make_vocabulary(self, size: int = 1500) -> None:
        """Pronounceable made-up words (so no English stop words) in random Zipf rank order."""
        syllables = [c + v + e for c in "bdfgklmnprstvz" for v in "aeiou" for e in ("", "n", "r")]
        draws = (self.rng.choices(syllables, k=self.rng.randint(2, 3)) for _ in range(2 * size))
        self.vocab = self.rng.sample(sorted({"".join(word) for word in draws}), size)
        self.vocab_cum = list(accumulate(1 / rank for rank in range(1, size + 1)))

    def directory_rows(self, n_orgs: int) -> tuple[list[dict], list[dict]]:
        """1 platform, 10% partners, 75% sub-orgs, rest self-serve; 3-7 users each (see below)."""
        n_partners, n_subs = max(1, n_orgs // 10), n_orgs * 3 // 4
        kinds = [OrgKind.PLATFORM] + [OrgKind.PARTNER] * n_partners + [OrgKind.SUB_ORG] * n_subs
        kinds += [OrgKind.SELF_SERVE] * (n_orgs - len(kinds))
        orgs, users = [], []
        for org_id, kind in enumerate(kinds, start=1):
            parent = self.rng.randint(2, n_partners + 1) if kind == OrgKind.SUB_ORG else None
            team, self.parent[org_id] = f"T{(parent or org_id):05d}", parent
            orgs.append(
                {"id": org_id, "slug": f"org{org_id}", "name": f"Org {org_id}", "kind": kind}
                | {"parent_id": parent, "slack_team": team, "ticket_channel": f"C{org_id:05d}"}
                | {"escalations_channel": "C0ESC" if org_id == PLATFORM_ID else None}
                | {"notify": self.rng.choices(["channel", "dm", "both"], [7, 2, 1])[0]}
            )
            n_reps = {OrgKind.PLATFORM: 4, OrgKind.PARTNER: 2}.get(kind, 1)  # then admin, members
            for n in range(n_reps + 1 + self.rng.randint(1, 3)):
                uid, slack = len(users) + 1, n < n_reps or self.rng.random() < 0.8
                users.append(
                    {"id": uid, "email": f"u{uid}@org{org_id}.example", "name": f"User {uid}"}
                    | {"org_id": org_id, "is_support_rep": n < n_reps, "is_admin": n == n_reps}
                    | {"slack_team": team if slack else None}
                    | {"slack_user": f"U{uid:06d}" if slack else None}
                )
                self.users[org_id].append(uid)
                if n < n_reps:
                    self.reps[org_id].append(uid)
        self.requester_cum = list(accumulate(self.rng.paretovariate(1.2) for _ in kinds[1:]))
        return orgs, users

    def route(self, requester: int) -> tuple[int, int | None, list[int]]:
        """(assigned org, escalated-from org, involved orgs); 10% of partner tickets escalate."""
        assigned = self.assigned_org(requester)
        if assigned != PLATFORM_ID and self.rng.random() < 0.10:
            return PLATFORM_ID, assigned, [requester, assigned, PLATFORM_ID]
        return assigned, None, [requester, assigned]

    def ticket_rows(self, tid: int, n: int, start: datetime) -> dict[str, list[dict]]:
        """Every row of one ticket, by table (parents first); left-out columns take defaults."""
        rng = self.rng
        requester = rng.choices(range(2, len(self.parent) + 1), cum_weights=self.requester_cum)[0]
        assigned, escalated_from, involved = self.route(requester)
        self.involved.append(tuple(involved))
        created = start + timedelta(days=730 * tid / n, minutes=rng.randint(0, 600))
        closed = rng.random() < (0.95 if tid / n < 0.9 else 0.35)  # newest tenth: mostly open
        weights = CLOSED_WEIGHTS if closed else OPEN_WEIGHTS
        stage = rng.choices(list(weights), list(weights.values()))[0]
        author, owner = rng.choice(self.users[requester]), rng.choice(self.reps[assigned])
        title = f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} for {self.words(2, 3)}"
        description = self.words(15, 40)
        if rng.random() < 0.02:  # a search probe: one or two of its rarest words
            rare = sorted(set(description.split()), key=self.vocab.index)[-rng.randint(1, 2) :]
            self.probes.append((tid, " ".join(rare)))
        ticket = {"id": tid, "title": title, "description": description, "stage": stage}
        ticket |= {"severity": rng.choices(["low", "medium", "high", "blocker"], [3, 5, 2, 0.3])[0]}
        ticket |= {"owner_id": owner, "requester_org_id": requester, "assigned_org_id": assigned}
        ticket |= {"escalated_from_org_id": escalated_from, "source_channel": "slack"}
        ticket |= {"created_by_id": author, "modified_by_id": owner, "created_at": created}
        closed = None if stage in OPEN_STAGES else created + timedelta(days=3)
        ticket |= {"modified_at": created, "closed_at": closed}
        messages = [
            {"ticket_id": tid, "author_id": user, "author_org_id": org, "source_channel": "slack"}
            | {"body": self.words(8, 30), "is_internal": i == 1 and rng.random() < 0.05}
            | {"created_at": created + timedelta(minutes=5 + 60 * i)}
            for i, (user, org) in enumerate([(author, requester), (owner, assigned)])
        ][: rng.randint(1, 2)]
        audit = {"ticket_id": tid, "actor_id": author, "action": "created", "new_value": title}
        tags = rng.sample(TAGS, rng.randint(0, 3))
        involved_rows = [{"ticket_id": tid, "org_id": o, "added_at": created} for o in involved]
        return {
            "tickets": [ticket],
            "ticket_involved_orgs": involved_rows,
            "ticket_tags": [{"ticket_id": tid, "tag": tag} for tag in tags],
            "ticket_reporters": [{"ticket_id": tid, "user_id": author}],
            "messages": messages,
            "audit_entries": [audit | {"created_at": created}],
        }

    def ticket_batches(self, n: int) -> Iterator[dict[str, list[dict]]]:
        start = datetime.now(UTC) - timedelta(days=731)
        for first in range(1, n + 1, BATCH):
            batch = defaultdict(list)
            for tid in range(first, min(first + BATCH, n + 1)):
                for table, rows in self.ticket_rows(tid, n, start).items():
                    batch[table].extend(rows)
            yield batch


async def seed(engine: AsyncEngine, world: World, n_tickets: int, n_orgs: int) -> None:
    """Bulk-insert with Core executemany, BATCH tickets a transaction; VACUUM ANALYZE on PG."""
    world.make_vocabulary()
    orgs, users = world.directory_rows(n_orgs)
    directory = {"organizations": orgs, "users": users}
    for batch in chain([directory], world.ticket_batches(n_tickets)):
        async with engine.begin() as conn:
            for name, rows in batch.items():  # parents first
                if rows:
                    await conn.execute(insert(Base.metadata.tables[name]), rows)
    if engine.dialect.name == "postgresql":  # creates must get ids past the explicit ones
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT setval('tickets_id_seq', max(id)) FROM tickets"))
            # As autovacuum does on a live database: besides statistics, the visibility map
            # that lets index-only scans (a rep's open-ticket count) skip the table.
            await conn.execute(text("VACUUM ANALYZE"))


ReadCall = Callable[[AsyncSession, User], Awaitable[Any]]


class SqlRecorder:
    """Counts and times, per kind of statement, what is sent to the database while `active`.

    Statements are only collected while timing; labelling them (regular expressions) waits
    for `stats`, so the recorder adds next to nothing to the figures it sits in."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.active, self._t0 = False, 0.0
        self.seen: list[tuple[str, float]] = []  # (statement, seconds)
        event.listen(engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._t0 = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.active:
            self.seen.append((statement, time.perf_counter() - self._t0))

    @property
    def stats(self) -> dict[str, list[float]]:
        """[count, seconds] per statement label."""
        stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        for statement, seconds in self.seen:
            entry = stats[self.label(statement)]
            entry[0] += 1
            entry[1] += seconds
        return dict(stats)

    @staticmethod
    def label(statement: str) -> str:
        """`VERB table +joined [FOR UPDATE] | where…`, with parameters and casts elided."""
        sql = re.sub(r"::\w+", "", re.sub(r"%\(\w+\)s|\?", "?", " ".join(statement.split())))
        sql = re.sub(r"\(\?(?:, \?)*\)", "(…)", sql)
        tables = " +".join(dict.fromkeys(re.findall(r"(?:FROM|INTO|UPDATE|JOIN) (\w+)", sql)))
        where = re.search(r" WHERE (.*?)(?: ORDER| GROUP| LIMIT| FOR| RETURNING|$)", sql)
        clause = " | " + re.sub(r"\b\w+\.", "", where.group(1))[:50] if where else ""
        lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
        return f"{sql.split(' ', 1)[0]} {tables}{lock}{clause}"


def pct(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Results:
    """The figures of one database, and how they are printed."""

    db: str
    seed_s: float = 0.0
    reads: dict[str, list[float]] = field(default_factory=dict)
    create_ms: Sequence[float] = ()
    bare_ms: Sequence[float] = ()
    commit_ms: Sequence[float] = ()  # the COMMIT part of create_ms
    stats: dict[str, list[float]] = field(default_factory=dict)  # of SqlRecorder

    def print_table(self) -> None:
        def line(name: str, times: Sequence[float], note: str) -> str:
            return f"{name:<24}{len(times):>5}{pct(times, 50):>9.2f}{pct(times, 99):>9.2f}  {note}"

        print(f"\n=== {self.db}: seeded in {self.seed_s:.0f} s ===")
        print(f"{'operation':<24}{'n':>5}{'p50 ms':>9}{'p99 ms':>9}  target / note")
        floor = pct(self.reads[ROUND_TRIP], 50)
        for name, times in self.reads.items():
            ok = ("OK" if pct(times, 99) < 10 else "MISS") if self.db == "postgresql" else "n/a"
            target = f"PG p99 < 10 ms: {ok}, " if name.startswith(("show", "list", " ")) else ""
            print(line(name, times, f"{target}p50 = {pct(times, 50) / floor:.0f} round trips"))
        for name, times in (("tickets.create", self.create_ms), ("bare insert", self.bare_ms)):
            print(line(name, times, f"mean {statistics.mean(times):.2f}"))
        ratio = pct(self.create_ms, 50) / pct(self.bare_ms, 50)
        mean_ratio = statistics.mean(self.create_ms) / statistics.mean(self.bare_ms)
        ok = "OK" if ratio <= 3 else "MISS"
        print(f"create / bare: p50 {ratio:.1f}x, mean {mean_ratio:.1f}x   target <= 3x: {ok}")

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

    def create_input(self) -> tuple[int, dict, dict]:
        """(actor id, `tickets.create` arguments, the ticket row that create would insert)."""
        world, rng, now = self.world, self.world.rng, datetime.now(UTC)
        org = rng.randint(2, len(world.parent))  # any org but the platform
        actor, assigned = rng.choice(world.users[org]), world.assigned_org(org)
        args = {"title": f"{rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} {world.words(2, 3)}"}
        args |= {"description": world.words(15, 40), "tags": rng.sample(TAGS, 2)}
        row = {"title": args["title"], "description": args["description"], "stage": Stage.QUEUED}
        row |= {"requester_org_id": org, "assigned_org_id": assigned, "source_channel": "slack"}
        row |= {"created_by_id": actor, "modified_by_id": actor, "created_at": now}
        return actor, args, row | {"owner_id": world.reps[assigned][0], "modified_at": now}

    async def timed_create(self, recorder: SqlRecorder, actor: int, args: dict) -> tuple:
        """(ms of create + COMMIT, ms of the COMMIT)."""
        async with self.sessions() as session:
            user = await session.get_one(User, actor)  # also opens the transaction
            recorder.active, t0 = True, time.perf_counter()
            await tickets.create(session, actor=user, **args)
            t1 = time.perf_counter()
            await session.commit()
            t2, recorder.active = time.perf_counter(), False
            return (t2 - t0) * 1000, (t2 - t1) * 1000

    async def timed_bare_insert(self, actor_id: int, row: dict) -> float:
        async with self.engine.connect() as conn:
            await conn.execute(select(User).where(User.id == actor_id))  # same preamble
            t0 = time.perf_counter()
            await conn.execute(insert(Ticket).values(**row))
            await conn.commit()
            return (time.perf_counter() - t0) * 1000

    async def measure_create(self, results: Results) -> None:
        """ABAB: a service create, then a bare insert of the same row, repeated."""
        recorder, pairs = SqlRecorder(self.engine), []
        for i in range(WARMUP + self.samples):
            if i == WARMUP:
                recorder.seen.clear()
            actor, args, row = self.create_input()
            create = await self.timed_create(recorder, actor, args)
            pairs.append((*create, await self.timed_bare_insert(actor, row)))
        create_ms, commit_ms, bare_ms = zip(*pairs[WARMUP:], strict=True)
        results.create_ms, results.commit_ms, results.bare_ms = create_ms, commit_ms, bare_ms
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


async def bench_postgresql(args: argparse.Namespace) -> None:
    scratch = make_url(args.pg_url).set(database=SCRATCH_DB).render_as_string(hide_password=False)
    drop = text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(drop)
            await conn.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
        await bench_database(scratch, args)
    finally:
        async with admin.connect() as conn:
            await conn.execute(drop)
        await admin.dispose()


async def run(args: argparse.Namespace) -> None:
    print(f"{args.tickets} tickets over {args.orgs} orgs, {args.samples} samples per figure")
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="threadline-bench-") as tmp:
            await bench_database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.db in ("postgresql", "both"):
        await bench_postgresql(args)


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
