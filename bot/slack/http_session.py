"""One kept-alive HTTP session for what the Slack app sends while answering requests.

Bolt gives every request a Web API client that shares its app client's session, but the app
client has none by default, and Bolt's `respond` never has one: each call would then open a
session, and with it a new HTTPS connection to Slack, handshake included. Listeners answer
users through these calls, so the handshake would be paid on every answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient


class SharedSessionRespond(AsyncRespond):
    """Bolt's `respond`, posting to the response_url over a shared session."""

    def __init__(self, *, response_url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(response_url=response_url)
        self._session = session

    async def __call__(  # the signature of Bolt's, so listeners cannot tell them apart
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        assert self.response_url is not None
        client = AsyncWebhookClient(url=self.response_url, session=self._session)
        return await client.send_dict(message)


class SlackHttp:
    """Opened when serving starts (a session needs the running event loop), closed at exit."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def open(self, app: AsyncApp) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            app.client.session = self._session

    async def close(self, app: AsyncApp) -> None:
        if self._session is not None:
            app.client.session = None
            await self._session.close()
            self._session = None

    async def respond_over_session(
        self, req: AsyncBoltRequest, next: Callable[[], Awaitable[Any]]
    ) -> Any:
        """A Bolt middleware: the request's `respond` uses the shared session."""
        url = req.context.response_url
        if self._session is not None and url:
            req.context["respond"] = SharedSessionRespond(response_url=url, session=self._session)
        return await next()
