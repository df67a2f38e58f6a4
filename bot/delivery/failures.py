"""How a failed Slack call is classified: retry later, wait for Slack, or give up now."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError

# Errors no retry can fix: dead-letter at once, with the error recorded.
PERMANENT = frozenset(
    {
        "account_inactive",
        "already_reacted",
        "no_reaction",
        "cannot_dm_bot",
        "channel_not_found",
        "ekm_access_denied",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "message_not_found",
        "cant_update_message",
        "cant_delete_message",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        "too_many_attachments",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
    }
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
DEFAULT_RETRY_AFTER_S = 1.0


class DeliveryFailure(Exception):
    """Base: `error` is what gets recorded on the outbox row."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class Transient(DeliveryFailure):
    """Slack or the network is unwell (5xx, timeouts, connection errors): back off and retry
    for as long as it takes, so an outage loses nothing."""


class Unexpected(Transient):
    """An error Slack does not document as permanent: retried, but only a few times."""


class Permanent(DeliveryFailure):
    """Slack said no for good (see PERMANENT): dead-letter now."""


@dataclass
class RateLimited(DeliveryFailure):
    """429: this method (per channel for chat.postMessage) waits `retry_after` seconds."""

    method: str
    retry_after: float

    def __post_init__(self) -> None:
        super().__init__("ratelimited")


@dataclass
class Deferred(DeliveryFailure):
    """Not an attempt: the row waits until `until` (paused method, workspace not installed)."""

    reason: str
    until: datetime

    def __post_init__(self) -> None:
        super().__init__(self.reason)


def classify(method: str, err: BaseException) -> DeliveryFailure:
    if isinstance(err, DeliveryFailure):
        return err
    if isinstance(err, SlackApiError):
        status = getattr(err.response, "status_code", 200)
        code = str(err.response.get("error") or f"http_{status}")
        if status == 429 or code in RATE_LIMITED:
            return RateLimited(method=method, retry_after=_retry_after(err))
        if status >= 500:
            return Transient(f"http_{status}")
        if code in PERMANENT:
            return Permanent(code)
        return Unexpected(code)
    if isinstance(err, asyncio.TimeoutError | aiohttp.ClientError | OSError):
        return Transient(type(err).__name__)
    return Unexpected(f"{type(err).__name__}: {err}")


def _retry_after(err: SlackApiError) -> float:
    headers = getattr(err.response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER_S
