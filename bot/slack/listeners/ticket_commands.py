"""One function per `/ticket` subcommand: call one core service, render the answer.

Each runs inside the caller's transaction and returns the message to show the user.
"""

from __future__ import annotations

from typing import Any, assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack import command_text as cmd
from bot.slack.blocks import ticket_card, ticket_details, ticket_list
from bot.slack.blocks.card_actions import actions_for_user
from core.errors import NotFound
from core.models import Ticket, User
from core.models.tickets import DISPLAY_ID_PREFIX
from core.rules.filters import LIST_SCOPES
from core.services import conversation, escalation, lookups, queries, relations, tickets
from core.services.filters import resolve_filter

Message = dict[str, Any]
LIST_SIZE = 25


# The subcommands answered from the database, in one transaction as the sender.
TicketCommand = (
    cmd.ListTickets
    | cmd.Show
    | cmd.Assign
    | cmd.ChangeStage
    | cmd.SetSeverity
    | cmd.Escalate
    | cmd.Deescalate
    | cmd.Note
    | cmd.Link
    | cmd.Tag
    | cmd.Subscribe
    | cmd.Search
)


async def run(session: AsyncSession, actor: User, command: TicketCommand) -> Message:
    match command:
        case cmd.ListTickets():
            return await _list(session, actor, command)
        case cmd.Show():
            return await _show(session, actor, command)
        case cmd.Assign():
            return await _assign(session, actor, command)
        case cmd.ChangeStage():
            return await _stage(session, actor, command)
        case cmd.SetSeverity():
            return await _severity(session, actor, command)
        case cmd.Escalate():
            return await _escalate(session, actor, command)
        case cmd.Deescalate():
            return await _deescalate(session, actor, command)
        case cmd.Note():
            return await _note(session, actor, command)
        case cmd.Link():
            return await _link(session, actor, command)
        case cmd.Tag():
            return await _tag(session, actor, command)
        case cmd.Subscribe():
            return await _subscribe(session, actor, command)
        case cmd.Search():
            return await _search(session, actor, command)
        case _:
            assert_never(command)


def _card(ticket: Ticket, actor: User, note: str) -> Message:
    message = ticket_card(ticket, actions_for_user(actor, ticket))
    message["text"] = note
    message["blocks"] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": note}},
        *message["blocks"],
    ]
    return message


async def _list(session: AsyncSession, actor: User, command: cmd.ListTickets) -> Message:
    scope = command.scope
    filters = await resolve_filter(session, LIST_SCOPES[scope], viewer=actor)
    page = await queries.list_tickets(session, viewer=actor, filters=filters, limit=LIST_SIZE)
    headings = {
        "open": f"Open tickets visible to {actor.org.name}",
        "mine": "Open tickets you own",
        "all": f"All tickets visible to {actor.org.name}",
    }
    return ticket_list(
        page.tickets,
        heading=headings[scope],
        empty_text="No tickets here. `/ticket new` files one.",
        more_hint=(
            f"Showing the newest {LIST_SIZE}. Use `/ticket search words` or "
            "`/ticket export csv` for the rest."
            if page.next_cursor
            else None
        ),
    )


async def _show(session: AsyncSession, actor: User, command: cmd.Show) -> Message:
    details = await queries.show(session, viewer=actor, ticket=command.ticket)
    return ticket_details(details, actions_for_user(actor, details.ticket))


async def _assign(session: AsyncSession, actor: User, command: cmd.Assign) -> Message:
    if command.slack_user is None:
        assignee = actor
    else:
        assignee = await _mentioned(session, actor, command.slack_user)
    ticket = await tickets.assign(session, actor=actor, ticket=command.ticket, assignee=assignee)
    return _card(ticket, actor, f"{ticket.display_id} is now owned by {assignee.name}.")


async def _mentioned(session: AsyncSession, actor: User, slack_user: str) -> User:
    """A mentioned user: same workspace as the actor first, then any (Slack Connect)."""
    user = await lookups.user_by_slack_user(session, slack_user, team=actor.slack_team)
    if user is None:
        raise NotFound(
            f"<@{slack_user}> is not in Threadline's directory yet; ask an admin to add them."
        )
    return user


async def _stage(session: AsyncSession, actor: User, command: cmd.ChangeStage) -> Message:
    ticket = await tickets.change_stage(
        session, actor=actor, ticket=command.ticket, stage=command.stage
    )
    return _card(ticket, actor, f"{ticket.display_id} moved to *{ticket.stage_enum.label}*.")


async def _severity(session: AsyncSession, actor: User, command: cmd.SetSeverity) -> Message:
    ticket = await tickets.set_severity(
        session, actor=actor, ticket=command.ticket, severity=command.severity
    )
    return _card(ticket, actor, f"{ticket.display_id} severity is now *{ticket.severity}*.")


async def _escalate(session: AsyncSession, actor: User, command: cmd.Escalate) -> Message:
    ticket = await escalation.escalate(
        session, actor=actor, ticket=command.ticket, reason=command.reason
    )
    return _card(ticket, actor, f"{ticket.display_id} escalated to {ticket.assigned_org.name}.")


async def _deescalate(session: AsyncSession, actor: User, command: cmd.Deescalate) -> Message:
    ticket = await escalation.deescalate(
        session, actor=actor, ticket=command.ticket, reason=command.reason
    )
    return _card(ticket, actor, f"{ticket.display_id} returned to {ticket.assigned_org.name}.")


async def _note(session: AsyncSession, actor: User, command: cmd.Note) -> Message:
    message = await conversation.post_message(
        session, actor=actor, ticket=command.ticket, body=command.text, internal=True
    )
    return {
        "text": f":lock: Internal note added to {DISPLAY_ID_PREFIX}{message.ticket_id}, "
        f"visible to {actor.org.name} only."
    }


async def _link(session: AsyncSession, actor: User, command: cmd.Link) -> Message:
    await relations.link(session, actor=actor, ticket=command.ticket, other=command.other)
    ticket, other = (f"{DISPLAY_ID_PREFIX}{n}" for n in (command.ticket, command.other))
    return {"text": f"Linked {ticket} and {other} (related)."}


async def _tag(session: AsyncSession, actor: User, command: cmd.Tag) -> Message:
    ticket = await relations.update_tags(
        session, actor=actor, ticket=command.ticket, add=command.add, remove=command.remove
    )
    tags = ", ".join(f"`{t}`" for t in ticket.tags) or "none"
    return {"text": f"{ticket.display_id} tags: {tags}."}


async def _subscribe(session: AsyncSession, actor: User, command: cmd.Subscribe) -> Message:
    ticket = await relations.set_subscription(
        session, actor=actor, ticket=command.ticket, subscribed=command.subscribed
    )
    if command.subscribed:
        return {"text": f"You'll get a DM for every update of {ticket.display_id}."}
    return {"text": f"You are no longer subscribed to {ticket.display_id}."}


async def _search(session: AsyncSession, actor: User, command: cmd.Search) -> Message:
    found = await queries.search(session, viewer=actor, query=command.words, limit=LIST_SIZE)
    return ticket_list(
        found,
        heading=f"Tickets matching “{command.words}”",
        empty_text="Nothing matches. Try fewer or other words.",
        more_hint=f"Showing the newest {LIST_SIZE} matches." if len(found) == LIST_SIZE else None,
    )
