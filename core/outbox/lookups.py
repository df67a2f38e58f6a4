"""What the delivery senders read from the database to make their Slack calls.

Each function is one query in the caller's (short, read-only) transaction; a sender holds
no transaction while it talks to Slack.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Message,
    MessageCopy,
    Organization,
    OutboxMessage,
    SlackDMChannel,
    ThreadKind,
    Ticket,
    TicketThread,
    User,
)
from core.outbox.deliveries import DeliveryKind
from core.services.loading import ONE_TICKET_LOAD_OPTIONS

ThreadKey = tuple[int, int]  # ticket id, org id
ThreadRoot = tuple[str, str]  # channel, thread ts

# The kinds whose senders look up the recipient org's thread (`org_thread_root`).
THREAD_NOTICE_KINDS = frozenset({DeliveryKind.NOTIFY_CHANNEL, DeliveryKind.NOTIFY_DM})


async def thread_roots(
    session: AsyncSession, rows: Iterable[OutboxMessage]
) -> dict[ThreadKey, ThreadRoot | None]:
    """The posted ticket-thread roots of the rows' (ticket, org), None where there is none
    yet: read once per claimed batch, so the senders need no lookup of their own."""
    keys = {
        (r.ticket_id, r.org_id)
        for r in rows
        if r.kind in THREAD_NOTICE_KINDS and r.ticket_id and r.org_id
    }
    if not keys:
        return {}
    roots: dict[ThreadKey, ThreadRoot | None] = dict.fromkeys(keys)
    found = await session.execute(
        select(
            TicketThread.ticket_id,
            TicketThread.org_id,
            TicketThread.slack_channel,
            TicketThread.thread_ts,
        ).where(
            TicketThread.ticket_id.in_(sorted({ticket for ticket, _ in keys})),
            TicketThread.kind == ThreadKind.TICKET,
            TicketThread.thread_ts.is_not(None),
        )
    )
    for ticket, org, channel, ts in found:
        if (ticket, org) in roots:
            roots[(ticket, org)] = (channel, str(ts))
    return roots


async def org_thread_root(
    session: AsyncSession, *, ticket_id: int, org_id: int
) -> ThreadRoot | None:
    """(channel, thread_ts) of the org's posted ticket thread, if it has one."""
    found = (
        await session.execute(
            select(TicketThread.slack_channel, TicketThread.thread_ts).where(
                TicketThread.ticket_id == ticket_id,
                TicketThread.org_id == org_id,
                TicketThread.kind == ThreadKind.TICKET,
                TicketThread.thread_ts.is_not(None),
            )
        )
    ).first()
    return (found[0], str(found[1])) if found is not None else None


async def dm_channel(session: AsyncSession, *, team: str, slack_user: str) -> str | None:
    """The user's DM channel, if a worker opened it before."""
    cached = await session.get(SlackDMChannel, (team, slack_user))
    return cached.channel if cached is not None else None


async def thread(session: AsyncSession, thread_id: int) -> TicketThread:
    return await session.get_one(TicketThread, thread_id)


async def recipient(session: AsyncSession, user_id: int) -> User:
    return await session.get_one(User, user_id)


async def card_subject(session: AsyncSession, thread: TicketThread) -> tuple[Ticket, Organization]:
    """The ticket a thread's card shows (loaded as `load_ticket` loads it), and the org whose
    thread it is (its buttons depend on the org)."""
    query = select(Ticket).where(Ticket.id == thread.ticket_id).options(*ONE_TICKET_LOAD_OPTIONS)
    ticket = (await session.scalars(query)).unique().one()
    return ticket, await session.get_one(Organization, thread.org_id)


RelayedCopy = tuple[MessageCopy, Message, User, Organization, TicketThread]


async def relayed_copy(session: AsyncSession, copy_id: int) -> RelayedCopy | None:
    """The copy, its message, author, author's org and the thread it goes to: one query."""
    found = (
        await session.execute(
            select(MessageCopy, Message, User, Organization, TicketThread)
            .join(Message, Message.id == MessageCopy.message_id)
            .join(User, User.id == Message.author_id)
            .join(Organization, Organization.id == Message.author_org_id)
            .join(TicketThread, TicketThread.id == MessageCopy.thread_id)
            .where(MessageCopy.id == copy_id)
        )
    ).one_or_none()
    if found is None:
        return None
    copy, message, author, org, where = found
    return copy, message, author, org, where
