"""Ack latency of `/ticket list` and `/ticket new`: the served Threadline app vs a bare Bolt app.

On SQLite (a temp file) and PostgreSQL (scratch database `threadline_ack_bench` on `--pg-url`):
migrate; start the fake Slack, the test world and Threadline exactly as `threadline serve` does
(`tests.support.slack_env.start_env`: `create_runtime` + `create_web_app` on a free port, the
fake as Web API); bulk-seed `--tickets` tickets over the world's orgs (a few hundred visible to
each acting user). Next to it, in the same process, a bare Bolt `AsyncApp` behind the same
aiohttp adapter (`create_web_app`, so with the same ack gate), signing secret and fake Slack,
whose `authorize` returns a fixed result and whose `/ticket` listener only acks.

Each batch is `--concurrency` signed slash commands over real HTTP, all sent at once by random
acting users in their ticket channels; a request's time is until its HTTP answer (the ack)
arrives. Threadline does its work after `ack()` in the background (a list posted to the
response_url, or a views.open for `new`): it runs on the same event loop while the rest of the
batch is acked, and after each batch the bench waits for every follow-up before going on, so
batches never overlap. Batches alternate Threadline / bare (ABAB) after a warm-up. Printed per
app: p50/p99 ack ms and their ratio (target <= 1.2x); the time until the follow-up arrived (what
the user waits for); the process CPU per request, follow-up included; the gen-2 GC pauses during
its batches (one stalls every ack in flight). The heap is settled as `serve` does once started
(`bot.heap.settle_heap`). Asserts nothing:

    .venv/bin/python -m bench.ack_bench [--db sqlite|postgresql|both] [--requests 500]
        [--concurrency 50] [--tickets 2000] [--pg-url URL]

Caveat: the load generator and the fake Slack share the process and event loop with both apps,
as in the tests; the fake's handling of Threadline's follow-ups therefore counts against it.
"""

import argparse
import asyncio
import gc
import logging
import random
import time
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.measure import DEFAULT_PG_URL, each_database, pct
from bench.seeding import PLATFORM_ID
from bench.seeding import World as SeedWorld
from bot.heap import settle_heap
from bot.http_app import create_web_app
from bot.slack.app import web_client
from core.models import Base
from tests.fakeslack import FakeSlack, payloads
from tests.fakeslack import SlackRequestSender as Sender
from tests.support.slack_env import (
    BOT_TOKENS,
    HOME_TEAM,
    SIGNING_SECRET,
    SlackEnv,
    free_port,
    migrated_env,
)
from tests.support.world import ORGS, USERS

SCRATCH_DB = "threadline_ack_bench"
WARMUP_BATCHES = 2  # per command and app, untimed
DEFAULT_GC_THRESHOLDS = gc.get_threshold()  # restored after each database
FOLLOW_UP_TIMEOUT_S = 60.0
COMMANDS = {"/ticket list": "list", "/ticket new": "new Printer on fire"}
ACTORS = [slack_user for *_, slack_user in USERS if slack_user]
REFUSAL_MARKS = (":warning:", ":hourglass:", ":x:", "I don't know you")


async def seed_tickets(env: SlackEnv, engine: AsyncEngine, n: int) -> None:
    """core_bench's ticket rows over the test world's orgs and users (ids 1..7, platform 1)."""
    world = SeedWorld(random.Random(1))
    world.make_vocabulary()
    org_ids = env.world.org_ids
    assert [org_ids[slug] for slug, *_ in ORGS] == list(range(PLATFORM_ID, len(ORGS) + 1))
    for slug, _kind, parent, *_ in ORGS:
        world.parent[org_ids[slug]] = org_ids[parent] if parent else None
    for name, slug, rep, *_ in USERS:
        world.users[org_ids[slug]].append(env.world.user_ids[name])
        if rep:
            world.reps[org_ids[slug]].append(env.world.user_ids[name])
    world.requester_cum = list(accumulate([1.0] * (len(ORGS) - 1)))  # every org files alike
    for batch in world.ticket_batches(n):
        async with engine.begin() as conn:
            for table, rows in batch.items():
                if rows:
                    await conn.execute(insert(Base.metadata.tables[table]), rows)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT setval('tickets_id_seq', max(id)) FROM tickets"))
            await conn.execute(text("ANALYZE"))


async def serve_bare(env: SlackEnv, engine: AsyncEngine) -> tuple[web.AppRunner, Sender]:
    """The baseline: a Bolt app whose `/ticket` only acks, served like Threadline."""
    assert env.runtime.single_workspace is not None
    fixed: AuthorizeResult = await env.runtime.single_workspace.result()

    async def authorize() -> AuthorizeResult:
        return fixed

    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=web_client(env.settings, BOT_TOKENS[HOME_TEAM]),
        authorize=authorize,
    )

    @bolt.command("/ticket")
    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    runner = web.AppRunner(create_web_app(engine, bolt), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port := free_port()).start()
    return runner, Sender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, slack=env.slack)


@dataclass
class Series:
    """The samples of one (command, app) pair."""

    ack_ms: list[float] = field(default_factory=list)
    follow_up_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0  # process CPU time of its batches (follow-ups included)
    gc_ms: list[float] = field(default_factory=list)  # gen-2 collections during its batches
    errors: int = 0  # non-200 acks, failed views.open, refusals, missing follow-ups


class Gen2Pauses(list[float]):
    """Milliseconds of every full (generation 2) garbage collection from now on."""

    def __init__(self) -> None:
        super().__init__()
        self.start = 0.0
        gc.callbacks.append(self.on_gc)

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.start = time.perf_counter()
        elif info["generation"] == 2:
            self.append((time.perf_counter() - self.start) * 1000)


class FollowUps:
    """When each response_url got its first POST (and was it a refusal), each trigger a modal."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.posted: dict[str, tuple[float, bool]] = {}  # hook id -> (wall time, ok)
        self.opened: dict[str, tuple[float, bool]] = {}  # trigger id -> (wall time, ok)
        self.seen_calls = 0
        receive = slack.response_urls.receive

        def stamped(hook_id: str, body: Any) -> tuple[int, dict[str, Any]]:
            refused = any(mark in str((body or {}).get("text")) for mark in REFUSAL_MARKS)
            self.posted.setdefault(hook_id, (time.time(), not refused))
            return receive(hook_id, body)

        slack.response_urls.receive = stamped  # type: ignore[method-assign]

    def of(self, forms: list[dict[str, str]]) -> list[tuple[float, bool] | None]:
        """(wall time, ok) of each form's follow-up, or None while it has not come."""
        calls = self.slack.calls("views.open")
        for call in calls[self.seen_calls :]:
            self.opened[str(call.args.get("trigger_id"))] = (call.time, call.ok)
        self.seen_calls = len(calls)
        posts = (self.posted.get(f["response_url"].rsplit("/", 1)[-1]) for f in forms)
        return [p or self.opened.get(f["trigger_id"]) for p, f in zip(posts, forms, strict=True)]


class Bench:
    def __init__(self, env: SlackEnv, bare: Sender, args: argparse.Namespace):
        self.env, self.slack, self.args = env, env.slack, args
        self.senders = {"threadline": env.sender, "bare": bare}
        self.follow_ups = FollowUps(env.slack)
        self.gc_pauses = Gen2Pauses()
        self.rng = random.Random(2)

    def form(self, text: str) -> dict[str, str]:
        user = self.rng.choice(ACTORS)
        where = {"team": self.env.team_of(user), "channel": self.env.home_channel(user)}
        return payloads.slash_command(self.slack, user=user, text=text, **where)

    async def batch(self, app: str, command: str, series: Series | None) -> None:
        """`concurrency` requests at once; for Threadline, then wait for every follow-up."""
        forms = [self.form(command) for _ in range(self.args.concurrency)]
        sent, cpu, collections = time.time(), time.process_time(), len(self.gc_pauses)
        answers = await asyncio.gather(*map(self.senders[app].slash_command, forms))
        if app == "threadline":
            done = await self.wait_follow_ups(forms)
        if series is None:
            return
        series.cpu_s += time.process_time() - cpu
        series.gc_ms += self.gc_pauses[collections:]
        series.ack_ms += [answer.elapsed * 1000 for answer in answers]
        series.errors += sum(answer.status != 200 for answer in answers)
        if app == "threadline":
            series.follow_up_ms += [(at - sent) * 1000 for at, _ in done if at]
            series.errors += sum(not ok for _, ok in done)

    async def wait_follow_ups(self, forms: list[dict[str, str]]) -> list[tuple[float, bool]]:
        deadline = time.monotonic() + FOLLOW_UP_TIMEOUT_S
        while not all(done := self.follow_ups.of(forms)) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # the fake has no event to wait on
        return [d or (0.0, False) for d in done]  # (0, False): never came

    async def run(self) -> dict[tuple[str, str], Series]:
        results = {(c, a): Series() for c in COMMANDS for a in self.senders}
        rounds = WARMUP_BATCHES + max(1, self.args.requests // self.args.concurrency)
        for i in range(rounds):
            for command, text_ in COMMANDS.items():
                for app in self.senders:  # ABAB
                    timed = results[command, app] if i >= WARMUP_BATCHES else None
                    await self.batch(app, text_, timed)
        return results


def print_results(db: str, results: dict[tuple[str, str], Series], elapsed: float) -> None:
    print(f"\n=== {db}: measured in {elapsed:.0f} s ===")
    print(f"{'command':<13}{'app':<11}{'n':>4}{'ack p50':>8}{'p99 ms':>8}{'follow-up p50':>14}"
          f"{'p99 ms':>8}{'CPU ms/req':>11}{'gen-2 GCs: max ms':>19}{'errors':>7}")  # fmt: skip
    for command in COMMANDS:
        for app in ("threadline", "bare"):
            s = results[command, app]
            up = f"{pct(s.follow_up_ms, 50):>14.1f}{pct(s.follow_up_ms, 99):>8.1f}" if (
                len(s.follow_up_ms) > 1) else f"{'-':>14}{'-':>8}"  # fmt: skip
            gcs = f"{len(s.gc_ms)}: {max(s.gc_ms, default=0):.0f}"
            print(f"{command:<13}{app:<11}{len(s.ack_ms):>4}{pct(s.ack_ms, 50):>8.1f}"
                  f"{pct(s.ack_ms, 99):>8.1f}{up}"
                  f"{s.cpu_s * 1000 / len(s.ack_ms):>11.2f}{gcs:>19}{s.errors:>7}")  # fmt: skip
        a, b = results[command, "threadline"].ack_ms, results[command, "bare"].ack_ms
        p50, p99 = pct(a, 50) / pct(b, 50), pct(a, 99) / pct(b, 99)
        ok = "OK" if max(p50, p99) <= 1.2 else "MISS"
        print(f"  threadline / bare: p50 {p50:.2f}x, p99 {p99:.2f}x   target <= 1.2x: {ok}")


async def bench_database(url: str, args: argparse.Namespace) -> None:
    async with migrated_env(url) as (env, engine):
        bare_runner, bare = await serve_bare(env, engine)
        try:
            await seed_tickets(env, engine, args.tickets)
            settle_heap()  # as `serve` does once started
            t0 = time.perf_counter()
            results = await Bench(env, bare, args).run()
            print_results(engine.dialect.name, results, time.perf_counter() - t0)
        finally:
            gc.unfreeze()
            gc.set_threshold(*DEFAULT_GC_THRESHOLDS)
            await bare.close()
            await bare_runner.cleanup()


async def run(args: argparse.Namespace) -> None:
    print(f"{args.tickets} tickets, {args.requests} requests per figure in batches of "
          f"{args.concurrency} concurrent, {WARMUP_BATCHES} warm-up batches each")  # fmt: skip
    async for url in each_database(args.db, args.pg_url, SCRATCH_DB):
        await bench_database(url, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=500, help="timed requests per figure")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parse_args()))
