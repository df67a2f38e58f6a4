"""Slack listeners, one module per surface; registered once when the app is built."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.deps import BotDeps
from bot.slack.listeners import actions, commands, events, home, modals, shortcuts, threads

log = logging.getLogger("bot.slack")


async def log_slack_request(req: AsyncBoltRequest, next: Callable[[], Awaitable[Any]]) -> Any:
    """One log line per Slack request: its kind and ids, never its content."""
    body = req.body
    event = body.get("event") or {}
    retries = req.headers.get("x-slack-retry-num") or []
    log.info(
        "slack",
        extra={
            "kind": body.get("type") or ("slash_command" if "command" in body else "unknown"),
            "event": event.get("type"),
            "subtype": event.get("subtype"),
            "event_id": body.get("event_id"),
            "command": body.get("command"),
            "callback_id": body.get("callback_id") or (body.get("view") or {}).get("callback_id"),
            "actions": [a.get("action_id") for a in body.get("actions") or []] or None,
            "team": req.context.team_id,
            "retry": retries[0] if retries else None,
        },
    )
    return await next()


def register_listeners(app: AsyncApp, deps: BotDeps, *, revocation: bool) -> None:
    app.middleware(log_slack_request)
    commands.register(app, deps)
    shortcuts.register(app, deps)
    modals.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    threads.register(app, deps)
    events.register(app, deps, revocation=revocation)
