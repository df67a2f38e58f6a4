"""`/ticket` (SPEC §4): ack at once, then parse, run as the sender, and answer ephemerally."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack import command_text as cmd
from bot.slack.blocks import help_message
from bot.slack.deps import BotDeps
from bot.slack.exports import send_export
from bot.slack.ids import SLASH_COMMAND
from bot.slack.listeners import ticket_commands
from bot.slack.listeners.common import run_as_sender
from bot.slack.listeners.modals import open_create_modal
from bot.slack.refusals import Refusal, ephemeral
from core.models import User

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.command(SLASH_COMMAND)
    async def ticket_command(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        text = body.get("text") or ""
        try:
            command = cmd.parse(text)
        except cmd.CommandSyntaxError as err:
            usage = f"\nUsage: `{err.usage}`" if err.usage else ""
            await respond(help_message(f"{err.message}{usage}") | {"response_type": "ephemeral"})
            return
        if isinstance(command, cmd.Help):
            await respond(help_message(None) | {"response_type": "ephemeral"})
            return
        if isinstance(command, cmd.New):
            await open_create_modal(
                deps,
                client,
                body,
                context,
                trigger_id=body["trigger_id"],
                title=command.title,
                respond=respond,
            )
            return
        if isinstance(command, cmd.Export):
            await send_export(deps, client, body, context, command, respond)
            return

        async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
            return await ticket_commands.run(session, actor, command)

        outcome = await run_as_sender(deps, client, body, context, work)
        if isinstance(outcome, Refusal):
            await respond(ephemeral(outcome.text))
        else:
            await respond(outcome | {"response_type": "ephemeral"})
