"""Slack listeners, one module per surface; registered once when the app is built."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import BotDeps
from bot.listeners import actions, commands, events, home, modals, shortcuts, threads


def register_listeners(app: AsyncApp, deps: BotDeps, *, revocation: bool) -> None:
    commands.register(app, deps)
    shortcuts.register(app, deps)
    modals.register(app, deps)
    actions.register(app, deps)
    home.register(app, deps)
    threads.register(app, deps)
    events.register(app, deps, revocation=revocation)
