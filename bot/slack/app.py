"""Builds the Bolt app for the install mode the settings describe (SPEC §5).

- single workspace over HTTP: `SLACK_BOT_TOKEN` + `SLACK_SIGNING_SECRET`;
- Socket Mode: `SLACK_APP_TOKEN` (+ `SLACK_BOT_TOKEN`);
- multi-workspace OAuth: `SLACK_CLIENT_ID` / `SLACK_CLIENT_SECRET` / `SLACK_STATE_SECRET`
  (+ `SLACK_SIGNING_SECRET`), with slack_sdk's SQLAlchemy installation and state stores.
Listeners are registered once here, never per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncCallableAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.slack.ack_gate import AckGate
from bot.slack.authorization import SingleWorkspaceIdentity, installation_authorize
from bot.slack.deps import BotDeps
from bot.slack.http_session import SlackHttp
from bot.slack.identity import IdentityResolver
from bot.slack.install_mode import SlackMode, installation_store, missing_settings_hint, slack_mode
from bot.slack.listener_work import ListenerWork
from bot.slack.listeners import register_listeners
from bot.slack.oauth_state import SignedOAuthStateStore
from bot.slack.scopes import BOT_SCOPES
from core.config import Settings

__all__ = [
    "SlackMode",
    "SlackRuntime",
    "create_runtime",
    "installation_store",
    "missing_settings_hint",
    "slack_mode",
    "web_client",
]

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
OAUTH_STATE_TTL_S = 600


def web_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """The Web API client for listeners: connection errors, one 429 and one 5xx retried."""
    return AsyncWebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )


@dataclass
class SlackRuntime:
    """The app plus what `serve` must do with it: warm up, mount, or connect a socket."""

    app: AsyncApp
    mode: SlackMode
    acks: AckGate
    http: SlackHttp
    work: ListenerWork
    single_workspace: SingleWorkspaceIdentity | None = None

    async def start(self) -> None:
        self.http.open(self.app)
        if self.single_workspace is not None:
            await self.single_workspace.warm_up()

    async def close(self) -> None:
        """Once no requests come in: let listener work finish, then drop the HTTP session
        it sends through."""
        await self.work.finish()
        await self.http.close(self.app)


def create_runtime(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> SlackRuntime | None:
    """The Bolt app for the configured mode, or None (with a log line) when unconfigured."""
    mode = slack_mode(settings)
    if mode == SlackMode.DISABLED:
        log.warning(missing_settings_hint(settings))
        return None
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    single: SingleWorkspaceIdentity | None = None
    if mode == SlackMode.OAUTH:
        assert settings.slack_client_secret
        assert settings.slack_state_secret
        store = installation_store(settings, engine)
        app = AsyncApp(
            signing_secret=signing_secret,
            client=web_client(settings),
            # Bolt refuses a plain `authorize` function next to `oauth_settings`; an
            # `AsyncAuthorize` instance is accepted and replaces its auth.test-calling default.
            authorize=AsyncCallableAuthorize(  # type: ignore[arg-type]
                logger=log, func=installation_authorize(store)
            ),
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=list(BOT_SCOPES),
                user_scopes=[],
                installation_store=store,
                state_store=SignedOAuthStateStore(
                    engine=engine,
                    secret=settings.slack_state_secret.get_secret_value(),
                    expiration_seconds=OAUTH_STATE_TTL_S,
                ),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            ),
        )
    else:
        assert settings.slack_bot_token
        token = settings.slack_bot_token.get_secret_value()
        client = web_client(settings, token)
        single = SingleWorkspaceIdentity(client, token)
        app = AsyncApp(signing_secret=signing_secret, client=client, authorize=single.authorize())
    deps = BotDeps(settings=settings, sessions=sessions, identities=IdentityResolver())
    http = SlackHttp()
    app.middleware(http.respond_over_session)
    register_listeners(app, deps, revocation=mode == SlackMode.OAUTH)
    work = ListenerWork()
    work.attach(app)
    log.info("Slack app ready (%s)", mode.value)
    return SlackRuntime(
        app=app, mode=mode, acks=deps.acks, http=http, work=work, single_workspace=single
    )
