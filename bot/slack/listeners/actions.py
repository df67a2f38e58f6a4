"""Ticket-card buttons: assign to me, change stage, escalate, de-escalate, view.

The card offers only what its audience may do, but the presser's own rights are checked
again here; a refusal is an ephemeral message and the card stays as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.blocks import parse_stage_value, ticket_card, ticket_details
from bot.slack.blocks.card_actions import actions_for_org, actions_for_user
from bot.slack.deps import BotDeps
from bot.slack.ids import Action
from bot.slack.listeners.common import run_as_sender
from bot.slack.refusals import Refusal, ephemeral
from core.errors import ValidationError
from core.models import Ticket, User
from core.services import escalation, lookups, queries, tickets

Change = Callable[[AsyncSession, User, str], Awaitable[Ticket]]


async def _assign_to_me(session: AsyncSession, actor: User, value: str) -> Ticket:
    return await tickets.assign(session, actor=actor, ticket=value, assignee=actor)


async def _change_stage(session: AsyncSession, actor: User, value: str) -> Ticket:
    try:
        ticket_id, stage = parse_stage_value(value)
    except ValueError:
        raise ValidationError("That stage choice is malformed; reopen the ticket card.") from None
    return await tickets.change_stage(session, actor=actor, ticket=ticket_id, stage=stage)


async def _escalate(session: AsyncSession, actor: User, value: str) -> Ticket:
    return await escalation.escalate(session, actor=actor, ticket=value)


async def _deescalate(session: AsyncSession, actor: User, value: str) -> Ticket:
    return await escalation.deescalate(session, actor=actor, ticket=value)


CHANGES: dict[Action, Change] = {
    Action.ASSIGN_TO_ME: _assign_to_me,
    Action.CHANGE_STAGE: _change_stage,
    Action.ESCALATE: _escalate,
    Action.DEESCALATE: _deescalate,
}


def _action_value(action: dict[str, Any]) -> str:
    if "selected_option" in action:
        return str(action["selected_option"]["value"])
    return str(action.get("value", ""))


async def _refreshed_card(
    session: AsyncSession, actor: User, ticket: Ticket, body: dict[str, Any]
) -> dict[str, Any]:
    """The card as its audience should now see it: the presser's own for an ephemeral card,
    the channel org's for a card posted in an org's ticket channel."""
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        return ticket_card(ticket, actions_for_user(actor, ticket))
    channel = container.get("channel_id")
    org = await lookups.org_with_ticket_channel(session, channel) if channel else None
    if org is None:
        return ticket_card(ticket, actions_for_user(actor, ticket))
    return ticket_card(ticket, actions_for_org(org, ticket))


def register(app: AsyncApp, deps: BotDeps) -> None:
    async def handle_change(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        change = CHANGES[Action(action["action_id"])]
        value = _action_value(action)

        async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
            ticket = await change(session, actor, value)
            return await _refreshed_card(session, actor, ticket, body)

        outcome = await run_as_sender(deps, client, body, context, work)
        if isinstance(outcome, Refusal):
            await respond(ephemeral(outcome.text, replace_original=False))
        else:
            await respond({**outcome, "replace_original": True})

    for action_id in CHANGES:
        app.action(action_id.value)(handle_change)

    @app.action(Action.SHOW_TICKET.value)
    async def show_ticket(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()

        async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
            details = await queries.show(session, viewer=actor, ticket=_action_value(action))
            return ticket_details(details, actions_for_user(actor, details.ticket))

        outcome = await run_as_sender(deps, client, body, context, work)
        if isinstance(outcome, Refusal):
            await respond(ephemeral(outcome.text, replace_original=False))
        else:
            await respond({**outcome, "response_type": "ephemeral", "replace_original": False})
