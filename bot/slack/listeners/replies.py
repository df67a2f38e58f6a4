"""Telling one user something privately, from whatever surface they acted on."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def tell_user(
    client: AsyncWebClient,
    *,
    user: str,
    message: dict[str, Any],
    channel: str | None = None,
    respond: AsyncRespond | None = None,
) -> None:
    """Ephemeral via `response_url` when there is one, else ephemeral in `channel`, else a
    message in the app's DM with the user. Falls through when a route is refused."""
    if respond is not None:
        await respond({**message, "response_type": "ephemeral"})
        return
    if channel is not None:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, **message)
            return
        except SlackApiError as err:
            log.info("ephemeral refused (%s); sending a DM instead", err.response.get("error"))
    await client.chat_postMessage(channel=user, **message)
