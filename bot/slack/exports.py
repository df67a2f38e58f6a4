"""`/ticket export csv|json [filters]`: the user's visible tickets as a file in their DM."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack import command_text as cmd
from bot.slack.deps import BotDeps
from bot.slack.listeners.common import run_as_sender
from bot.slack.refusals import Refusal, ephemeral
from core.models import User
from core.services.export import export_tickets, parse_format
from core.services.filters import resolve_filter


async def send_export(
    deps: BotDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    context: dict[str, Any],
    command: cmd.Export,
    respond: AsyncRespond,
) -> None:
    export_format = parse_format(command.format)

    async def work(session: AsyncSession, actor: User) -> str:
        filters = await resolve_filter(session, command.filters, viewer=actor)
        pieces = export_tickets(session, viewer=actor, format=export_format, filters=filters)
        return "".join([piece async for piece in pieces])

    outcome = await run_as_sender(deps, client, body, context, work)
    if isinstance(outcome, Refusal):
        await respond(ephemeral(outcome.text))
        return
    user_id = body["user_id"]
    dm = await client.conversations_open(users=user_id)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    filename = f"tickets-{stamp}.{export_format.value}"
    await client.files_upload_v2(
        channel=dm["channel"]["id"],
        content=outcome,
        filename=filename,
        title=f"Ticket export ({export_format.value.upper()})",
        initial_comment="Here is your export: the tickets your org can see.",
    )
    await respond(ephemeral(f"Sent `{filename}` to you as a direct message."))
