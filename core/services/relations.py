"""Tags, links between tickets, and subscriptions: metadata any involved member may edit."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, ValidationError
from core.models import LinkKind, Ticket, TicketLink, TicketSubscriber, TicketTag, User
from core.rules.validation import clean_tags
from core.services import audit, mirroring
from core.services.loading import load_ticket


async def update_tags(
    session: AsyncSession,
    *,
    actor: User,
    ticket: str | int,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> Ticket:
    """Add and remove tags in one change; the audit entry shows the whole before → after."""
    to_add, to_remove = set(clean_tags(add)), set(clean_tags(remove))
    if to_add & to_remove:
        raise ValidationError(
            f"Tag(s) {', '.join(sorted(to_add & to_remove))} are both added and removed; pick one.",
            field="tags",
        )
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    before = set(row.tags)
    after = (before | to_add) - to_remove
    if after == before:
        return row
    row.tag_rows = [t for t in row.tag_rows if t.tag in after] + [
        TicketTag(ticket_id=row.id, tag=tag) for tag in sorted(after - before)
    ]
    row.tag_rows.sort(key=lambda t: t.tag)
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="tags_changed",
        field="tags",
        old=sorted(before),
        new=sorted(after),
    )
    await mirroring.cards_changed(session, row)
    return row


async def link(
    session: AsyncSession,
    *,
    actor: User,
    ticket: str | int,
    other: str | int,
    kind: str | LinkKind = LinkKind.RELATED,
) -> TicketLink:
    """Link two tickets the actor can both see; `kind` says what `other` is to `ticket`."""
    try:
        link_kind = LinkKind(str(kind).lower())
    except ValueError:
        raise ValidationError(
            f"'{kind}' is not a link kind. Use related, parent or child.", field="kind"
        ) from None
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    other_row = await load_ticket(session, actor=actor, ticket=other)
    if row.id == other_row.id:
        raise ValidationError("A ticket cannot be linked to itself.", field="other")
    existing = await session.scalar(
        select(TicketLink).where(
            or_(
                (TicketLink.ticket_id == row.id) & (TicketLink.other_ticket_id == other_row.id),
                (TicketLink.ticket_id == other_row.id) & (TicketLink.other_ticket_id == row.id),
            )
        )
    )
    if existing is not None:
        raise Conflict(f"{row.display_id} and {other_row.display_id} are already linked.")
    created = TicketLink(
        ticket_id=row.id, other_ticket_id=other_row.id, kind=link_kind, created_by_id=actor.id
    )
    session.add(created)
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="linked",
        field=link_kind.value,
        new=other_row.display_id,
    )
    audit.record(
        session,
        ticket=other_row,
        actor=actor,
        action="linked",
        field=link_kind.inverse.value,
        new=row.display_id,
    )
    await session.flush()
    return created


async def set_subscription(
    session: AsyncSession, *, actor: User, ticket: str | int, subscribed: bool
) -> Ticket:
    """Subscribers get every public update of the ticket, beyond the SPEC §3 defaults."""
    row = await load_ticket(session, actor=actor, ticket=ticket)
    is_subscribed = await session.get(TicketSubscriber, (row.id, actor.id)) is not None
    if is_subscribed == subscribed:
        return row
    if subscribed:
        session.add(TicketSubscriber(ticket_id=row.id, user_id=actor.id))
    else:
        await session.execute(
            delete(TicketSubscriber).where(
                TicketSubscriber.ticket_id == row.id, TicketSubscriber.user_id == actor.id
            )
        )
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="subscribed" if subscribed else "unsubscribed",
        field="subscribers",
        new=actor.email,
    )
    return row
