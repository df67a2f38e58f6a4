"""Ticket events: who hears of each (SPEC §3, as data in `RECIPIENTS`) and what every
notification about it shows (`snapshot`). Pure: `core.services.notifications` writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from core.models import Message, Ticket, User

DESCRIPTION_EXCERPT = 280
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
