"""Events the manifest subscribes to that are not handled elsewhere.

Every subscribed event needs a listener: an unhandled one is answered 404, which makes
Slack retry it and eventually disable the subscription.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack.deps import BotDeps

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: BotDeps, *, revocation: bool) -> None:
    if revocation:
        # OAuth mode: Bolt deletes the workspace's installations from the store.
        app.enable_token_revocation_listeners()
    else:

        @app.event("app_uninstalled")
        async def app_uninstalled(body: dict[str, Any]) -> None:
            log.warning("the app was uninstalled from workspace %s", body.get("team_id"))

        @app.event("tokens_revoked")
        async def tokens_revoked(body: dict[str, Any]) -> None:
            log.warning("tokens were revoked in workspace %s", body.get("team_id"))
