"""Message shortcuts (create a ticket from a message, add one to a ticket) and the global
"New ticket" shortcut (SPEC §4)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.deps import BotDeps
from bot.slack.ids import Shortcut
from bot.slack.listeners.modals import open_add_modal, open_create_modal
from bot.slack.metadata import SourceMessage


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return " ".join(line.split())
    return ""


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.shortcut(Shortcut.CREATE_FROM_MESSAGE)
    async def create_from_message(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        await ack()
        message = body.get("message") or {}
        text = message.get("text") or ""
        await open_create_modal(
            deps,
            client,
            body,
            context,
            trigger_id=body["trigger_id"],
            title=first_line(text),
            description=text,
            source=SourceMessage(
                team=(body.get("team") or {}).get("id", ""),
                channel=(body.get("channel") or {}).get("id", ""),
                ts=message.get("ts") or body.get("message_ts", ""),
            ),
            respond=respond,
        )

    @app.shortcut(Shortcut.ADD_TO_TICKET)
    async def add_to_ticket(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        await ack()
        await open_add_modal(deps, client, body, context, respond)

    @app.shortcut(Shortcut.NEW_TICKET)
    async def new_ticket(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        await open_create_modal(deps, client, body, context, trigger_id=body["trigger_id"])
