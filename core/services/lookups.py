"""Lookups the chat surfaces need around a change: which orgs a form offers, whose ticket
channel a card sits in, who a mention names, which thread a mirrored copy is in.

They live in the core so that the surfaces build no queries, and so that what a form
offers follows the same permission rules the change itself is checked against.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import MessageCopy, Organization, TicketThread, User
from core.rules import permissions


async def orgs_to_file_for(session: AsyncSession, actor: User) -> list[Organization] | None:
    """The orgs `actor` may file a ticket for, by name; None when that can only be their
    own org (a form then need not ask)."""
    if not permissions.may_file_for_others(actor):
        return None
    orgs = await session.scalars(select(Organization).order_by(Organization.name))
    return [org for org in orgs if permissions.can_file_for(actor, org)]


async def org_with_ticket_channel(session: AsyncSession, channel: str) -> Organization | None:
    """The org whose ticket channel `channel` is, if any."""
    return await session.scalar(select(Organization).where(Organization.ticket_channel == channel))


async def user_by_slack_user(
    session: AsyncSession, slack_user: str, *, team: str | None
) -> User | None:
    """The user with this Slack id: in workspace `team` first, else in any workspace (a
    Slack Connect mention names someone from another one)."""
    candidates = list(await session.scalars(select(User).where(User.slack_user == slack_user)))
    same_team = [user for user in candidates if user.slack_team == team]
    found = same_team or candidates
    return found[0] if found else None


async def thread_of(session: AsyncSession, copy: MessageCopy) -> TicketThread:
    """The mirrored thread a message copy was posted in."""
    return await session.get_one(TicketThread, copy.thread_id)
