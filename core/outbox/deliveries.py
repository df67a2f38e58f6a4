"""What the outbox delivers, typed: one constructor per kind of delivery, and `enqueue`.

Every outbox row is built here, so its pacing lane is named in one place: a channel's posts
share the channel's lane, a user's DMs and App Home refreshes one lane each, and a Web API
method Slack paused is a lane of its own. `enqueue` writes the rows in the caller's
transaction (one ORM bulk INSERT) and has that transaction wake the delivery workers when it
commits (`core.outbox.signal`), so a delivery is never lost to a crash and never sent for a
change that rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Organization, OutboxMessage, TicketThread, User, utcnow
from core.outbox import signal

# The App Home is not urgent: a short delay lets one publish cover a burst of events (the
# sender coalesces queued refreshes) and keeps relays and DMs ahead of it.
HOME_REFRESH_DELAY = timedelta(seconds=3)


class DeliveryKind(StrEnum):
    """Selects the sender of a delivery (`bot.delivery.registry`)."""

    NOTIFY_CHANNEL = "notify.channel"
    NOTIFY_DM = "notify.dm"
    HOME_REFRESH = "home.refresh"
    THREAD_OPEN = "thread.open"
    CARD_UPDATE = "card.update"
    RELAY_POST = "relay.post"
    RELAY_EDIT = "relay.edit"
    RELAY_DELETE = "relay.delete"
    RELAY_REACT = "relay.react"
    RELAY_UNREACT = "relay.unreact"


def channel_lane(team: str | None, channel: str | None) -> str:
    """Posts to one channel: Slack allows about one a second."""
    return f"{team}:{channel}"


def _surface(kind: DeliveryKind) -> str:
    return "home" if kind == DeliveryKind.HOME_REFRESH else "dm"


def user_lane(team: str | None, kind: DeliveryKind, slack_user: str | None) -> str:
    """A user's DMs, or their App Home: each paced on its own."""
    return f"{team}:{_surface(kind)}:{slack_user}"


def method_lane(team: str, method: str) -> str:
    """A Web API method Slack rate-limited for the workspace, paused until Retry-After."""
    return f"{team}:method:{method}"


@dataclass(frozen=True)
class Delivery:
    """One outbox row to be written (its columns by name)."""

    kind: DeliveryKind
    dedupe_key: str
    event_id: str
    ticket_id: int | None
    org_id: int | None
    lane: str
    payload: dict[str, Any]
    next_attempt_at: datetime
    created_at: datetime
    user_id: int | None = None
    slack_team: str | None = None
    slack_channel: str | None = None
    slack_user: str | None = None

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _COLUMNS}


_COLUMNS = tuple(f.name for f in fields(Delivery))
# ORM bulk INSERT. `render_nulls`: rows that leave different columns NULL (a DM has no
# channel, a channel post no user) still go in one executemany, not one per NULL pattern.
_INSERT = insert(OutboxMessage).execution_options(render_nulls=True)


def channel_post(
    kind: DeliveryKind,
    *,
    event_id: str,
    ticket_id: int,
    org: Organization,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> Delivery:
    """An org-level notice in one of the org's channels."""
    return Delivery(
        kind=kind,
        dedupe_key=f"{event_id}:{kind.value}:{org.id}",
        event_id=event_id,
        ticket_id=ticket_id,
        org_id=org.id,
        slack_team=org.slack_team,
        slack_channel=channel,
        lane=channel_lane(org.slack_team, channel),
        payload=payload,
        next_attempt_at=now,
        created_at=now,
    )


def _to_user(
    kind: DeliveryKind,
    event_id: str,
    ticket_id: int,
    user: User,
    payload: dict[str, Any],
    due: datetime,
    now: datetime,
) -> Delivery:
    return Delivery(
        kind=kind,
        dedupe_key=f"{event_id}:{_surface(kind)}:{user.id}",
        event_id=event_id,
        ticket_id=ticket_id,
        org_id=user.org_id,
        user_id=user.id,
        slack_team=user.slack_team,
        slack_user=user.slack_user,
        lane=user_lane(user.slack_team, kind, user.slack_user),
        payload=payload,
        next_attempt_at=due,
        created_at=now,
    )


def direct_message(
    *, event_id: str, ticket_id: int, user: User, payload: dict[str, Any], now: datetime
) -> Delivery:
    """A notification DM to one user."""
    return _to_user(DeliveryKind.NOTIFY_DM, event_id, ticket_id, user, payload, now, now)


def home_refresh(
    *, event_id: str, ticket_id: int, user: User, payload: dict[str, Any], now: datetime
) -> Delivery:
    """Republish a user's App Home (it shows the notification center), a little later."""
    due = now + HOME_REFRESH_DELAY
    return _to_user(DeliveryKind.HOME_REFRESH, event_id, ticket_id, user, payload, due, now)


def to_thread(
    kind: DeliveryKind, thread: TicketThread, payload: dict[str, Any], now: datetime
) -> Delivery:
    """A mirroring delivery into one ticket thread, in its channel's lane."""
    key = uuid.uuid4().hex
    return Delivery(
        kind=kind,
        dedupe_key=f"{kind.value}:{thread.id}:{key}",
        event_id=key,
        ticket_id=thread.ticket_id,
        org_id=thread.org_id,
        slack_team=thread.slack_team,
        slack_channel=thread.slack_channel,
        lane=channel_lane(thread.slack_team, thread.slack_channel),
        payload={"thread_id": thread.id, **payload},
        next_attempt_at=now,
        created_at=now,
    )


def thread_opens(threads: Iterable[TicketThread], summary: str | None) -> list[Delivery]:
    """Post the card that roots each thread (with `summary` under it, if any)."""
    now = utcnow()
    return [to_thread(DeliveryKind.THREAD_OPEN, t, {"summary": summary}, now) for t in threads]


def card_updates(threads: Iterable[TicketThread]) -> list[Delivery]:
    """Re-render the ticket card at the root of each thread."""
    now = utcnow()
    return [to_thread(DeliveryKind.CARD_UPDATE, thread, {}, now) for thread in threads]


def relays(
    kind: DeliveryKind, copies: Iterable[tuple[TicketThread, int]], **extra: str
) -> list[Delivery]:
    """Relay a post, edit, delete or reaction to each (thread, message copy id)."""
    now = utcnow()
    return [to_thread(kind, t, {"copy_id": copy_id, **extra}, now) for t, copy_id in copies]


async def enqueue(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
    """Write the deliveries with the caller's change, and wake the workers at its commit."""
    if not deliveries:
        return
    await session.execute(_INSERT, [delivery.row() for delivery in deliveries])
    await signal.wake_workers_at_commit(session)
