"""Writes audit-trail entries; every service that changes a ticket calls `record`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEntry, Ticket, User, utcnow


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


class Change(TypedDict, total=False):
    """What an entry says changed, besides its action: a field, from → to, and why."""

    field: str | None
    old: object
    new: object
    reason: str | None


def entry_row(
    *, ticket_id: int, actor: User | None, action: str, now: datetime, **change: Unpack[Change]
) -> dict[str, Any]:
    """One entry's column values (who, when, what, from → to)."""
    return {
        "ticket_id": ticket_id,
        "actor_id": actor.id if actor else None,
        "action": action,
        "field": change.get("field"),
        "old_value": _text(change.get("old")),
        "new_value": _text(change.get("new")),
        "reason": change.get("reason"),
        "created_at": now,
    }


def record(
    session: AsyncSession,
    *,
    ticket: Ticket,
    actor: User | None,
    action: str,
    now: datetime | None = None,
    **change: Unpack[Change],
) -> AuditEntry:
    """Add one entry and stamp the ticket as modified."""
    now = now or utcnow()
    entry = AuditEntry(
        **entry_row(ticket_id=ticket.id, actor=actor, action=action, now=now, **change)
    )
    session.add(entry)
    ticket.modified_at = now
    ticket.modified_by_id = actor.id if actor else None
    return entry
