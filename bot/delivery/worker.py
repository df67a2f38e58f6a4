"""The delivery worker: claim due outbox rows, call Slack outside any transaction, record.

Several workers (processes or `serve`s) may share one PostgreSQL database: claiming uses
`FOR UPDATE SKIP LOCKED`, and pacing lanes and method pauses live in the database, so the
limits hold for all of them together. On SQLite one worker runs inside `serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.failures import (
    Deferred,
    Permanent,
    RateLimited,
    Transient,
    Unexpected,
    classify,
)
from bot.delivery.metrics import DeliveryMetrics
from bot.delivery.outcomes import OutcomeRecorder
from bot.delivery.registry import build_senders
from bot.delivery.senders import Job, SenderCache
from bot.delivery.slack_access import SlackAccess, SlackCall
from bot.delivery.wakeup import Wakeup
from core.config import Settings
from core.db import read_only_sessions
from core.models import OutboxMessage, OutboxStatus, utcnow
from core.outbox import lookups, status
from core.outbox import queue as delivery_queue
from core.outbox.lookups import ThreadKey, ThreadRoot
from core.outbox.status import Claim, Outcome

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 600.0
# A lane reopens an interval after its post left, and never sooner than this share of an
# interval after Slack answered: consecutive posts reach Slack at least that far apart
# however long each took to arrive, while a steady lane still keeps its full rate.
ANSWER_GAP = 0.9
# Rows are claimed this long before their lane opens, so the claim and the sender's lookups
# are done by then and the post leaves on time (the post itself waits for the lane).
CLAIM_AHEAD = timedelta(seconds=0.1)


class DeliveryWorker:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        access: SlackAccess,
        *,
        metrics: DeliveryMetrics | None = None,
        name: str | None = None,
        owned_engine: AsyncEngine | None = None,
    ) -> None:
        """`owned_engine`: the worker's own connection pool, disposed when it stops."""
        self.settings = settings
        self.sessions = sessions
        self.reads = read_only_sessions(sessions)
        self.access = access
        self.metrics = metrics or DeliveryMetrics()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.wakeup = Wakeup(settings.database_url)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._lease = timedelta(seconds=settings.delivery_lease_s)
        self._next_prune = 0.0
        self._owned_engine = owned_engine
        self._cache = SenderCache()
        self._senders = build_senders()
        self._outcomes = OutcomeRecorder(sessions, owner=self.name)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; in-flight deliveries finish before returning."""
        await self.wakeup.start()
        log.info("delivery worker %s started", self.name)
        try:
            while not stop.is_set():
                requested = self._free_slots()
                if requested and await self._claim_batch(requested) == requested:
                    continue  # every slot filled: more may be due right now
                await self._sleep(stop)
                await self._prune_when_due()
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            await self.wakeup.stop()
            await self.access.close()
            if self._owned_engine is not None:
                await self._owned_engine.dispose()
            log.info("delivery worker %s stopped", self.name)

    def _free_slots(self) -> int:
        return self.settings.delivery_concurrency - len(self._in_flight)

    async def _claim_batch(self, free: int) -> int:
        try:
            async with self.sessions.begin() as session:
                claims = await status.claim(
                    session, owner=self.name, limit=free, lease=self._lease, ahead=CLAIM_AHEAD
                )
                roots = await lookups.thread_roots(session, [claimed.row for claimed in claims])
                for claimed in claims:
                    session.expunge(claimed.row)  # a plain copy for use after the claim

        except Exception as err:  # database down: wait, then try again
            log.warning("claiming deliveries failed: %s", type(err).__name__)
            return 0
        for claimed in claims:
            task = asyncio.create_task(self._deliver(claimed, roots))
            self._in_flight.add(task)
            task.add_done_callback(self._done)
        return len(claims)

    def _done(self, task: asyncio.Task[None]) -> None:
        was_full = self._free_slots() == 0
        self._in_flight.discard(task)
        if was_full:
            self.wakeup.set()  # a slot is free again

    async def _sleep(self, stop: asyncio.Event) -> None:
        timeout = self.settings.delivery_poll_s
        if self._free_slots() > 0:
            with contextlib.suppress(Exception):
                async with self.reads.begin() as session:
                    due = await delivery_queue.next_due_at(session)
                if due is not None:
                    ready = due - CLAIM_AHEAD - utcnow()
                    timeout = min(timeout, max(ready.total_seconds(), 0.0))
        await self.wakeup.wait(timeout, also=stop)

    async def _prune_when_due(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_S
        cutoff = utcnow() - timedelta(hours=self.settings.delivery_retention_hours)
        with contextlib.suppress(Exception):
            async with self.sessions.begin() as session:
                pruned = await delivery_queue.prune(session, sent_before=cutoff)
            if pruned:
                log.info("pruned %d delivered outbox rows", pruned)

    # -- one row --------------------------------------------------------------------------

    async def _deliver(self, claimed: Claim, roots: dict[ThreadKey, ThreadRoot | None]) -> None:
        started, row = time.monotonic(), claimed.row
        team = row.slack_team or ""
        try:
            sender = self._senders.get(row.kind)
            if sender is None:
                raise Permanent(f"no sender for outbox kind {row.kind!r}")
            client = await self.access.client_for(team)
            job = Job(
                row=row,
                slack=SlackCall(client, team, self.reads, lane_opens_at=claimed.not_before),
                sessions=self.sessions,
                reads=self.reads,
                uncertain=claimed.uncertain,
                cache=self._cache,
                roots=roots,
            )
            sent_at = max(utcnow(), claimed.not_before)
            await sender(job)
        except Exception as err:  # every failure becomes an outcome; nothing escapes
            outcome = await self._failed(row, classify("send", err))
        else:
            answered_at, interval = utcnow(), self.settings.delivery_channel_interval_s
            outcome = Outcome(
                row_id=row.id,
                lane=row.lane,
                status=OutboxStatus.SENT,
                lane_open_at=max(
                    sent_at + timedelta(seconds=interval),
                    answered_at + timedelta(seconds=interval * ANSWER_GAP),
                ),
            )
            self.metrics.sent(row.kind, (answered_at - row.created_at).total_seconds())
        await self._outcomes.record(outcome)
        self._wake_when_open(outcome.lane_open_at)
        log.info(
            "delivery",
            extra={
                "delivery_id": row.id,
                "kind": row.kind,
                "lane": row.lane,
                "status": str(outcome.status),
                "error": outcome.error,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )

    def _wake_when_open(self, when: datetime) -> None:
        """Claim again as this lane reopens, rather than on every finished delivery."""
        delay = max((when - CLAIM_AHEAD - utcnow()).total_seconds(), 0.0)
        asyncio.get_running_loop().call_later(delay, self.wakeup.set)

    async def _failed(self, row: OutboxMessage, failure: Exception) -> Outcome:
        now = utcnow()
        if isinstance(failure, Deferred):
            return Outcome(
                row_id=row.id,
                lane=row.lane,
                status=OutboxStatus.PENDING,
                lane_open_at=now,
                next_attempt_at=failure.until,
                error=failure.error,
                counts_attempt=False,
            )
        if isinstance(failure, RateLimited):
            self.metrics.rate_limited(failure.method)
            until = now + timedelta(seconds=failure.retry_after)
            if failure.method != "chat.postMessage":
                async with self.sessions.begin() as session:
                    await status.pause_method(
                        session, team=row.slack_team or "", method=failure.method, until=until
                    )
            log.info("Slack rate-limited %s; waiting %.1fs", failure.method, failure.retry_after)
            return Outcome(
                row_id=row.id,
                lane=row.lane,
                status=OutboxStatus.PENDING,
                lane_open_at=until if failure.method == "chat.postMessage" else now,
                next_attempt_at=until,
                error="ratelimited",
                counts_attempt=False,
            )
        error = getattr(failure, "error", str(failure))
        attempts = row.attempts + 1
        gave_up = (
            isinstance(failure, Unexpected) and attempts >= self.settings.delivery_max_attempts
        )
        if isinstance(failure, Permanent) or gave_up:
            self.metrics.dead(row.kind)
            log.warning(
                "delivery %s (%s) dead after %d attempt(s): %s", row.id, row.kind, attempts, error
            )
            return Outcome(
                row_id=row.id,
                lane=row.lane,
                status=OutboxStatus.DEAD,
                lane_open_at=now,
                error=error,
            )
        assert isinstance(failure, Transient)
        self.metrics.retried(row.kind)
        delay = self._backoff(attempts)
        return Outcome(
            row_id=row.id,
            lane=row.lane,
            status=OutboxStatus.PENDING,
            lane_open_at=now,
            next_attempt_at=now + timedelta(seconds=delay),
            error=error,
        )

    def _backoff(self, attempts: int) -> float:
        """Exponential with full jitter between half and all of the step, capped."""
        base = self.settings.delivery_backoff_base_s
        step = min(self.settings.delivery_backoff_cap_s, base * 2 ** (attempts - 1))
        return float(step * (0.5 + random.random() / 2))  # noqa: S311 (jitter, not crypto)
