"""Prometheus metrics of delivery, served at `/metrics`.

Counters and the latency histogram count what this process did; the queue gauges are read
from the database when scraped, so every process reports the same shared queue.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import utcnow
from core.outbox import queue as delivery_queue

SENT = Counter("threadline_deliveries_sent_total", "Outbox rows delivered to Slack", ["kind"])
RETRIED = Counter(
    "threadline_deliveries_retried_total", "Deliveries scheduled for another attempt", ["kind"]
)
DEAD = Counter("threadline_deliveries_dead_total", "Deliveries given up (dead-lettered)", ["kind"])
RATE_LIMITED = Counter(
    "threadline_slack_rate_limited_total", "Slack answers with HTTP 429", ["method"]
)
LATENCY = Histogram(
    "threadline_delivery_latency_seconds",
    "From the change's commit to its delivery to Slack",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
PENDING = Gauge("threadline_deliveries_pending", "Outbox rows not yet delivered")
OLDEST_PENDING_AGE = Gauge(
    "threadline_deliveries_oldest_pending_age_seconds", "Age of the oldest undelivered row"
)
DEAD_ROWS = Gauge("threadline_deliveries_dead_rows", "Dead-lettered outbox rows awaiting a retry")


class DeliveryMetrics:
    def sent(self, kind: str, latency_s: float) -> None:
        SENT.labels(kind).inc()
        LATENCY.observe(max(latency_s, 0.0))

    def retried(self, kind: str) -> None:
        RETRIED.labels(kind).inc()

    def dead(self, kind: str) -> None:
        DEAD.labels(kind).inc()

    def rate_limited(self, method: str) -> None:
        RATE_LIMITED.labels(method).inc()


async def refresh_queue_gauges(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        queue = await delivery_queue.stats(session)
    PENDING.set(queue.pending)
    DEAD_ROWS.set(queue.dead)
    age = (utcnow() - queue.oldest_pending_at).total_seconds() if queue.oldest_pending_at else 0
    OLDEST_PENDING_AGE.set(max(age, 0.0))
