"""Turns a ticket event into notification-center rows and outbox rows (SPEC §3).

The recipient table is data (`RECIPIENTS`), so each row of SPEC §3 maps to one entry.
Everything is inserted in the caller's transaction: a change and its notifications commit
or roll back together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Message,
    Notification,
    NotifyMode,
    Organization,
    Ticket,
    TicketSubscriber,
    User,
    utcnow,
)
from core.outbox.signal import queue_deliveries
from core.row_batch import RowBatch, write

DESCRIPTION_EXCERPT = 280
# The App Home is not urgent: a short delay lets one publish cover a burst of events (the
# sender coalesces queued refreshes) and keeps relays and DMs ahead of it.
HOME_REFRESH_DELAY = timedelta(seconds=3)
ACTIVITY_PREVIEW = 280


class EventKind(StrEnum):
    CREATED = "ticket.created"
    ASSIGNED = "ticket.assigned"
    STAGE_CHANGED = "ticket.stage_changed"
    ESCALATED = "ticket.escalated"
    DEESCALATED = "ticket.deescalated"
    MESSAGE = "message.posted"
    REPLY = "message.replied"
    REACTION = "message.reacted"
    ACKNOWLEDGED = "message.acknowledged"
    NOTE = "note.posted"


# Events that show up in the orgs' ticket threads by themselves (the new ticket's card, the
# relayed message or reaction): channel-mode orgs get no extra post about them, only DMs.
SEEN_IN_THREADS = frozenset(
    {EventKind.CREATED, EventKind.MESSAGE, EventKind.REPLY, EventKind.REACTION, EventKind.NOTE}
)


class OutboxKind(StrEnum):
    NOTIFY_CHANNEL = "notify.channel"
    NOTIFY_DM = "notify.dm"
    HOME_REFRESH = "home.refresh"


@dataclass(frozen=True)
class Recipients:
    org_ids: frozenset[int] = frozenset()
    user_ids: frozenset[int] = frozenset()


def _ids(*values: int | None) -> frozenset[int]:
    return frozenset(v for v in values if v is not None)


def _conversation(ticket: Ticket, message: Message | None) -> Recipients:
    if message is not None and message.is_internal:
        return Recipients(org_ids=_ids(message.author_org_id))
    return Recipients(org_ids=frozenset(ticket.involved_org_ids))


RecipientRule = Callable[[Ticket, Message | None], Recipients]

RECIPIENTS: MappingProxyType[EventKind, RecipientRule] = MappingProxyType(
    {
        EventKind.CREATED: lambda t, _m: Recipients(
            org_ids=_ids(t.assigned_org_id), user_ids=_ids(t.owner_id)
        ),
        EventKind.ASSIGNED: lambda t, _m: Recipients(user_ids=_ids(t.owner_id)),
        EventKind.STAGE_CHANGED: lambda t, _m: Recipients(org_ids=_ids(t.requester_org_id)),
        EventKind.ESCALATED: lambda t, _m: Recipients(org_ids=_ids(t.assigned_org_id)),
        EventKind.DEESCALATED: lambda t, _m: Recipients(
            org_ids=_ids(t.assigned_org_id, t.requester_org_id)
        ),
        EventKind.MESSAGE: _conversation,
        EventKind.REPLY: _conversation,
        EventKind.REACTION: _conversation,
        EventKind.NOTE: _conversation,
        EventKind.ACKNOWLEDGED: lambda _t, m: Recipients(
            org_ids=_ids(m.author_org_id if m else None)
        ),
    }
)


@dataclass
class EventRows:
    """What one event writes: notification-center rows and outbox rows."""

    event_id: str
    notifications: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)


def _excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def snapshot(
    kind: EventKind,
    event_id: str,
    ticket: Ticket,
    actor: User,
    activity: str,
    now: datetime,
    *,
    internal: bool,
) -> dict[str, Any]:
    """What every notification about this event shows (SPEC §3), frozen at event time."""
    return {
        "event": kind.value,
        "event_id": event_id,
        "ticket_id": ticket.id,
        "display_id": ticket.display_id,
        "title": ticket.title,
        "description_excerpt": _excerpt(ticket.description, DESCRIPTION_EXCERPT),
        "stage": ticket.stage,
        "severity": ticket.severity,
        "assigned_org": ticket.assigned_org.name,
        "owner": ticket.owner.name if ticket.owner else None,
        "activity": _excerpt(activity, ACTIVITY_PREVIEW),
        "actor": actor.name,
        "actor_id": actor.id,
        "actor_org": actor.org.name,
        "internal": internal,
        "occurred_at": now.isoformat(),
    }


def recipients_of(kind: EventKind, ticket: Ticket, message: Message | None) -> Recipients:
    """Who hears of the event (SPEC §3); never an org outside the ticket."""
    recipients = RECIPIENTS[kind](ticket, message)
    stray = recipients.org_ids - ticket.involved_org_ids
    if stray:  # a routing bug must never leak a ticket to an uninvolved org
        raise RuntimeError(f"{kind} would notify orgs {sorted(stray)} not involved in {ticket}")
    return recipients


async def emit(
    session: AsyncSession,
    *,
    kind: EventKind,
    ticket: Ticket,
    actor: User,
    activity: str,
    message: Message | None = None,
) -> str:
    """Record the event for every recipient of SPEC §3; returns the event id.

    `ticket` must have `assigned_org`, `owner` and `involved` loaded and reflect the change.
    """
    recipients = recipients_of(kind, ticket, message)
    internal_only = message is not None and message.is_internal
    direct = recipients.user_ids
    if not internal_only and kind != EventKind.CREATED:  # subscribers want public updates
        direct |= await _subscribers(session, ticket.id)
    members = await _load_members(session, recipients.org_ids, direct)
    orgs = await _orgs_of(session, ticket, members, recipients.org_ids | {ticket.assigned_org_id})
    rows = event_rows(
        kind,
        ticket=ticket,
        actor=actor,
        activity=activity,
        internal=internal_only,
        recipients=Recipients(org_ids=recipients.org_ids, user_ids=direct),
        members=members,
        orgs=orgs,
    )
    batch = RowBatch()
    add_event_rows(session, batch, rows)
    await write(session, batch)
    return rows.event_id


def created_rows(ticket: Ticket, actor: User, activity: str, assigned: list[User]) -> EventRows:
    """The rows of a new ticket's event, whose recipients (its assigned org and its owner)
    are all among `assigned`, every user of the assigned org, loaded with the routing."""
    recipients = recipients_of(EventKind.CREATED, ticket, None)
    known = {user.id for user in assigned}
    if recipients.org_ids - {ticket.assigned_org_id} or recipients.user_ids - known:
        raise RuntimeError(f"{EventKind.CREATED} names recipients outside the assigned org")
    orgs = {org.id: org for org in (ticket.assigned_org, ticket.requester_org)}
    return event_rows(
        EventKind.CREATED,
        ticket=ticket,
        actor=actor,
        activity=activity,
        internal=False,
        recipients=recipients,
        members=assigned,
        orgs=orgs,
    )


def add_event_rows(session: AsyncSession, batch: RowBatch, rows: EventRows) -> None:
    """Put an event's notification-center and outbox rows in `batch`."""
    batch.insert(Notification, rows.notifications)
    queue_deliveries(session, batch, rows.outbox)


def event_rows(
    kind: EventKind,
    *,
    ticket: Ticket,
    actor: User,
    activity: str,
    internal: bool,
    recipients: Recipients,
    members: list[User],
    orgs: dict[int, Organization],
) -> EventRows:
    """The rows for `recipients`: `members` holds every user of their orgs and every user
    they name, `orgs` every recipient org and the orgs of the members."""
    rows = EventRows(event_id=str(uuid.uuid4()))
    now = utcnow()
    payload = snapshot(kind, rows.event_id, ticket, actor, activity, now, internal=internal)
    direct = recipients.user_ids
    members = [u for u in members if u.org_id in recipients.org_ids or u.id in direct]

    notified: set[int] = set()
    for user in members:
        if user.id == actor.id or user.id in notified:
            continue
        if user.org_id not in ticket.involved_org_ids:
            continue
        notified.add(user.id)
        rows.notifications.append(
            {
                "user_id": user.id,
                "ticket_id": ticket.id,
                "event_id": rows.event_id,
                "event": kind.value,
                "summary": payload["activity"],
                "payload": payload,
                "created_at": now,
            }
        )

    dm_users = [
        u
        for u in members
        if u.id in notified
        and u.has_slack_identity
        and (u.id in direct or _org_notify(orgs, u) != NotifyMode.CHANNEL)
    ]
    for user in dm_users:
        rows.outbox.append(_dm_row(OutboxKind.NOTIFY_DM, rows.event_id, ticket, user, payload, now))
    home = {k: payload[k] for k in ("event", "event_id", "display_id", "internal", "actor_id")}
    for user in members:  # their App Home shows the notification center: republish it
        if user.id in notified and user.has_slack_identity:
            rows.outbox.append(
                _dm_row(OutboxKind.HOME_REFRESH, rows.event_id, ticket, user, home, now)
            )

    for org_id in sorted(recipients.org_ids):
        org = orgs[org_id]
        if org.notify == NotifyMode.DM or not (org.slack_team and org.ticket_channel):
            continue
        if kind in SEEN_IN_THREADS:
            continue
        rows.outbox.append(
            _channel_row(
                OutboxKind.NOTIFY_CHANNEL,
                rows.event_id,
                ticket,
                org,
                org.ticket_channel,
                payload,
                now,
            )
        )
    return rows


def _dm_row(
    kind: OutboxKind,
    event_id: str,
    ticket: Ticket,
    user: User,
    payload: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """A row addressed to one user: a DM, or their App Home (each its own pacing lane)."""
    lane = "dm" if kind == OutboxKind.NOTIFY_DM else "home"
    return {
        "slack_channel": None,
        "kind": kind.value,
        "dedupe_key": f"{event_id}:{lane}:{user.id}",
        "event_id": event_id,
        "ticket_id": ticket.id,
        "org_id": user.org_id,
        "user_id": user.id,
        "slack_team": user.slack_team,
        "slack_user": user.slack_user,
        "bucket": f"{user.slack_team}:{lane}:{user.slack_user}",
        "payload": payload,
        "next_attempt_at": now + HOME_REFRESH_DELAY if kind == OutboxKind.HOME_REFRESH else now,
        "created_at": now,
    }


def _channel_row(
    kind: OutboxKind,
    event_id: str,
    ticket: Ticket,
    org: Organization,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "dedupe_key": f"{event_id}:{kind.value}:{org.id}",
        "event_id": event_id,
        "ticket_id": ticket.id,
        "org_id": org.id,
        "user_id": None,
        "slack_user": None,
        "slack_team": org.slack_team,
        "slack_channel": channel,
        "bucket": f"{org.slack_team}:{channel}",
        "payload": payload,
        "next_attempt_at": now,
        "created_at": now,
    }


def _org_notify(orgs: dict[int, Organization], user: User) -> str:
    org = orgs.get(user.org_id)
    return org.notify if org is not None else NotifyMode.CHANNEL


async def _subscribers(session: AsyncSession, ticket_id: int) -> frozenset[int]:
    rows = await session.scalars(
        select(TicketSubscriber.user_id).where(TicketSubscriber.ticket_id == ticket_id)
    )
    return frozenset(rows)


async def _orgs_of(
    session: AsyncSession, ticket: Ticket, members: list[User], org_ids: Iterable[int]
) -> dict[int, Organization]:
    """The recipient orgs, mostly already loaded (the ticket's orgs, members' orgs)."""
    known = {org.id: org for org in (ticket.assigned_org, ticket.requester_org) if org}
    known.update((user.org_id, user.org) for user in members)
    missing = set(org_ids) - set(known)
    if missing:
        result = await session.scalars(select(Organization).where(Organization.id.in_(missing)))
        known.update((org.id, org) for org in result)
    return known


async def _load_members(
    session: AsyncSession, org_ids: frozenset[int], user_ids: frozenset[int]
) -> list[User]:
    if not org_ids and not user_ids:
        return []
    condition = User.org_id.in_(org_ids) | User.id.in_(user_ids)
    return list(await session.scalars(select(User).where(condition).order_by(User.id)))
