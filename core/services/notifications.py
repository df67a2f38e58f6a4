"""Turns a ticket event into notification-center rows and deliveries (SPEC §3).

Who hears of an event and what it shows is `core.services.events`. Everything is inserted
in the caller's transaction: a change and its notifications commit or roll back together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
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
from core.outbox import deliveries
from core.outbox.deliveries import Delivery, DeliveryKind
from core.services.events import (
    SEEN_IN_THREADS,
    EventKind,
    Recipients,
    recipients_of,
    snapshot,
)


@dataclass
class EventRows:
    """What one event writes: notification-center rows and deliveries."""

    event_id: str
    notifications: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


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
    await write_event(session, rows)
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


async def write_event(session: AsyncSession, rows: EventRows) -> None:
    """Insert an event's notification-center rows (one bulk INSERT) and queue its
    deliveries, in the caller's transaction."""
    if rows.notifications:
        await session.execute(insert(Notification), rows.notifications)
    await deliveries.enqueue(session, rows.deliveries)


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
    event_id = rows.event_id
    rows.deliveries += [
        deliveries.direct_message(
            event_id=event_id, ticket_id=ticket.id, user=user, payload=payload, now=now
        )
        for user in dm_users
    ]
    home = {k: payload[k] for k in ("event", "event_id", "display_id", "internal", "actor_id")}
    rows.deliveries += [  # their App Home shows the notification center: republish it
        deliveries.home_refresh(
            event_id=event_id, ticket_id=ticket.id, user=user, payload=home, now=now
        )
        for user in members
        if user.id in notified and user.has_slack_identity
    ]

    for org_id in sorted(recipients.org_ids):
        org = orgs[org_id]
        if org.notify == NotifyMode.DM or not (org.slack_team and org.ticket_channel):
            continue
        if kind in SEEN_IN_THREADS:
            continue
        rows.deliveries.append(
            deliveries.channel_post(
                DeliveryKind.NOTIFY_CHANNEL,
                event_id=event_id,
                ticket_id=ticket.id,
                org=org,
                channel=org.ticket_channel,
                payload=payload,
                now=now,
            )
        )
    return rows


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
