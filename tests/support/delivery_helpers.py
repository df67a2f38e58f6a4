"""Running delivery workers against the fake Slack, in-process or as `threadline worker`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.slack_access import SlackAccess
from bot.delivery.worker import DeliveryWorker
from core.config import Settings
from core.models import OutboxMessage, OutboxStatus
from core.outbox.deliveries import channel_lane
from tests.fakeslack import FakeSlack

FAST = {
    "THREADLINE_DELIVERY_BACKOFF_BASE": "0.2",
    "THREADLINE_DELIVERY_BACKOFF_CAP": "2",
    "THREADLINE_DELIVERY_LEASE": "3",
    "THREADLINE_DELIVERY_POLL": "0.5",
}


def worker_settings(url: str, slack: FakeSlack, token: str, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": "unused",
        "SLACK_API_URL": slack.api_url,
        **FAST,
        **extra,
    }
    return Settings(**env)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_worker(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], token: str
) -> AsyncIterator[DeliveryWorker]:
    worker = DeliveryWorker(
        settings, sessions, SlackAccess(api_url=settings.slack_api_url, single_token=token)
    )
    async with worker_running(worker):
        yield worker


@contextlib.asynccontextmanager
async def worker_running(worker: DeliveryWorker) -> AsyncIterator[None]:
    """Run the worker until the block ends, then stop it as a SIGTERM would."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def spawn_worker(url: str, slack: FakeSlack, token: str, **extra: str) -> subprocess.Popen[str]:
    """A real `threadline worker` process (its output goes to the test's stderr)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "THREADLINE_"))},
        "DATABASE_URL": url,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": "unused",
        "SLACK_API_URL": slack.api_url,
        **FAST,
        **extra,
    }
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker"], env=env, text=True)


def channel_rows(
    count: int, channels: list[str], *, team: str = "T0PLAT", start: int = 0
) -> list[dict[str, Any]]:
    """Outbox rows as `core.services.notifications.emit` writes them: one channel post each."""
    now = datetime.now(UTC)
    rows = []
    for i in range(start, start + count):
        channel = channels[i % len(channels)]
        rows.append(
            {
                "kind": "notify.channel",
                "dedupe_key": f"ev{i}:notify.channel:1",
                "event_id": f"ev{i}",
                "slack_team": team,
                "slack_channel": channel,
                "lane": channel_lane(team, channel),
                "payload": {
                    "event": "ticket.created",
                    "display_id": f"TKT-{i}",
                    "title": f"Load test {i}",
                    "activity": f"delivery number {i}",
                    "stage": "queued",
                    "severity": "medium",
                    "assigned_org": "Revampd",
                    "owner": None,
                    "occurred_at": now.isoformat(),
                },
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return rows


async def insert_rows(engine: AsyncEngine, rows: list[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        for chunk in range(0, len(rows), 500):
            await conn.execute(insert(OutboxMessage), rows[chunk : chunk + 500])


async def status_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as s:
        result = await s.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: count for status, count in result}


async def wait_until_delivered(
    sessions: async_sessionmaker[AsyncSession], total: int, within: float
) -> dict[str, int]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        counts = await status_counts(sessions)
        done = counts.get(OutboxStatus.SENT, 0) + counts.get(OutboxStatus.DEAD, 0)
        if done >= total or asyncio.get_running_loop().time() > deadline:
            return counts
        await asyncio.sleep(0.25)
