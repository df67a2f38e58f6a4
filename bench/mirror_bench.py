"""Latency of thread mirroring: a reply typed in one org's ticket thread -> its relayed copies.

On SQLite (a temp file) and PostgreSQL (scratch database `threadline_mirror_bench` on `--pg-
url`): migrate; start the fake Slack, the test world and Threadline as `threadline serve` does
(`tests.support.slack_env.start_env`: real HTTP, signed requests); file `--tickets` tickets
through the services from sub-orgs (contoso, fabrikam under northwind; initech under globex),
each escalated by its partner, so each has three threads: in the sub-org's, the partner's and
the platform's ticket channel. A set-up worker with pacing off posts the roots; then the real
`DeliveryWorker` runs in-process as `serve` starts it (`build_worker`: a pool of its own)
with the default `Settings` (channel pacing 1.0 s, concurrency 32, poll 2 s).

`--messages` replies, spread at random over the tickets, each typed by a person of a random one
of the ticket's orgs in its thread, are POSTed as `message` events one every 1/`--rate` s (after
`WARMUP` untimed ones). Pacing lanes are per *channel*: all platform threads share one channel,
and a reply that flips "needs response" also re-renders the card in every thread through the same
lanes, so the rate is what keeps each channel below ~1 post/s. Latency runs from just before the
POST until the fake Slack handled the relayed chat.postMessage, to the first of the two copies
and to both. Printed, asserting nothing: p50/p99/max of those and of the ack; each relay's steps
(POST -> relay row inserted -> commit -> claim starts -> claimed -> received by the fake); relays
whose lane was closed and what held it; the busiest channel lane; process CPU per message.

    .venv/bin/python -m bench.mirror_bench [--db sqlite|postgresql|both] [--messages 500]
        [--tickets 100] [--rate 0.4] [--pg-url URL]
"""

import argparse
import asyncio
import bisect
import contextlib
import json
import logging
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.measure import DEFAULT_PG_URL, each_database, pct
from bot.delivery.worker import DeliveryWorker
from bot.processes import build_worker
from core.config import Settings
from core.models import OutboxMessage, OutboxStatus, ThreadKind, TicketThread
from core.outbox import signal as outbox_signal
from core.outbox import status as delivery_status
from core.outbox.deliveries import DeliveryKind
from core.outbox.status import Claim
from core.services import escalation, tickets
from tests.fakeslack import FakeSlack
from tests.support.delivery_helpers import (
    FAST,
    running_worker,
    status_counts,
    worker_running,
    worker_settings,
)
from tests.support.mirror_helpers import Mirror
from tests.support.slack_env import BOT_TOKENS, HOME_TEAM, SlackEnv, migrated_env
from tests.support.world import USERS

SCRATCH_DB = "threadline_mirror_bench"
CLAIM, RECORD = delivery_status.claim, delivery_status.record  # the real ones (hooked later)
WARMUP, TARGET_P99_MS = 10, 150.0  # untimed messages first; the goal
TOKEN = BOT_TOKENS[HOME_TEAM]
TRIOS = [("contoso", "northwind"), ("fabrikam", "northwind"), ("initech", "globex")]
SPEAKER = {"contoso": "carl", "fabrikam": "fay", "initech": "ivy"} | {
    "northwind": "nina", "globex": "gus", "revampd": "ana"}  # fmt: skip
SLACK_ID = {name: slack_user for name, *_, slack_user in USERS}
Thread = tuple[str, str, str]  # org slug, channel, root ts
MARK = re.compile(r"bench message (\d{5})")
DEFAULTS = {str(f.validation_alias): str(f.default) for f in Settings.model_fields.values()
            if f.validation_alias in FAST}  # undo the test helpers' speed-ups  # fmt: skip
STEPS = ["POST -> relay row inserted", "-> committed", "-> claim starts (wake-up, lane)",
         "-> claimed, task started", "-> fake Slack received"]  # fmt: skip


async def drained(env: SlackEnv, within: float, relayed: int = 0) -> None:
    """Wait (at most `within` s) for `relayed` relays and no outbox row pending or in flight."""
    deadline, counts = time.monotonic() + within, {}
    while time.monotonic() < deadline:
        counts = await status_counts(env.sessions)
        busy = counts.get(OutboxStatus.PENDING) or counts.get(OutboxStatus.SENDING)
        if not busy and sum(map(len, relays(env.slack).values())) >= relayed:
            return
        await asyncio.sleep(0.2)
    print(f"  (outbox not drained after {within:.0f} s: {counts})")


async def open_tickets(env: SlackEnv, n: int) -> dict[int, list[Thread]]:
    """Tickets filed by sub-orgs and escalated, their three roots posted (pacing off here)."""
    url = env.settings.database_url
    fast = worker_settings(url, env.slack, TOKEN, THREADLINE_DELIVERY_CHANNEL_INTERVAL="0")
    async with running_worker(fast, env.sessions, TOKEN):
        for i in range(n):
            sub, partner = TRIOS[i % len(TRIOS)]
            ticket = await env.world.act(SPEAKER[sub], tickets.create, title=f"Bench {i}")
            await env.world.act(SPEAKER[partner], escalation.escalate, ticket=ticket.id)
        await drained(env, 600)
    slug = {org_id: s for s, org_id in env.world.org_ids.items()}
    threads = defaultdict(list)
    async with env.sessions() as s:
        query = select(TicketThread).where(TicketThread.kind == ThreadKind.TICKET)
        for t in await s.scalars(query):
            if t.thread_ts:
                threads[t.ticket_id].append((slug[t.org_id], t.slack_channel, t.thread_ts))
    return {ticket: ts for ticket, ts in threads.items() if len(ts) == 3}


@dataclass
class Probe:
    """Wall-clock times of each delivery's steps, from hooks around the real worker code."""

    commits: list[float] = field(default_factory=list)  # of transactions writing outbox rows
    claims: dict[int, tuple[float, str, str]] = field(default_factory=dict)  # id: t, lane, kind
    started: dict[int, float] = field(default_factory=dict)  # row id -> its task started
    lane_open: dict[int, float] = field(default_factory=dict)  # row id -> its lane reopened
    claim_ms: list[float] = field(default_factory=list)  # claim() calls that claimed rows

    def install(self, worker: DeliveryWorker) -> Callable[[], None]:
        """Hook claim, record, deliver and commits; returns the commit hook's remover."""
        deliver = worker._deliver

        async def timed_claim(session: AsyncSession, **kwargs: Any) -> Any:
            t = time.time()
            claims = await CLAIM(session, **kwargs)
            self.claim_ms += [(time.time() - t) * 1000] if claims else []
            self.claims |= {c.row.id: (t, c.row.lane, c.row.kind) for c in claims}
            return claims

        async def timed_record(session: AsyncSession, *, owner: str, outcomes: Any) -> int:
            self.lane_open |= {o.row_id: o.lane_open_at.timestamp() for o in outcomes}
            return await RECORD(session, owner=owner, outcomes=outcomes)

        async def timed_deliver(claimed: Claim, roots: Any) -> None:
            self.started[claimed.row.id] = time.time()
            await deliver(claimed, roots)

        delivery_status.claim, delivery_status.record = timed_claim, timed_record  # type: ignore[assignment]
        worker._deliver = timed_deliver  # type: ignore[method-assign]
        return outbox_signal.add_listener(lambda: self.commits.append(time.time()))

    def holder(self, row: int, committed: float) -> str | None:
        """The kind of delivery that held the row's lane closed when it was committed."""
        t, lane, _ = self.claims[row]
        ahead = max(((ct, r) for r, (ct, ln, _) in self.claims.items() if ln == lane and ct < t),
                    default=None)  # fmt: skip
        if ahead is None or (ahead[0] < committed and self.lane_open[ahead[1]] <= committed):
            return None
        return self.claims[ahead[1]][2]


async def converse(env: SlackEnv, plan: list[Thread], rate: float) -> dict[int, tuple]:
    """POST each message at its time (fixed pace); returns index -> (sent, acked)."""
    mirror, sent, loop = Mirror(env), {}, asyncio.get_running_loop()

    async def say(i: int, thread: Thread) -> None:
        (org, channel, ts), t0 = thread, time.time()
        await mirror.say(SLACK_ID[SPEAKER[org]], channel, ts, f"bench message {i:05d}: any news?")
        sent[i] = (t0, time.time())

    start, tasks = loop.time(), []
    for i, thread in enumerate(plan):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(asyncio.create_task(say(i, thread)))
    await asyncio.gather(*tasks)
    return sent


def relays(slack: FakeSlack) -> dict[int, list[tuple[float, int]]]:
    """Message index -> [(time the fake handled the post, its outbox row id)] of its copies."""
    found: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for call in slack.calls("chat.postMessage"):
        mark = MARK.search(str(call.args.get("text")))
        if call.ok and call.args.get("username") and mark:
            meta = call.args.get("metadata") or {}  # the sender tags posts with the row id
            meta = json.loads(meta) if isinstance(meta, str) else meta
            found[int(mark.group(1))].append((call.time, int(meta["event_payload"]["delivery_id"])))
    return found


@contextlib.asynccontextmanager
async def served_worker(settings: Settings, engine: AsyncEngine) -> AsyncIterator[DeliveryWorker]:
    """The worker as `threadline serve` runs it: its own small pool."""
    worker = build_worker(settings, engine)
    assert worker is not None
    async with worker_running(worker):
        yield worker


async def measure(env: SlackEnv, engine: AsyncEngine, args: argparse.Namespace) -> None:
    threads = await open_tickets(env, args.tickets)
    rng, ids = random.Random(3), sorted(threads)
    order = [ids[i % len(ids)] for i in range(args.messages)]
    rng.shuffle(order)
    plan = [rng.choice(threads[t]) for t in order[:WARMUP] + order]
    settings = worker_settings(env.settings.database_url, env.slack, TOKEN, **DEFAULTS)
    probe = Probe()
    async with served_worker(settings, engine) as worker:
        unsubscribe = probe.install(worker)
        try:
            cpu, t_start = time.process_time(), time.time()
            sent = await converse(env, plan, args.rate)
            await drained(env, 60, relayed=2 * len(plan))  # the listeners run after the ack
            elapsed, cpu = time.time() - t_start, time.process_time() - cpu
        finally:
            unsubscribe()
            delivery_status.claim, delivery_status.record = CLAIM, RECORD
    async with env.sessions() as s:
        query = select(OutboxMessage.id, OutboxMessage.created_at)
        rows = await s.execute(query.where(OutboxMessage.kind == DeliveryKind.RELAY_POST.value))
        created = {row_id: at.timestamp() for row_id, at in rows}
    db = make_url(env.settings.database_url).get_backend_name()
    print(f"\n=== {db}: {args.messages} messages (+{WARMUP} warm-up) over {len(threads)} "
          f"escalated tickets, one every {1 / args.rate:.2f} s ({args.rate:.2f} msg/s), "
          "default worker settings ===")  # fmt: skip
    report(sent, relays(env.slack), created, probe)
    lanes = Counter(lane for _t, lane, _k in probe.claims.values() if lane.count(":") == 1)
    lane, ops = lanes.most_common(1)[0]
    print(f"busiest channel lane {lane}: {ops / elapsed:.2f} deliveries/s; "
          f"{len(probe.claims) / len(plan):.1f} deliveries and {cpu * 1000 / len(plan):.0f} ms "
          "process CPU per message")  # fmt: skip


def figures(v: list[float]) -> str:
    nums = f"{pct(v, 50):>8.1f}{pct(v, 99):>8.1f}{max(v):>8.1f}" if len(v) > 1 else f"{'-':>24}"
    return f"{nums}  (n={len(v)})"


def report(sent: dict, copies: dict, created: dict, probe: Probe) -> None:  # type: ignore[type-arg]
    acks, first, both, open_lanes, missing = [], [], [], [], 0
    steps: list[list[float]] = [[] for _ in STEPS]
    held: Counter[str] = Counter()
    for i in range(WARMUP, len(sent)):
        t0, acked = sent[i]
        acks.append((acked - t0) * 1000)
        got = sorted(copies.get(i, []))
        if len(got) < 2:
            missing += 1
            continue
        first.append((got[0][0] - t0) * 1000)
        both.append((got[1][0] - t0) * 1000)
        holders = []
        for arrived, row in got:
            committed = probe.commits[bisect.bisect_left(probe.commits, created[row])]
            marks = [t0, created[row], committed, probe.claims[row][0], probe.started[row], arrived]
            for k, step in enumerate(steps):
                step.append((marks[k + 1] - marks[k]) * 1000)
            holders.append(probe.holder(row, committed))
        held.update(h for h in holders if h)
        if not any(holders):
            open_lanes.append(both[-1])
    print(f"{'ms':<36}{'p50':>8}{'p99':>8}{'max':>8}")
    for name, values in [("event ack (HTTP 200)", acks), ("first relay at the fake", first),
                         ("both relays at the fake", both),
                         ("  both, if no lane was closed", open_lanes)]:  # fmt: skip
        print(f"{name:<36}{figures(values)}")
    ok = "OK" if len(both) > 1 and pct(both, 99) < TARGET_P99_MS else "MISS"
    print(f"target p99 < {TARGET_P99_MS:.0f} ms: {ok}; messages missing a relay: {missing}")
    print("where each relay's time goes (ms):")
    for name, values in zip(STEPS, steps, strict=True):
        print(f"  {name:<34}{figures(values)}")
    print(f"claim() calls that claimed rows (ms){figures(probe.claim_ms)}")
    print(f"relays whose lane was closed at commit: {sum(held.values())} of {len(steps[0])}, "
          f"held by {dict(held) or '-'}")  # fmt: skip


async def bench_database(url: str, args: argparse.Namespace) -> None:
    async with migrated_env(url) as (env, engine):
        await measure(env, engine, args)


async def run(args: argparse.Namespace) -> None:
    async for url in each_database(args.db, args.pg_url, SCRATCH_DB):
        await bench_database(url, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--messages", type=int, default=500, help="timed thread replies")
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.4, help="messages per second, all told")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parse_args()))
