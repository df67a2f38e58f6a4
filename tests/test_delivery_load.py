"""Delivery under load and failure (issue: durable, rate-limit-aware delivery).

PostgreSQL: three `threadline worker` processes share the queue. SQLite: the single
in-process worker. Both against the fake Slack answering 5 % of posts with 429
(`Retry-After: 1`) and 2 % with 503.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections import Counter, defaultdict

import pytest

from core.models import OutboxStatus
from core.services import tickets
from tests.support.cli_helpers import run_cli_in_process
from tests.support.delivery_helpers import (
    channel_rows,
    insert_rows,
    running_worker,
    spawn_worker,
    status_counts,
    wait_until_delivered,
    worker_settings,
)
from tests.support.slack_env import BOT_TOKENS, populate_fake
from tests.support.world import build_world

TOKEN = "xoxb-load"
TEAM = "T0LOAD"


def _channels(slack, count):
    slack.add_team(TEAM, bot_token=TOKEN, bot_user_id="UBLOAD", bot_id="BLOAD")
    channels = [f"C0LOAD{i:03d}" for i in range(count)]
    for channel in channels:
        slack.add_channel(TEAM, channel, channel.lower(), members=["UBLOAD"])
    return channels


def _delivered(slack):
    """Successful posts per display id, and post times per channel."""
    per_ticket: Counter[str] = Counter()
    times: dict[str, list[float]] = defaultdict(list)
    for call in slack.calls("chat.postMessage"):
        if call.ok:
            text = call.args.get("text", "")
            per_ticket[text.split("TKT-")[1].split()[0]] += 1
            times[call.args["channel"]].append(call.time)
    return per_ticket, times


class Workers:
    """PostgreSQL: three worker processes; SQLite: the single in-process worker."""

    def __init__(self, database_url, slack, sessions):
        self.url, self.slack, self.sessions = database_url, slack, sessions
        self.postgres = database_url.startswith("postgresql")
        self.processes = []
        self._inprocess = None

    async def __aenter__(self):
        if self.postgres:
            self.processes = [spawn_worker(self.url, self.slack, TOKEN) for _ in range(3)]
        else:
            settings = worker_settings(self.url, self.slack, TOKEN)
            self._inprocess = running_worker(settings, self.sessions, TOKEN)
            await self._inprocess.__aenter__()
        return self

    async def __aexit__(self, *exc):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            await asyncio.to_thread(process.wait, 30)
        if self._inprocess is not None:
            await self._inprocess.__aexit__(*exc)


async def test_load_with_rate_limits_and_errors(fake_slack, engine, sessions, database_url):
    channels = _channels(fake_slack, 100)
    fake_slack.inject("chat.postMessage", status=429, retry_after=1, rate=0.05)
    fake_slack.inject("chat.postMessage", status=503, rate=0.02)
    await insert_rows(engine, channel_rows(2000, channels, team=TEAM))
    async with Workers(database_url, fake_slack, sessions):
        counts = await wait_until_delivered(sessions, 2000, within=240)
    assert counts == {OutboxStatus.SENT: 2000}

    per_ticket, times = _delivered(fake_slack)
    assert len(per_ticket) == 2000
    assert set(per_ticket.values()) == {1}, "a notification arrived twice"
    for channel, stamps in times.items():
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        if min(gaps) < 0.9:
            timeline = [
                (round(c.time - stamps[0], 3), c.status, c.args.get("text", "")[:40])
                for c in fake_slack.calls("chat.postMessage")
                if c.args.get("channel") == channel
            ]
            raise AssertionError(f"{channel}: two posts {min(gaps):.3f}s apart: {timeline}")

    limited = [c for c in fake_slack.calls("chat.postMessage") if c.status == 429]
    assert limited, "the fault injection did not fire"
    for hit in limited:
        later = [
            c.time
            for c in fake_slack.calls("chat.postMessage")
            if c.args["channel"] == hit.args["channel"] and c.time > hit.time
        ]
        if later:
            assert min(later) - hit.time >= 1.0, "called a paused method before Retry-After"


async def test_crash_redelivers_with_bounded_duplicates(fake_slack, engine, sessions, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes share the queue on PostgreSQL; SQLite runs one in-process")
    channels = _channels(fake_slack, 30)
    await insert_rows(engine, channel_rows(450, channels, team=TEAM))
    first = spawn_worker(database_url, fake_slack, TOKEN)
    try:
        await wait_until_delivered(sessions, 100, within=60)
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait, 10)
        second = spawn_worker(database_url, fake_slack, TOKEN)
        try:
            counts = await wait_until_delivered(sessions, 450, within=120)
        finally:
            second.send_signal(signal.SIGTERM)
            await asyncio.to_thread(second.wait, 30)
    finally:
        if first.poll() is None:
            first.kill()
    assert counts == {OutboxStatus.SENT: 450}
    per_ticket, _ = _delivered(fake_slack)
    assert len(per_ticket) == 450
    duplicates = sum(n - 1 for n in per_ticket.values())
    assert duplicates <= 1, f"{duplicates} duplicates after one kill"


async def test_slack_outage_loses_nothing(fake_slack, engine, sessions, database_url):
    populate_fake(fake_slack)
    world = await build_world(sessions, notify={"northwind": "channel"})
    settings = worker_settings(database_url, fake_slack, BOT_TOKENS["T0PLAT"])
    outage = fake_slack.inject(status=503, rate=1.0)
    async with running_worker(settings, sessions, BOT_TOKENS["T0PLAT"]):
        created = []
        for n in range(6):  # ticket work goes on while Slack is down
            created.append(await world.act("carl", tickets.create, title=f"During outage {n}"))
            await asyncio.sleep(5)
        assert len(created) == 6
        assert not [c for c in fake_slack.calls("chat.postMessage") if c.ok]
        fake_slack.faults.rules.remove(outage)
        counts = await wait_until_delivered(
            sessions, sum((await status_counts(sessions)).values()), 60
        )
    assert set(counts) == {OutboxStatus.SENT}
    posted = " ".join(m.get("text", "") for m in fake_slack.messages("C0NWTIX"))
    for ticket in created:
        assert ticket.display_id in posted


async def test_permanent_errors_dead_letter_at_once_and_can_be_retried(
    fake_slack, engine, sessions, database_url, tmp_path
):
    channels = _channels(fake_slack, 3)
    fake_slack.channels[channels[0]].is_archived = True
    await insert_rows(engine, channel_rows(9, channels, team=TEAM))
    settings = worker_settings(database_url, fake_slack, TOKEN)
    async with running_worker(settings, sessions, TOKEN):
        counts = await wait_until_delivered(sessions, 9, within=30)
    assert counts == {OutboxStatus.SENT: 6, OutboxStatus.DEAD: 3}
    attempts = [c for c in fake_slack.calls("chat.postMessage") if c.args["channel"] == channels[0]]
    assert len(attempts) == 3  # once each: no retries of a permanent error

    listed = await asyncio.to_thread(
        run_cli_in_process,
        ["deliveries", "list", "--dead"],
        database_url=database_url,
        cwd=tmp_path,
    )
    assert listed.returncode == 0
    assert listed.stdout.count("is_archived") == 3

    fake_slack.channels[channels[0]].is_archived = False
    retried = await asyncio.to_thread(
        run_cli_in_process,
        ["deliveries", "retry", "--all-dead"],
        database_url=database_url,
        cwd=tmp_path,
    )
    assert "requeued 3 dead deliveries" in retried.stdout
    async with running_worker(settings, sessions, TOKEN):
        counts = await wait_until_delivered(sessions, 9, within=30)
    assert counts == {OutboxStatus.SENT: 9}
    assert len(fake_slack.messages(channels[0])) == 3
