"""A running Threadline (the `serve` web app with its Bolt app) wired to a fake Slack.

`SlackEnv` starts the fake Web API, imports the test world into both Threadline and the
fake (teams, users with e-mails, ticket channels), builds the app exactly as `serve` does
from `Settings`, serves it over real HTTP on a free port, and signs requests to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.http_app import create_web_app
from bot.slack.app import SlackRuntime, create_runtime
from core import schema
from core.config import Settings
from core.db import create_engine, create_sessionmaker
from tests.fakeslack import FakeSlack, SlackRequestSender, payloads
from tests.support.world import ORGS, USERS, World, build_world

SIGNING_SECRET = "test-signing-secret"
HOME_TEAM = "T0PLAT"
BOT_TOKENS = {
    "T0PLAT": "xoxb-plat",
    "T0NORTH": "xoxb-north",
    "T0GLOB": "xoxb-glob",
    "T0ACME": "xoxb-acme",
}

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate_fake(slack: FakeSlack, *, shared_with: tuple[str, ...] = (HOME_TEAM,)) -> None:
    """Teams, users and ticket channels of the test world, as Slack would know them."""
    for team, token in BOT_TOKENS.items():
        slack.add_team(team, bot_token=token, bot_user_id=f"UB{team[2:]}", bot_id=f"B{team[2:]}")
    org_team = {slug: team for slug, _kind, _parent, team, _ch, _esc in ORGS}
    for name, slug, _rep, _admin, slack_user in USERS:
        if slack_user:
            slack.add_user(org_team[slug], slack_user, name, email=f"{name}@{slug}.example")
    members: dict[str, list[str]] = {}
    for _name, slug, _rep, _admin, slack_user in USERS:
        if slack_user:
            members.setdefault(slug, []).append(slack_user)
    for slug, _kind, _parent, team, channel, escalations in ORGS:
        bots = [f"UB{t[2:]}" for t in {team, *shared_with}]
        others = tuple(t for t in shared_with if t != team)
        slack.add_channel(
            team,
            channel,
            f"{slug}-tickets",
            members=[*members.get(slug, []), *bots],
            shared_with=others,
        )
        if escalations:
            slack.add_channel(
                team,
                escalations,
                "escalations",
                members=[*members.get(slug, []), *bots],
                shared_with=others,
            )


@dataclass
class SlackEnv:
    slack: FakeSlack
    sessions: async_sessionmaker[AsyncSession]
    world: World
    runtime: SlackRuntime
    sender: SlackRequestSender
    runner: web.AppRunner
    base_url: str
    settings: Settings
    _started: list[Any] = field(default_factory=list)

    # -- requests --------------------------------------------------------------------------
    def team_of(self, slack_user: str) -> str:
        return self.slack.users[slack_user].team_id

    async def command(self, user: str, text: str, *, channel: str | None = None) -> dict[str, str]:
        """Run `/ticket TEXT` as `user` (a Slack id); returns the form sent."""
        team = self.team_of(user)
        form = payloads.slash_command(
            self.slack, team=team, user=user, channel=channel or self.home_channel(user), text=text
        )
        response = await self.sender.slash_command(form)
        assert response.status == 200, response.text
        return form

    def home_channel(self, user: str) -> str:
        """The ticket channel of the user's org: where they would type the command."""
        slug = next(org for _n, org, _r, _a, su in USERS if su == user)
        return next(ch for s, _k, _p, _t, ch, _e in ORGS if s == slug)

    async def responses(self, form: dict[str, str], count: int = 1) -> list[dict[str, Any]]:
        """What the app posted to the command's response_url (waits for `count` posts)."""
        url = form["response_url"]
        return await self.eventually(
            lambda: posts if len(posts := self.slack.response_url_posts(url)) >= count else None
        )

    async def reply_text(self, form: dict[str, str]) -> str:
        """All text of the first response (fallback text plus every block's text)."""
        return flatten_text((await self.responses(form))[0])

    async def eventually(self, probe: Callable[[], T | None], within: float = 10.0) -> T:
        """Poll `probe` until it returns something truthy (listeners run after the ack)."""
        deadline = time.monotonic() + within
        while True:
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {within}s")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.sender.close()
        await self.runner.cleanup()
        await self.runtime.close()


def flatten_text(value: Any) -> str:
    """Every `text` string inside a message or view, joined: what the user can read."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "text" and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return "\n".join(found)


async def start_env(
    slack: FakeSlack,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    *,
    settings: Settings | None = None,
    world: World | None = None,
) -> SlackEnv:
    populate_fake(slack)
    world = world or await build_world(sessions)
    settings = settings or Settings(
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        SLACK_BOT_TOKEN=BOT_TOKENS[HOME_TEAM],
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
    )
    runtime = create_runtime(settings, sessions, engine)
    assert runtime is not None
    await runtime.start()
    app = create_web_app(engine, runtime.app, acks=runtime.acks)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base_url = f"http://127.0.0.1:{port}"
    sender = SlackRequestSender(f"{base_url}/slack/events", SIGNING_SECRET, slack=slack)
    return SlackEnv(slack, sessions, world, runtime, sender, runner, base_url, settings)


@contextlib.asynccontextmanager
async def migrated_env(url: str) -> AsyncIterator[tuple[SlackEnv, AsyncEngine]]:
    """The database at `url` migrated, a fake Slack, and Threadline serving on both (for the
    benchmarks, which bring their own database)."""
    engine = create_engine(url)
    try:
        await schema.upgrade(engine)
        async with FakeSlack() as slack:
            env = await start_env(slack, engine, create_sessionmaker(engine))
            try:
                yield env, engine
            finally:
                await env.close()
    finally:
        await engine.dispose()
