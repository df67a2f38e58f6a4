"""The create-ticket and add-to-ticket modals: opening them and handling submissions."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.blocks import TicketPrefill, add_to_ticket_modal, create_ticket_modal, ticket_card
from bot.slack.blocks.card_actions import actions_for_user
from bot.slack.deps import BotDeps
from bot.slack.ids import Block, View, input_action
from bot.slack.listeners.common import Refusal, ephemeral, perform
from bot.slack.listeners.replies import tell_user
from core.models import Organization, OrgKind, SourceChannel, User
from core.rules.filters import TicketFilter
from core.rules.stages import State
from core.services import conversation, queries, tickets
from core.services.loading import org_by_slug

MAX_PICKER_TICKETS = 100
QUOTE_LIMIT = 2_000


async def filing_orgs(session: AsyncSession, actor: User) -> list[tuple[str, str]] | None:
    """Orgs the actor may file for besides their own (None: just their own, no picker)."""
    if actor.org.kind == OrgKind.PLATFORM:
        query = select(Organization)
    elif actor.org.kind == OrgKind.PARTNER:
        query = select(Organization).where(
            (Organization.id == actor.org_id) | (Organization.parent_id == actor.org_id)
        )
    else:
        return None
    orgs = await session.scalars(query.order_by(Organization.name))
    return [(org.slug, org.name) for org in orgs]


async def open_create_modal(
    deps: BotDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    context: dict[str, Any],
    *,
    trigger_id: str,
    title: str = "",
    description: str = "",
    source: dict[str, str] | None = None,
    respond: AsyncRespond | None = None,
) -> None:
    """Open the create modal (already acked); refusals go back to the user privately."""

    async def work(session: AsyncSession, actor: User) -> list[tuple[str, str]] | None:
        return await filing_orgs(session, actor)

    outcome = await perform(deps, client, body, context, work)
    if isinstance(outcome, Refusal):
        await tell_user(
            client, user=_user_id(body), message=ephemeral(outcome.text), respond=respond
        )
        return
    metadata = {"channel": _channel_id(body), "source": source}
    await client.views_open(
        trigger_id=trigger_id,
        view=create_ticket_modal(
            org_options=outcome,
            prefill=TicketPrefill(title=title[:200], description=description[:3000]),
            private_metadata=json.dumps(metadata),
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
        metadata = {
            "channel": _channel_id(body),
            "ts": message.get("ts"),
            "author": message.get("user"),
            "text": text[:QUOTE_LIMIT],
        }
        return add_to_ticket_modal(
            tickets=page.tickets, quoted_text=text, private_metadata=json.dumps(metadata)
        )

    outcome = await perform(deps, client, body, context, work)
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


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.view(View.CREATE_TICKET)
    async def create_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        view = body["view"]
        values = view["state"]["values"]
        metadata = json.loads(view.get("private_metadata") or "{}")

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
                custom_attributes=(
                    {"source_message": metadata["source"]} if metadata.get("source") else None
                ),
            )
            card = ticket_card(ticket, actions_for_user(actor, ticket))
            card["text"] = f"Created {ticket.display_id}: {ticket.title}"
            return card

        outcome = await perform(deps, client, body, context, work, answers_in_ack=True)
        if isinstance(outcome, Refusal):
            await ack(
                response_action="errors",
                errors={_error_block(outcome, values): outcome.text[:300]},
            )
            return
        await ack()
        await tell_user(
            client, user=body["user"]["id"], message=outcome, channel=metadata.get("channel")
        )

    @app.view(View.ADD_TO_TICKET)
    async def add_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        view = body["view"]
        values = view["state"]["values"]
        metadata = json.loads(view.get("private_metadata") or "{}")
        ticket_value = _value(values, Block.TICKET)
        author = f" (from <@{metadata['author']}>)" if metadata.get("author") else ""
        quoted = "\n".join(f"> {line}" for line in (metadata.get("text") or "").splitlines())

        async def work(session: AsyncSession, actor: User) -> str:
            message = await conversation.post_message(
                session,
                actor=actor,
                ticket=ticket_value or "",
                body=f"{quoted}{author}" if quoted else f"(empty message){author}",
            )
            return f"Added the message to TKT-{message.ticket_id}."

        outcome = await perform(deps, client, body, context, work, answers_in_ack=True)
        if isinstance(outcome, Refusal):
            await ack(response_action="errors", errors={Block.TICKET.value: outcome.text[:300]})
            return
        await ack()
        await tell_user(
            client,
            user=body["user"]["id"],
            message={"text": outcome},
            channel=metadata.get("channel"),
        )
