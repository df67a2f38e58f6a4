"""App Home (SPEC §4): notification center, my queue, my org's open tickets.

Published when the user opens the tab and after they mark notifications read.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.app_home import render_home
from bot.slack.deps import BotDeps
from bot.slack.ids import Action
from bot.slack.listeners.common import run_as_sender
from bot.slack.refusals import Refusal
from core.models import User
from core.services import notification_center

log = logging.getLogger(__name__)


async def publish_home(
    deps: BotDeps,
    client: AsyncWebClient,
    body: dict[str, Any],
    context: dict[str, Any],
    *,
    mark: int | None = None,
    mark_all: bool = False,
) -> None:
    async def work(session: AsyncSession, actor: User) -> dict[str, Any]:
        if mark is not None:
            await notification_center.mark_read(session, user=actor, notification_id=mark)
        if mark_all:
            await notification_center.mark_all_read(session, user=actor)
        return await render_home(session, actor)

    outcome = await run_as_sender(deps, client, body, context, work)
    user_id = str(context.get("user_id") or (body.get("event") or {}).get("user"))
    if isinstance(outcome, Refusal):
        section = {"type": "section", "text": {"type": "mrkdwn", "text": outcome.text}}
        await client.views_publish(user_id=user_id, view={"type": "home", "blocks": [section]})
        return
    await client.views_publish(user_id=user_id, view=outcome)


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.event("app_home_opened")
    async def home_opened(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        await publish_home(deps, client, body, context)

    @app.action(Action.MARK_READ.value)
    async def mark_read(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        await ack()
        await publish_home(deps, client, body, context, mark=int(action["value"]))

    @app.action(Action.MARK_ALL_READ.value)
    async def mark_all_read(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
    ) -> None:
        await ack()
        await publish_home(deps, client, body, context, mark_all=True)
