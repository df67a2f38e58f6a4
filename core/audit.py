"""Writes audit-trail entries; every service that changes a ticket calls `record`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEntry, Ticket, User, utcnow


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def entry_row(
    *,
    ticket_id: int,
    actor: User | None,
    action: str,
    field: str | None = None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """One entry's column values (who, when, what, from → to)."""
    return {
        "ticket_id": ticket_id,
        "actor_id": actor.id if actor else None,
        "action": action,
        "field": field,
        "old_value": _text(old),
        "new_value": _text(new),
        "reason": reason,
        "created_at": now,
    }


def record(
    session: AsyncSession,
    *,
    ticket: Ticket,
    actor: User | None,
    action: str,
    field: str | None = None,
    old: object = None,
    new: object = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add one entry and stamp the ticket as modified."""
    now = now or utcnow()
    entry = AuditEntry(
        **entry_row(
            ticket_id=ticket.id,
            actor=actor,
            action=action,
            field=field,
            old=old,
            new=new,
            reason=reason,
            now=now,
        )
    )
    session.add(entry)
    ticket.modified_at = now
    ticket.modified_by_id = actor.id if actor else None
    return entry
