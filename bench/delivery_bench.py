"""Benchmark of outbox delivery against a rate-limited fake Slack.

The fake Slack (`tests.fakeslack`, in its own process like a remote Slack) takes
chat.postMessage at 1 msg/s per channel with a burst of 2, answering 429 beyond it. Workers up
and listening, `--channels` x `--per-channel` outbox rows (`notify.channel`, interleaved over
the channels) are committed as `core.services.notifications.emit` does: `--tx-rows` a
transaction through `core.outbox.deliveries.enqueue` (NOTIFY / in-process wake-up), over
`--spread` seconds. Scenarios: SQLite, one in-process worker; PostgreSQL with one in-process
worker (the `DeliveryWorker` of `threadline worker`, in-process so its SQL can be timed) and
with three `threadline worker` processes. Delivery settings are the `Settings` defaults.
Asserts nothing; prints the achieved rate (rows / first commit -> last post) against the rate
the fake sustains (1 msg/s per channel) and, stricter, against an ideal sender on the same
token buckets and commit times that also spends the burst; the steady rate from the gaps
between posts to a channel; posts answered 429, p50/p99 latency `created_at` -> the fake's
receipt of the successful post, CPU per process and machine load, one claim's
cost with every row pending, and an in-process worker's SQL by statement.

    .venv/bin/python -m bench.delivery_bench [--db sqlite|postgresql|both] [--channels 200]
        [--per-channel 20] [--spread 2] [--tx-rows 10] [--channel-interval S]
        [--slack-delay S] [--pg-url URL]
"""

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import os
import signal
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.measure import DEFAULT_PG_URL, SqlRecorder, pct, scratch_database
from bot import processes as serving
from bot.delivery.worker import ANSWER_GAP
from core import models, schema
from core.config import Settings
from core.db import create_engine, create_sessionmaker
from core.models import DeliveryPacing, OutboxMessage, OutboxStatus, utcnow
from core.outbox import deliveries
from core.outbox import queue as delivery_queue
from core.outbox import status as delivery_status
from tests.support import delivery_helpers as helpers

SCRATCH_DB = "threadline_delivery_bench"
TEAM, TOKEN, BOT = "T0BENCH", "xoxb-bench", "UBENCH"
RATE, BURST = 1.0, 2  # what the fake enforces per channel
LEASE = timedelta(seconds=30)
# The test helpers speed delivery up (FAST); the bench puts the production defaults back.
DEFAULTS = {str(f.validation_alias): str(f.default) for f in Settings.model_fields.values()
            if f.validation_alias in helpers.FAST}  # fmt: skip


def channel_ids(n: int) -> list[str]:
    return [f"C0B{i:05d}" for i in range(n)]


def fake_slack_main(conn, n_channels: int, delay: float) -> None:
    """The fake Slack's process: serve until asked for the record of its posts."""
    from tests.fakeslack import FakeSlack

    async def serve() -> None:
        async with FakeSlack() as slack:
            slack.add_team(TEAM, bot_token=TOKEN, bot_user_id=BOT, bot_id="BBENCH")
            for channel in channel_ids(n_channels):
                slack.add_channel(TEAM, channel, channel.lower(), members=[BOT])
            slack.enforce_channel_rate(RATE, burst=BURST)
            slack.inject("chat.postMessage", delay=delay, rate=1.0)  # before the rate check
            conn.send(slack.api_url)
            await asyncio.to_thread(conn.recv)
            posts = [(c.time, c.args["channel"], c.status, c.ok, c.args.get("metadata"))
                     for c in slack.calls("chat.postMessage")]  # fmt: skip
            conn.send((posts, len(slack.calls()) - len(posts)))

    asyncio.run(serve())


def cpu_s(pid: int) -> float:
    """CPU seconds a process (0: this one, all threads) has used so far."""
    if not pid:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def machine_ticks() -> tuple[int, int]:
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # minus idle and iowait


async def write_rows(engine: AsyncEngine, args: argparse.Namespace) -> int:
    """Commit rows as `emit` does (with an org and a ticket, as the senders expect them)."""
    async with engine.begin() as conn:
        org = {"slug": "b", "name": "B", "kind": models.OrgKind.PLATFORM, "slack_team": TEAM}
        await conn.execute(insert(models.Organization).values(id=1, **org))
        await conn.execute(insert(models.User).values(id=1, email="u@b", name="U", org_id=1))
        ticket = {"requester_org_id": 1, "assigned_org_id": 1, "source_channel": "slack"}
        ticket |= {"created_by_id": 1, "modified_by_id": 1, "title": "Bench"}
        await conn.execute(insert(models.Ticket).values(id=1, **ticket))
    sessions, channels = create_sessionmaker(engine), channel_ids(args.channels)
    total = args.channels * args.per_channel
    starts = range(0, total, args.tx_rows)
    t0 = time.monotonic()
    for k, start in enumerate(starts):
        await asyncio.sleep(max(0.0, t0 + k * args.spread / len(starts) - time.monotonic()))
        async with sessions.begin() as session:
            rows = helpers.channel_rows(min(args.tx_rows, total - start), channels, team=TEAM,
                                        start=start)  # fmt: skip
            await deliveries.enqueue(session, [channel_post(row) for row in rows])
    return len(starts)


def channel_post(row: dict) -> deliveries.Delivery:
    """A helpers row as the typed delivery `emit` builds (org 1, ticket 1)."""
    org = models.Organization(id=1, slack_team=TEAM)
    return deliveries.channel_post(deliveries.DeliveryKind.NOTIFY_CHANNEL, org=org, ticket_id=1,
                                   event_id=row["event_id"], channel=row["slack_channel"],
                                   payload=row["payload"], now=row["created_at"])  # fmt: skip


async def listening(engine: AsyncEngine, n: int) -> None:
    """Wait until `n` workers hold a LISTEN connection (they are up and will hear NOTIFY)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                 " AND query = 'LISTEN threadline_outbox'")  # fmt: skip
    for _ in range(600):
        async with engine.connect() as conn:
            if await conn.scalar(query) >= n:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("workers did not start listening within 60 s")


async def run_scenario(url: str, args: argparse.Namespace, processes: int) -> None:
    """`processes` = 0: one in-process worker; else that many `threadline worker` processes."""
    engine, total = create_engine(url), args.channels * args.per_channel
    await schema.upgrade(engine)
    mp = multiprocessing.get_context("spawn")
    conn, child_conn = mp.Pipe()
    fake = mp.Process(target=fake_slack_main, args=(child_conn, args.channels, args.slack_delay))
    fake.start()
    slack = SimpleNamespace(api_url=conn.recv())
    env = DEFAULTS | {"THREADLINE_DELIVERY_CHANNEL_INTERVAL": str(args.channel_interval)}
    settings = helpers.worker_settings(url, slack, TOKEN, **env)
    worker_engine, recorder, spawned = serving.worker_engine(settings), None, []  # as serve's
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(worker_engine.dispose)
        if processes:
            spawned = [helpers.spawn_worker(url, slack, TOKEN, **env) for _ in range(processes)]
            stack.callback(lambda: [p.wait(30) for p in spawned])  # callbacks run LIFO
            stack.callback(lambda: [p.send_signal(signal.SIGTERM) for p in spawned])
        else:
            recorder = SqlRecorder(worker_engine)
            recorder.active = True  # from the start: the idle worker's polls count too
            sessions = create_sessionmaker(worker_engine)
            await stack.enter_async_context(helpers.running_worker(settings, sessions, TOKEN))
        if engine.dialect.name == "postgresql":
            await listening(engine, processes or 1)
        pids = {f"worker {p.pid}": p.pid for p in spawned} | {"fake Slack": fake.pid, "bench": 0}
        cpu0, ticks0 = {name: cpu_s(pid) for name, pid in pids.items()}, machine_ticks()
        transactions = await write_rows(engine, args)
        within = 5 * (args.per_channel + args.spread) + 60
        counts = await helpers.wait_until_delivered(create_sessionmaker(engine), total, within)
        ticks = [b - a for a, b in zip(ticks0, machine_ticks(), strict=True)]
        cpu = {name: cpu_s(pid) - cpu0[name] for name, pid in pids.items()}
    conn.send("report")
    posts, other_calls = conn.recv()
    fake.join(10)
    async with engine.connect() as c:
        query = select(OutboxMessage.id, OutboxMessage.created_at, OutboxMessage.slack_channel)
        rows = {i: (at.timestamp(), ch) for i, at, ch in await c.execute(query)}
    who = f"{processes} `threadline worker` processes" if processes else "1 in-process worker"
    span = max(at for at, _ in rows.values()) - min(at for at, _ in rows.values())
    print(f"\n=== {engine.dialect.name}, {who}: {total} rows in {transactions} transactions"
          f" of {args.tx_rows}, committed over {span:.1f} s (planned {args.spread:g}) ===\n"
          f"outbox: {dict(counts)}; other Web API calls: {other_calls}")  # fmt: skip
    report(settings, rows, posts)
    load = f"{ticks[0] / ticks[1]:.0%} busy, load {os.getloadavg()[0]:.1f}"
    print("CPU s: " + ", ".join(f"{name} {s:.1f}" for name, s in cpu.items())
          + f"; machine ({os.cpu_count()} cores): {load}")  # fmt: skip
    if recorder is not None:  # times include waiting for the event loop and for a connection
        print("  per row  mean ms  total s  worker statement")
        ranked = sorted(recorder.stats.items(), key=lambda item: -item[1][1])
        for label, (count, seconds) in ranked[:7]:
            print(f"{count / total:9.2f} {seconds * 1e3 / count:8.2f} {seconds:8.2f}  {label[:88]}")
    await claim_cost(engine)
    await engine.dispose()


def ideal(arrivals: list[tuple[int, float]]) -> dict[int, float]:
    """When a sender using every token of the fake's bucket posts each (row, commit time)."""
    sends, t, tokens = {}, arrivals[0][1], float(BURST)
    for row_id, arrival in arrivals:
        now = max(t, arrival)
        tokens = min(float(BURST), tokens + (now - t) * RATE)
        if tokens < 1.0:
            now, tokens = now + (1.0 - tokens) / RATE, 1.0
        tokens, t, sends[row_id] = tokens - 1.0, now, now
    return sends


def report(settings: Settings, rows: dict, posts: list) -> None:
    """rows: id -> (commit time, channel); posts: (time, channel, status, ok, row id)."""
    lanes = defaultdict(list)  # channel -> [(row id, commit time)] in commit order
    for row_id, (at, channel) in sorted(rows.items()):
        lanes[channel].append((row_id, at))
    best = {row_id: at for lane in lanes.values() for row_id, at in ideal(lane).items()}
    delivered, duplicates = {}, 0  # row id -> the fake's receipt of its first successful post
    for at, _, _, ok, metadata in sorted(posts, key=lambda post: post[0]):
        if ok:  # every post is tagged with its outbox row id (`senders._marked`)
            row_id = int(metadata["event_payload"]["delivery_id"])
            duplicates += row_id in delivered
            delivered.setdefault(row_id, at)
    t0, n = min(at for at, _ in rows.values()), len(rows)
    span, best_span = max(delivered.values()) - t0, max(best.values()) - t0
    rate, sustained = len(delivered) / span, len(lanes) * RATE
    print(f"delivered {len(delivered)}/{n} (duplicates {duplicates}) in {span:.1f} s after the "
          f"first commit: {rate:.0f} msg/s = {rate / sustained:.3f} of the {sustained:.0f} msg/s "
          f"the fake sustains ({RATE:g} msg/s x {len(lanes)} channels)   target >= 0.95: "
          f"{'OK' if rate / sustained >= 0.95 else 'MISS'}")  # fmt: skip
    print(f"  against an ideal sender that also spends each channel's burst of {BURST} (done in "
          f"{best_span:.1f} s): {best_span / span * len(delivered) / n:.3f} (pacing keeps posts "
          f">= {ANSWER_GAP:g} interval apart, so it never bursts)")  # fmt: skip
    times: dict[str, list[float]] = defaultdict(list)
    for row_id, at in sorted(delivered.items(), key=lambda item: item[1]):
        times[rows[row_id][1]].append(at)
    gaps = [b - a for lane in times.values() for a, b in itertools.pairwise(lane)]
    steady = len(times) / statistics.mean(gaps)
    print(f"gap between posts to one channel: mean {statistics.mean(gaps):.3f} s, p50 "
          f"{pct(gaps, 50):.3f}, p99 {pct(gaps, 99):.3f}, min {min(gaps):.3f} (pacing interval "
          f"{settings.delivery_channel_interval_s:g} s) -> steady {steady:.0f} msg/s = "
          f"{steady / (len(times) * RATE):.3f} of {RATE:g}/s per channel")  # fmt: skip
    limited = sum(status == 429 for _, _, status, _, _ in posts)
    print(f"chat.postMessage calls {len(posts)}, answered 429: {limited} "
          f"({limited / len(posts):.2%})   target < 1 %: "
          f"{'OK' if limited < 0.01 * len(posts) else 'MISS'}")  # fmt: skip
    latency = [at - rows[row_id][0] for row_id, at in delivered.items()]
    floor = [best[row_id] - at for row_id, (at, _) in rows.items()]
    print(f"latency commit -> Slack receipt: p50 {pct(latency, 50):.2f} s, p99 "
          f"{pct(latency, 99):.2f} s (ideal sender: p50 {pct(floor, 50):.2f}, p99 "
          f"{pct(floor, 99):.2f})")  # fmt: skip


async def claim_cost(engine: AsyncEngine, samples: int = 20) -> None:
    """Time one claim (then next_due_at) with every row pending and every lane open."""
    async with engine.begin() as conn:
        await conn.execute(update(DeliveryPacing).values(not_before=delivery_status.EPOCH))
        await conn.execute(update(OutboxMessage).values(
            status=OutboxStatus.PENDING, next_attempt_at=utcnow(), lease_until=None))  # fmt: skip
    sessions, ms, claimed = create_sessionmaker(engine), [], 0
    for _ in range(samples):
        async with sessions() as session:
            t = [time.perf_counter()]
            claimed = len(await delivery_status.claim(session, owner="b", limit=32, lease=LEASE))
            t.append(time.perf_counter())
            await delivery_queue.next_due_at(session)
            ms.append([(b - a) * 1000 for a, b in itertools.pairwise([*t, time.perf_counter()])])
            await session.rollback()
    print(f"idle, all rows pending: claim of {claimed} rows p50 {pct([m[0] for m in ms], 50):.1f}"
          f" ms, next_due_at p50 {pct([m[1] for m in ms], 50):.1f} ms")  # fmt: skip


async def run(args: argparse.Namespace) -> None:
    print(f"{args.channels} channels x {args.per_channel} notifications; fake Slack: {RATE:g} msg"
          f"/s per channel, burst {BURST}, answers after {args.slack_delay * 1000:.0f} ms; delivery"
          f" settings: defaults, channel interval {args.channel_interval:g} s")  # fmt: skip
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="threadline-bench-") as tmp:
            await run_scenario(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args, 0)
    if args.db in ("postgresql", "both"):
        for processes in (0, 3):  # a fresh database for each scenario
            async with scratch_database(args.pg_url, SCRATCH_DB) as url:
                await run_scenario(url, args, processes)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--per-channel", type=int, default=20)
    parser.add_argument("--spread", type=float, default=2.0, help="seconds to commit all rows")
    parser.add_argument("--tx-rows", type=int, default=10, help="outbox rows per transaction")
    interval = Settings.model_fields["delivery_channel_interval_s"].default
    parser.add_argument("--channel-interval", type=float, default=interval, help="pacing, s")
    parser.add_argument("--slack-delay", type=float, default=0.0, help="fake's latency, s")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(run(parse_args()))
