"""Reaching Slack on behalf of an org's workspace: the right token, and paused methods.

In single-workspace mode one token speaks for every org. In OAuth mode each workspace's
installation does; a workspace that has not installed the app defers its deliveries.
Clients here never retry on their own: the worker owns the retry policy. They share one
HTTP session, so calls reuse kept-alive connections instead of a TLS handshake each.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.failures import Deferred, classify
from bot.slack.install_mode import SlackMode, installation_store, slack_mode
from core.config import Settings
from core.models import utcnow
from core.outbox import queue as delivery_queue

CLIENT_TIMEOUT_S = 10
INSTALL_CACHE_S = 30.0
NOT_INSTALLED_WAIT = timedelta(minutes=1)


class SlackAccess:
    def __init__(
        self,
        *,
        api_url: str,
        single_token: str | None = None,
        installations: AsyncInstallationStore | None = None,
    ) -> None:
        self._api_url = api_url
        self._single_token = single_token
        self._installations = installations
        self._clients: dict[str, AsyncWebClient] = {}
        self._install_cache: dict[str, tuple[float, str | None]] = {}
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the shared HTTP session (its clients open a new one if used again)."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def client_for(self, team: str) -> AsyncWebClient:
        token = await self._token_for(team)
        if token is None:
            raise Deferred(
                reason=f"workspace {team} has not installed the app",
                until=utcnow() + NOT_INSTALLED_WAIT,
            )
        if self._http is None:
            self._clients.clear()  # they held a session that has been closed
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
            )
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self._api_url,
                timeout=CLIENT_TIMEOUT_S,
                retry_handlers=[],
                session=self._http,
            )
            self._clients[token] = client
        return client

    async def _token_for(self, team: str) -> str | None:
        if self._installations is None:
            return self._single_token
        cached = self._install_cache.get(team)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team)
        token = bot.bot_token if bot else None
        self._install_cache[team] = (time.monotonic() + INSTALL_CACHE_S, token)
        return token


class SlackCall:
    """Calls for one delivery: each checks the method's shared pause, and classifies errors.
    `lane_opens_at`: when the delivery's lane opens (it may be claimed a little earlier)."""

    def __init__(
        self,
        client: AsyncWebClient,
        team: str,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lane_opens_at: datetime | None = None,
    ) -> None:
        self.client = client
        self.team = team
        self._sessions = sessions
        self._lane_opens_at = lane_opens_at

    async def __call__(
        self,
        method: str,
        call: Callable[[], Awaitable[AsyncSlackResponse]],
        *,
        paced_by_lane: bool = False,
    ) -> AsyncSlackResponse:
        """`paced_by_lane`: the method's pause is the delivery's own lane (chat.postMessage,
        which Slack limits per channel), checked when the row was claimed: wait for it."""
        if paced_by_lane:
            if self._lane_opens_at is not None:
                await asyncio.sleep(max((self._lane_opens_at - utcnow()).total_seconds(), 0.0))
        else:
            async with self._sessions.begin() as session:
                until = await delivery_queue.method_open_at(session, team=self.team, method=method)
            if until is not None and until > utcnow():
                raise Deferred(reason=f"{method} paused by Slack rate limit", until=until)
        try:
            return await call()
        except Exception as err:
            raise classify(method, err) from err


def access_from_settings(settings: Settings, engine: AsyncEngine) -> SlackAccess | None:
    """The token source for the configured install mode; None when Slack is not configured."""
    mode = slack_mode(settings)
    if mode == SlackMode.DISABLED:
        return None
    if mode == SlackMode.OAUTH:
        return SlackAccess(
            api_url=settings.slack_api_url, installations=installation_store(settings, engine)
        )
    assert settings.slack_bot_token is not None
    return SlackAccess(
        api_url=settings.slack_api_url, single_token=settings.slack_bot_token.get_secret_value()
    )
