"""Thread mirroring (SPEC §4): the outbox rows that keep every org's Slack thread in step.

Each ticket has a thread per involved org with a ticket channel, rooted at the ticket card.
Messages are relayed to every thread but the one they were typed in (internal notes only
to the author org's own thread); edits, deletes and reactions follow a message to all its
copies; every change re-renders the card in every thread and in the escalations feed.
All of it is deliveries (`core.outbox.deliveries`) queued with the change, in the channel's
pacing lane, so the delivery worker posts it in order, paced, retried and never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Message,
    MessageCopy,
    Organization,
    ThreadKind,
    Ticket,
    TicketThread,
)
from core.outbox import deliveries
from core.outbox.deliveries import DeliveryKind

_CARDS_QUEUED = "threadline_cards_queued"


@dataclass(frozen=True)
class SlackOrigin:
    """Where a message was typed in Slack: the mirrored thread, and the message's ts."""

    thread: TicketThread
    ts: str


def has_channel(org: Organization) -> bool:
    """Whether the org has a ticket channel, and so a thread for each of its tickets."""
    return bool(org.slack_team and org.ticket_channel)


def new_thread(ticket_id: int, org: Organization, kind: ThreadKind) -> TicketThread:
    """A thread not yet posted: in the org's ticket channel, or the escalations channel."""
    channel = org.ticket_channel if kind == ThreadKind.TICKET else org.escalations_channel
    if not (org.slack_team and channel):
        raise ValueError(f"{org.slug} has no Slack channel for a {kind} thread")
    return TicketThread(
        ticket_id=ticket_id,
        org_id=org.id,
        kind=kind,
        slack_team=org.slack_team,
        slack_channel=channel,
    )


async def threads_of(
    session: AsyncSession, ticket_id: int, *, kind: ThreadKind | None = None
) -> list[TicketThread]:
    query = select(TicketThread).where(TicketThread.ticket_id == ticket_id)
    if kind is not None:
        query = query.where(TicketThread.kind == kind)
    return list(await session.scalars(query.order_by(TicketThread.id)))


async def open_threads(
    session: AsyncSession,
    ticket: Ticket,
    orgs: Iterable[Organization],
    *,
    summary: str | None = None,
) -> list[TicketThread]:
    """Root a thread (the card) in each org's ticket channel that has none for the ticket."""
    existing = {t.org_id for t in await threads_of(session, ticket.id, kind=ThreadKind.TICKET)}
    opened = []
    for org in orgs:
        if org.id in existing or not has_channel(org):
            continue
        existing.add(org.id)
        opened.append(new_thread(ticket.id, org, ThreadKind.TICKET))
    session.add_all(opened)
    await session.flush()
    await deliveries.enqueue(session, deliveries.thread_opens(opened, summary))
    return opened


async def post_to_feed(
    session: AsyncSession, ticket: Ticket, platform: Organization, why: str
) -> None:
    """A card in the platform's escalations channel, one per escalation (SPEC §4)."""
    if not (platform.slack_team and platform.escalations_channel):
        return
    feed = await session.scalar(
        select(TicketThread).where(
            TicketThread.ticket_id == ticket.id, TicketThread.kind == ThreadKind.ESCALATION_FEED
        )
    )
    if feed is None:
        feed = new_thread(ticket.id, platform, ThreadKind.ESCALATION_FEED)
        session.add(feed)
    else:
        feed.thread_ts = None  # a re-escalation gets a new card; the old one stays as history
    await session.flush()
    await deliveries.enqueue(session, deliveries.thread_opens([feed], why))


async def cards_changed(session: AsyncSession, ticket: Ticket) -> None:
    """Re-render the card in every thread of the ticket (once per transaction)."""
    queued: set[int] = session.info.setdefault(_CARDS_QUEUED, set())
    if ticket.id in queued:
        return
    queued.add(ticket.id)
    threads = await threads_of(session, ticket.id)
    await deliveries.enqueue(session, deliveries.card_updates(threads))


async def relay_message(
    session: AsyncSession, message: Message, *, origin: SlackOrigin | None = None
) -> None:
    """Copy a new message into every other thread (internal notes: its org's thread only)."""
    threads = await threads_of(session, message.ticket_id, kind=ThreadKind.TICKET)
    if origin is not None:
        session.add(
            MessageCopy(
                message_id=message.id,
                thread_id=origin.thread.id,
                slack_channel=origin.thread.slack_channel,
                ts=origin.ts,
                is_origin=True,
            )
        )
    typed_in = origin.thread.id if origin is not None else None
    targets = [
        thread
        for thread in threads
        if thread.id != typed_in
        and (not message.is_internal or thread.org_id == message.author_org_id)
    ]
    copies = [
        (t, MessageCopy(message_id=message.id, thread_id=t.id, slack_channel=t.slack_channel))
        for t in targets
    ]
    session.add_all(copy for _, copy in copies)
    await session.flush()
    relayed = [(thread, copy.id) for thread, copy in copies]
    await deliveries.enqueue(session, deliveries.relays(DeliveryKind.RELAY_POST, relayed))


async def copies_of(
    session: AsyncSession, message_id: int
) -> list[tuple[MessageCopy, TicketThread]]:
    """Every copy of the message with the thread it is in, in one query."""
    rows = await session.execute(
        select(MessageCopy, TicketThread)
        .join(TicketThread, TicketThread.id == MessageCopy.thread_id)
        .where(MessageCopy.message_id == message_id)
        .order_by(MessageCopy.id)
    )
    return [(copy, thread) for copy, thread in rows]


async def relay_change(session: AsyncSession, message: Message, *, deleted: bool) -> None:
    """An edit or delete follows the message to every relayed copy (not where it was typed)."""
    kind = DeliveryKind.RELAY_DELETE if deleted else DeliveryKind.RELAY_EDIT
    copies = await copies_of(session, message.id)
    targets = [(thread, copy.id) for copy, thread in copies if not copy.is_origin]
    await deliveries.enqueue(session, deliveries.relays(kind, targets))


async def relay_reaction(
    session: AsyncSession, message: Message, *, emoji: str, added: bool, on: MessageCopy | None
) -> None:
    """Mirror a reaction onto every copy except the one it was made on."""
    kind = DeliveryKind.RELAY_REACT if added else DeliveryKind.RELAY_UNREACT
    copies = await copies_of(session, message.id)
    targets = [(thread, copy.id) for copy, thread in copies if on is None or copy.id != on.id]
    await deliveries.enqueue(session, deliveries.relays(kind, targets, emoji=emoji))


async def thread_at(session: AsyncSession, channel: str, thread_ts: str) -> TicketThread | None:
    """The mirrored ticket thread rooted at (channel, thread_ts), if any."""
    return await session.scalar(
        select(TicketThread).where(
            TicketThread.slack_channel == channel,
            TicketThread.thread_ts == thread_ts,
            TicketThread.kind == ThreadKind.TICKET,
        )
    )


async def copy_at(session: AsyncSession, channel: str, ts: str) -> MessageCopy | None:
    return await session.scalar(
        select(MessageCopy).where(MessageCopy.slack_channel == channel, MessageCopy.ts == ts)
    )
