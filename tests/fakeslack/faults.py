"""Fault injection and rate limiting: the failures an app must survive (CONTRACT.md §4).

- `inject(...)` rules fire for a method (or any method) a number of `times`, or with a
  probability `rate` drawn from a seeded RNG, so a flaky run replays identically. A rule can
  delay the answer (`delay`), fail it (`status` 429 with `Retry-After`, or 5xx), or both.
- `enforce_channel_rate(per_second, burst)` models chat.postMessage's "one message per
  second per channel" with a token bucket per (team, channel), answering 429 beyond it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from .context import SlackError
from .records import Clock

_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass
class FaultRule:
    """One injected fault; `times=None` means unlimited (with `rate`, or forever)."""

    method: str | None
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    times: int | None = 1
    rate: float | None = None
    error: str | None = None
    fired: int = 0

    def applies(self, method: str, rng: random.Random) -> bool:
        if self.method not in (None, method):
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        return self.rate is None or rng.random() < self.rate

    def failure(self) -> SlackError | None:
        if self.status is None:
            return None
        headers = {}
        if self.status == 429:
            headers["Retry-After"] = str(self.retry_after if self.retry_after is not None else 1)
        error = self.error or _STATUS_ERRORS.get(self.status, "fatal_error")
        return SlackError(error, status=self.status, headers=headers)


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class ChannelRateLimit:
    """Token bucket per (team, channel) for chat.postMessage."""

    per_second: float
    burst: int
    buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def retry_after(self, key: tuple[str, str], now: float) -> int | None:
        """None if a message may go now (and take a token), else seconds to wait."""
        bucket = self.buckets.setdefault(key, _Bucket(float(self.burst), now))
        bucket.tokens = min(
            float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second
        )
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))


class Faults:
    """The active fault rules and channel rate limit of one fake."""

    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.rules: list[FaultRule] = []
        self.channel_rate: ChannelRateLimit | None = None

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def pick(self, method: str) -> FaultRule | None:
        """The first rule that fires for this call (counted as fired), if any."""
        for rule in self.rules:
            if rule.applies(method, self.rng):
                rule.fired += 1
                return rule
        return None

    def check_channel_rate(self, method: str, team_id: str, channel_id: str | None) -> None:
        """Raise Slack's 429 when chat.postMessage exceeds the channel's rate."""
        if self.channel_rate is None or method != "chat.postMessage" or not channel_id:
            return
        wait = self.channel_rate.retry_after((team_id, channel_id), self.clock.now())
        if wait is not None:
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
