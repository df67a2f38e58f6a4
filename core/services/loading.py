"""Loading tickets, messages and users the way every service needs them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from core.errors import NotFound, ValidationError
from core.models import Message, Organization, OrgKind, Ticket, User
from core.models.tickets import DISPLAY_ID_PREFIX
from core.rules import permissions

MAX_ROW_ID = 2**31 - 1  # integer primary keys are 32-bit on PostgreSQL
_DISPLAY_ID = re.compile(r"^\s*(?:TKT-?)?(\d{1,18})\s*$", re.IGNORECASE)

_OWNER_AND_ORGS: tuple[LoaderOption, ...] = (
    joinedload(Ticket.owner),
    joinedload(Ticket.assigned_org),
    joinedload(Ticket.requester_org),
    joinedload(Ticket.escalated_from_org),
)
# A page of tickets: each collection in one more statement for the whole page.
TICKET_LOAD_OPTIONS: tuple[LoaderOption, ...] = (
    *_OWNER_AND_ORGS,
    selectinload(Ticket.involved),
    selectinload(Ticket.tag_rows),
)
# One ticket: its two small collections come in the same statement (a few joined rows),
# which saves the two round trips that a page of tickets is better off spending.
ONE_TICKET_LOAD_OPTIONS: tuple[LoaderOption, ...] = (
    *_OWNER_AND_ORGS,
    joinedload(Ticket.involved),
    joinedload(Ticket.tag_rows),
)


def parse_ticket_ref(ref: str | int) -> int:
    """Accept `TKT-12`, `tkt12`, `12` or an int; anything else names the expected form."""
    if isinstance(ref, int):
        return ref
    match = _DISPLAY_ID.match(ref)
    if not match:
        raise ValidationError(
            f"'{ref}' is not a ticket id. Use the form {DISPLAY_ID_PREFIX}123.", field="ticket"
        )
    number = int(match.group(1))
    if number > MAX_ROW_ID:  # beyond the id column: cannot exist
        raise NotFound(f"{DISPLAY_ID_PREFIX}{number} was not found, or you have no access to it.")
    return number


async def load_ticket(
    session: AsyncSession, *, actor: User, ticket: str | int, for_update: bool = False
) -> Ticket:
    """The ticket if `actor` may see it, else `NotFound` (never revealing that it exists).

    `for_update` row-locks the ticket on PostgreSQL so concurrent changes serialize.
    """
    ticket_id = parse_ticket_ref(ticket)
    query = select(Ticket).where(Ticket.id == ticket_id).options(*ONE_TICKET_LOAD_OPTIONS)
    if for_update:
        query = query.with_for_update(of=Ticket)
    row = (await session.scalars(query)).unique().one_or_none()
    if row is None:
        raise NotFound(
            f"{DISPLAY_ID_PREFIX}{ticket_id} was not found, or you have no access to it."
        )
    permissions.require_view(actor, row)
    return row


async def load_message(
    session: AsyncSession, *, actor: User, message_id: int, for_update: bool = False
) -> tuple[Message, Ticket]:
    """A message and its ticket, if the actor may see both (internal notes: own org only)."""
    message = await session.get(Message, message_id)
    if message is None:
        raise NotFound("That message was not found, or you have no access to it.")
    ticket = await load_ticket(
        session, actor=actor, ticket=message.ticket_id, for_update=for_update
    )
    if not permissions.can_see_message(actor, message):
        raise NotFound("That message was not found, or you have no access to it.")
    return message, ticket


async def platform_org(session: AsyncSession) -> Organization:
    platform = await session.scalar(
        select(Organization).where(Organization.kind == OrgKind.PLATFORM)
    )
    if platform is None:
        raise no_platform_error()
    return platform


def no_platform_error() -> NotFound:
    """What every path that needs the platform org says when the directory has none."""
    return NotFound(
        "No platform organization is configured. Import a directory file with one org "
        "of kind `platform` (`threadline directory import FILE`)."
    )


async def org_by_slug(session: AsyncSession, slug: str) -> Organization:
    org = await session.scalar(
        select(Organization)
        .where(Organization.slug == slug.strip().lower())
        .options(joinedload(Organization.parent))
    )
    if org is None:
        raise NotFound(f"There is no organization '{slug}'. Check the slug in the directory.")
    return org


async def user_by_email(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user with e-mail '{email}'. Add them to the directory.")
    return user


async def user_by_slack(session: AsyncSession, *, team: str, user: str) -> User | None:
    return await session.scalar(
        select(User).where(User.slack_team == team, User.slack_user == user)
    )
