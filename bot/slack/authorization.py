"""Which bot token speaks for a workspace, without a Web API call on the request path.

Bolt's defaults call `auth.test` while handling a request (before the listener can ack),
which breaks the 3-second ack whenever Slack is slow. Here the single-workspace identity is
fetched once at start-up, and OAuth installs are answered from the installation store,
which already holds the bot's ids.

Bolt matches an `authorize` callable's parameters by name (and treats `self` as one), so
each factory returns a plain closure.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class SingleWorkspaceIdentity:
    """The one bot token of a single-workspace install, for every request (Slack Connect too)."""

    def __init__(self, client: AsyncWebClient, token: str) -> None:
        self._client = client
        self._token = token
        self._result: AuthorizeResult | None = None

    async def warm_up(self) -> None:
        """Learn the bot's identity before serving; retried lazily if Slack is down now."""
        try:
            await self.result()
        except SlackApiError as err:
            log.warning("auth.test failed at start-up (%s); will retry", err.response.get("error"))
        except OSError as err:
            log.warning("Slack unreachable at start-up (%s); will retry", type(err).__name__)

    async def result(self) -> AuthorizeResult:
        if self._result is None:
            response = await self._client.auth_test(token=self._token)
            self._result = AuthorizeResult.from_auth_test_response(
                auth_test_response=response, bot_token=self._token, user_token=None
            )
        return self._result

    def authorize(self) -> Callable[[], Awaitable[AuthorizeResult]]:
        async def authorize() -> AuthorizeResult:
            return await self.result()

        return authorize


def installation_authorize(
    store: AsyncInstallationStore,
) -> Callable[..., Awaitable[AuthorizeResult]]:
    """OAuth mode: the latest installation of the request's workspace (or Grid org).

    Returns None for a workspace without an installation, which Bolt answers with its
    "not installed" response (its type hints do not admit the None it handles)."""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        bot = await store.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=False
        )
        if bot is None and enterprise_id is not None:
            bot = await store.async_find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
        )

    return authorize  # type: ignore[return-value]
