"""The create-ticket and add-to-ticket modals: opening them and handling submissions."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.blocks import TicketPrefill, add_to_ticket_modal, create_ticket_modal, ticket_card
from bot.slack.blocks.card_actions import actions_for_user
from bot.slack.deps import BotDeps
from bot.slack.ids import Block, View, input_action
from bot.slack.listeners.common import run_as_sender
from bot.slack.listeners.replies import tell_user
from bot.slack.metadata import (
    AddToTicketMetadata,
    CreateTicketMetadata,
    MalformedMetadata,
    SourceMessage,
    read_metadata,
)
from bot.slack.refusals import Refusal, ephemeral, refusal_for
from core.models import SourceChannel, User
from core.rules.filters import TicketFilter
from core.rules.stages import State
from core.services import conversation, lookups, queries, tickets
from core.services.loading import org_by_slug

MAX_PICKER_TICKETS = 100
QUOTE_LIMIT = 2_000


async def open_create_modal(
    deps: BotDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    context: dict[str, Any],
    *,
    trigger_id: str,
    title: str = "",
    description: str = "",
    source: SourceMessage | None = None,
    respond: AsyncRespond | None = None,
) -> None:
    """Open the create modal (already acked); refusals go back to the user privately."""

    async def work(session: AsyncSession, actor: User) -> list[tuple[str, str]] | None:
        orgs = await lookups.orgs_to_file_for(session, actor)
        return None if orgs is None else [(org.slug, org.name) for org in orgs]

    outcome = await run_as_sender(deps, client, body, context, work)
    if isinstance(outcome, Refusal):
        await tell_user(
            client, user=_user_id(body), message=ephemeral(outcome.text), respond=respond
        )
        return
    metadata = CreateTicketMetadata(channel=_channel_id(body), source=source)
    await client.views_open(
        trigger_id=trigger_id,
        view=create_ticket_modal(
            org_options=outcome,
            prefill=TicketPrefill(title=title[:200], description=description[:3000]),
            private_metadata=metadata.dump(),
        ),
    )


async def open_add_modal(
    deps: BotDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    context: dict[str, Any],
    respond: AsyncRespond | None,
) -> None:
    message = body.get("message") or {}

    async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
        page = await queries.list_tickets(
            session,
            viewer=actor,
            filters=TicketFilter(states=(State.OPEN, State.IN_PROGRESS)),
            limit=MAX_PICKER_TICKETS,
        )
        text = message.get("text") or ""
        metadata = AddToTicketMetadata(
            channel=_channel_id(body),
            ts=message.get("ts"),
            author=message.get("user"),
            text=text[:QUOTE_LIMIT],
        )
        return add_to_ticket_modal(
            tickets=page.tickets, quoted_text=text, private_metadata=metadata.dump()
        )

    outcome = await run_as_sender(deps, client, body, context, work)
    if isinstance(outcome, Refusal):
        await tell_user(
            client, user=_user_id(body), message=ephemeral(outcome.text), respond=respond
        )
        return
    await client.views_open(trigger_id=body["trigger_id"], view=outcome)


def _user_id(body: dict[str, Any]) -> str:
    user = body.get("user")
    return str(user["id"] if isinstance(user, dict) else body.get("user_id"))


def _channel_id(body: dict[str, Any]) -> str | None:
    channel = body.get("channel")
    if isinstance(channel, dict):
        return channel.get("id")
    return body.get("channel_id")


def _value(values: dict[str, Any], block: Block) -> str | None:
    element = values.get(block.value, {}).get(input_action(block), {})
    if "selected_option" in element:
        option = element["selected_option"]
        return option["value"] if option else None
    value = element.get("value")
    return value if value else None


def _error_block(refusal: Refusal, values: dict[str, Any]) -> str:
    if refusal.field and refusal.field in values:
        return refusal.field
    if refusal.field == "group":
        return Block.PART.value
    return Block.ORG.value if Block.ORG.value in values else Block.TITLE.value


async def _show_in_form(ack: AsyncAck, refusal: Refusal, block: str) -> None:
    """Refuse a submission: the form stays open with the refusal under `block`."""
    await ack(response_action="errors", errors={block: refusal.text[:300]})


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.view(View.CREATE_TICKET)
    async def create_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        view = body["view"]
        values = view["state"]["values"]
        try:
            metadata = read_metadata(CreateTicketMetadata, view.get("private_metadata"))
        except MalformedMetadata as err:
            refusal = refusal_for(err)
            await _show_in_form(ack, refusal, _error_block(refusal, values))
            return
        source = metadata.source

        async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
            slug = _value(values, Block.ORG)
            ticket = await tickets.create(
                session,
                actor=actor,
                title=_value(values, Block.TITLE) or "",
                description=_value(values, Block.DESCRIPTION) or "",
                severity=_value(values, Block.SEVERITY) or "medium",
                part=_value(values, Block.PART),
                tags=(_value(values, Block.TAGS) or "").replace(",", " ").split(),
                subtype=_value(values, Block.SUBTYPE),
                for_org=await org_by_slug(session, slug) if slug else None,
                source=SourceChannel.SLACK,
                custom_attributes={"source_message": source.model_dump()} if source else None,
            )
            card = ticket_card(ticket, actions_for_user(actor, ticket))
            card["text"] = f"Created {ticket.display_id}: {ticket.title}"
            return card

        outcome = await run_as_sender(deps, client, body, context, work, answers_in_ack=True)
        if isinstance(outcome, Refusal):
            await _show_in_form(ack, outcome, _error_block(outcome, values))
            return
        await ack()
        await tell_user(client, user=body["user"]["id"], message=outcome, channel=metadata.channel)

    @app.view(View.ADD_TO_TICKET)
    async def add_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        view = body["view"]
        values = view["state"]["values"]
        try:
            metadata = read_metadata(AddToTicketMetadata, view.get("private_metadata"))
        except MalformedMetadata as err:
            await _show_in_form(ack, refusal_for(err), Block.TICKET.value)
            return
        ticket_value = _value(values, Block.TICKET)
        author = f" (from <@{metadata.author}>)" if metadata.author else ""
        quoted = "\n".join(f"> {line}" for line in metadata.text.splitlines())

        async def work(session: AsyncSession, actor: User) -> str:
            message = await conversation.post_message(
                session,
                actor=actor,
                ticket=ticket_value or "",
                body=f"{quoted}{author}" if quoted else f"(empty message){author}",
            )
            return f"Added the message to TKT-{message.ticket_id}."

        outcome = await run_as_sender(deps, client, body, context, work, answers_in_ack=True)
        if isinstance(outcome, Refusal):
            await _show_in_form(ack, outcome, Block.TICKET.value)
            return
        await ack()
        await tell_user(
            client,
            user=body["user"]["id"],
            message={"text": outcome},
            channel=metadata.channel,
        )
