"""Escalating a partner's ticket to the platform, and returning it (SPEC §1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.errors import Forbidden
from core.models import Message, Organization, OrgKind, Ticket, TicketInvolvedOrg, User, utcnow
from core.rules import permissions
from core.services import audit, mirroring
from core.services.assignment import least_loaded_rep, mark_assigned
from core.services.events import EventKind
from core.services.loading import load_ticket, platform_org
from core.services.notifications import emit

REASON_MAX = 2000


def _reason(reason: str | None) -> str | None:
    cleaned = " ".join((reason or "").split())[:REASON_MAX]
    return cleaned or None


async def escalate(
    session: AsyncSession, *, actor: User, ticket: str | int, reason: str | None = None
) -> Ticket:
    """A partner rep/admin hands the ticket to the platform; partner and requester stay in."""
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    if not permissions.can_escalate(actor, row):
        if row.assigned_org.kind != OrgKind.PARTNER:
            raise Forbidden(
                f"{row.display_id} is assigned to {row.assigned_org.name}; only tickets "
                "assigned to a partner can be escalated to the platform."
            )
        permissions.require_triage(actor, row, "escalate")
    partner = row.assigned_org
    platform = await platform_org(session)
    row.escalated_from_org_id = partner.id
    row.escalated_from_org = partner
    await _hand_over(session, row, platform.id)
    row.assigned_org = platform
    why = _reason(reason)
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="escalated",
        field="assigned_org",
        old=partner.slug,
        new=platform.slug,
        reason=why,
    )
    activity = f"{actor.name} ({partner.name}) escalated {row.display_id} to {platform.name}"
    if why:
        activity = f"{activity}: {why}"
    await emit(session, kind=EventKind.ESCALATED, ticket=row, actor=actor, activity=activity)
    await _announce_owner(session, row, actor)
    await mirroring.cards_changed(session, row)
    summary = await _history_summary(session, row.id)
    await mirroring.open_threads(session, row, [platform], summary=f"{activity}\n{summary}")
    await mirroring.post_to_feed(session, row, platform, activity)
    return row


async def deescalate(
    session: AsyncSession, *, actor: User, ticket: str | int, reason: str | None = None
) -> Ticket:
    """A platform rep/admin returns the ticket to the partner that escalated it."""
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    if not permissions.can_deescalate(actor, row):
        if row.escalated_from_org_id is None or row.assigned_org.kind != OrgKind.PLATFORM:
            raise Forbidden(
                f"{row.display_id} was not escalated by a partner, so there is no partner to "
                "return it to."
            )
        permissions.require_triage(actor, row, "de-escalate")
    platform = row.assigned_org
    partner = row.escalated_from_org
    assert partner is not None
    row.escalated_from_org_id = None
    row.escalated_from_org = None
    await _hand_over(session, row, partner.id)
    row.assigned_org = partner
    why = _reason(reason)
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="deescalated",
        field="assigned_org",
        old=platform.slug,
        new=partner.slug,
        reason=why,
    )
    activity = f"{actor.name} ({platform.name}) returned {row.display_id} to {partner.name}"
    await emit(
        session,
        kind=EventKind.DEESCALATED,
        ticket=row,
        actor=actor,
        activity=f"{activity}: {why}" if why else activity,
    )
    await _announce_owner(session, row, actor)
    await mirroring.cards_changed(session, row)
    return row


HISTORY_MESSAGES = 5
HISTORY_EXCERPT = 200


async def _history_summary(session: AsyncSession, ticket_id: int) -> str:
    """The last public messages, for the thread of an org that joins the ticket late."""
    messages = list(
        await session.scalars(
            select(Message)
            .where(
                Message.ticket_id == ticket_id,
                Message.is_internal.is_(False),
                Message.deleted_at.is_(None),
            )
            .options(selectinload(Message.author))
            .order_by(Message.id.desc())
            .limit(HISTORY_MESSAGES)
        )
    )
    if not messages:
        return "No messages yet."
    lines = [
        f"{m.author.name}: {' '.join(m.body.split())[:HISTORY_EXCERPT]}" for m in reversed(messages)
    ]
    return "Latest messages:\n" + "\n".join(lines)


async def _hand_over(session: AsyncSession, ticket: Ticket, org_id: int) -> None:
    """Assign to `org_id`, make it involved, and auto-assign one of its reps."""
    ticket.assigned_org_id = org_id
    if org_id not in ticket.involved_org_ids:
        ticket.involved.append(
            TicketInvolvedOrg(ticket_id=ticket.id, org_id=org_id, added_at=utcnow())
        )
    org = await session.get_one(Organization, org_id)
    owner = await least_loaded_rep(session, org)
    ticket.owner_id = owner.id if owner else None
    ticket.owner = owner
    if owner is not None:
        mark_assigned(owner)


async def _announce_owner(session: AsyncSession, ticket: Ticket, actor: User) -> None:
    if ticket.owner is not None:
        await emit(
            session,
            kind=EventKind.ASSIGNED,
            ticket=ticket,
            actor=actor,
            activity=f"{ticket.display_id} was assigned to {ticket.owner.name}",
        )
