"""Shared by the Slack platform-contract tests (CONTRACT.md §1–3, §7–8, §10–11): the people
and teams of the test world, the time limits, and helpers that drive the app as Slack does.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.slack.ids import Block, input_action
from core.config import Settings
from core.models import Ticket
from tests.fakeslack import payloads
from tests.support.slack_env import BOT_TOKENS, HOME_TEAM, SlackEnv

CARL, FAY, GUS, AMY, ANA = "U0CARL", "U0FAY", "U0GUS", "U0AMY", "U0ANA"
NORTH, GLOBEX, ACME = "T0NORTH", "T0GLOB", "T0ACME"
CONTOSO_CHANNEL = "C0CONTIX"
HOME_TOKEN = BOT_TOKENS[HOME_TEAM]

ACK_LIMIT_S = 3.0
SLOW_SLACK_S = 5.0
SLACK_ENV_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_STATE_SECRET",
    "SLACK_API_URL",
)


# -- helpers ---------------------------------------------------------------------------------------
def make_settings(monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine, **values: str) -> Settings:
    """Settings from exactly `values`: no `.env`, no SLACK_* from the outer environment."""
    for name in SLACK_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        **values,
    )


def create_values(title: str, severity: str = "medium") -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` of a filled-in create modal."""
    return {
        Block.TITLE.value: {input_action(Block.TITLE): payloads.plain_input(title)},
        Block.SEVERITY.value: {input_action(Block.SEVERITY): payloads.static_choice(severity)},
    }


async def open_create_modal(env: SlackEnv, user: str, text: str = "new") -> dict[str, Any]:
    await env.command(user, text)
    views = await env.eventually(lambda: env.slack.open_views(user))
    return views[-1]


def submission(env: SlackEnv, user: str, view: dict[str, Any], title: str) -> dict[str, Any]:
    return payloads.view_submission(
        env.slack, team=env.team_of(user), user=user, view=view, values=create_values(title)
    )


def envelope(
    env: SlackEnv, event: dict[str, Any], *, team: str, installed_team: str | None = None
) -> dict[str, Any]:
    return payloads.event_callback(env.slack, event, team=team, installed_team=installed_team)


def home_opened(env: SlackEnv, user: str) -> dict[str, Any]:
    """App Home opened by `user` (a Slack Connect user: their team, our installation)."""
    event = payloads.app_home_opened_event(env.slack, user=user)
    return envelope(env, event, team=env.team_of(user), installed_team=HOME_TEAM)


async def ticket_titles(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(Ticket.title).order_by(Ticket.id)))


async def poll(probe: Callable[[], Any], within: float = 10.0) -> Any:
    """Call (and await, if async) `probe` until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)
