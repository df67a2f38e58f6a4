"""Writes audit-trail entries; every service that changes a ticket calls `record`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AuditEntry, Ticket, User, utcnow


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


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
    """Add one entry (who, when, what, from → to) and stamp the ticket as modified."""
    now = now or utcnow()
    entry = AuditEntry(
        ticket_id=ticket.id,
        actor_id=actor.id if actor else None,
        action=action,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        reason=reason,
        created_at=now,
    )
    session.add(entry)
    ticket.modified_at = now
    ticket.modified_by_id = actor.id if actor else None
    return entry
