"""OAuth installs (CONTRACT.md §8): two workspaces, one token each, then an uninstall."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.slack.app import SlackMode, installation_store
from bot.slack.scopes import BOT_SCOPES
from tests.fakeslack import FakeSlack, payloads
from tests.support.slack_env import BOT_TOKENS, SIGNING_SECRET, SlackEnv, start_env
from tests.support.slack_platform import ACME, AMY, CARL, GLOBEX, GUS, NORTH, make_settings, poll

# -- §8 OAuth: two workspaces, one token each ------------------------------------------------------
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
STATE_SECRET = "oauth-state-secret"
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def oauth_env(
    fake_slack: FakeSlack,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[SlackEnv]:
    fake_slack.oauth_client = (CLIENT_ID, CLIENT_SECRET)  # oauth.v2.access checks them
    settings = make_settings(
        monkeypatch,
        engine,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_STATE_SECRET=STATE_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    env = await start_env(fake_slack, engine, sessions, settings=settings)
    assert env.runtime.mode == SlackMode.OAUTH
    yield env
    await env.close()


async def begin_install(http: aiohttp.ClientSession, env: SlackEnv) -> dict[str, str]:
    """GET /slack/install as a browser: the authorize URL's query, and the state cookie."""
    async with http.get(f"{env.base_url}/slack/install", allow_redirects=False) as resp:
        assert resp.status in (200, 302)
        page = await resp.text()
        url = resp.headers.get("Location")
        cookie = resp.headers["Set-Cookie"]
    if url is None:
        found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
        assert found is not None, page
        url = html.unescape(found.group(1))
    assert url.startswith("https://slack.com/oauth/v2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    assert cookie.startswith(f"{STATE_COOKIE}={query['state']};")
    return query


async def finish_install(
    http: aiohttp.ClientSession, env: SlackEnv, *, code: str, state: str
) -> tuple[int, str]:
    """Slack redirects the browser (which holds the state cookie) back with code and state."""
    async with http.get(
        f"{env.base_url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
        allow_redirects=False,
    ) as resp:
        return resp.status, await resp.text()


async def test_oauth_install_in_two_workspaces_then_uninstall(
    oauth_env: SlackEnv, engine: AsyncEngine
) -> None:
    env, fake = oauth_env, oauth_env.slack
    store = installation_store(env.settings, engine)
    fake.add_oauth_code("code-north", NORTH)
    fake.add_oauth_code("code-globex", GLOBEX)

    async def bot_token(team: str) -> str | None:
        bot = await store.async_find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot is not None else None

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        north, globex = await begin_install(http, env), await begin_install(http, env)
        assert north["client_id"] == CLIENT_ID
        assert north["scope"].split(",") == list(BOT_SCOPES)
        raw, _, signature = north["state"].rpartition(".")
        assert raw
        assert re.fullmatch(r"[0-9a-f]{32}", signature)
        assert north["state"] != globex["state"]

        # Forged states are refused before the code is exchanged.
        for forged in (raw, f"{raw}.{'0' * 32}", "made-up-state.0123456789abcdef0123456789abcdef"):
            status, _ = await finish_install(http, env, code="code-north", state=forged)
            assert status == 401, forged
        assert fake.calls("oauth.v2.access") == []
        assert await bot_token(NORTH) is None

        for code, query in (("code-north", north), ("code-globex", globex)):
            status, page = await finish_install(http, env, code=code, state=query["state"])
            assert status == 200, page
        replay, _ = await finish_install(http, env, code="code-north", state=north["state"])
        assert replay == 401  # a state is single-use

    assert [c.ok for c in fake.calls("oauth.v2.access")] == [True, True]
    assert await bot_token(NORTH) == BOT_TOKENS[NORTH]
    assert await bot_token(GLOBEX) == BOT_TOKENS[GLOBEX]
    assert await bot_token(ACME) is None

    async def open_modal(user: str) -> str | None:
        """`/ticket new` as `user`: the token of the views.open it caused, if any."""
        before = len(fake.calls("views.open"))
        form = await env.command(user, "new Hello")
        await env.eventually(
            lambda: (
                len(fake.calls("views.open")) > before
                or fake.response_url_posts(form["response_url"])
            )
        )
        opened = fake.calls("views.open")[before:]
        return opened[0].token if opened and opened[0].ok else None

    assert await open_modal(CARL) == BOT_TOKENS[NORTH]
    assert await open_modal(GUS) == BOT_TOKENS[GLOBEX]

    async def not_installed_answer(user: str) -> str:
        calls_before = len(fake.calls())
        form = await env.command(user, "list")
        text = await env.reply_text(form)
        assert len(fake.calls()) == calls_before  # no token, so no Web API call
        return text

    assert "reinstall" in await not_installed_answer(AMY)  # acme never installed

    uninstalled = payloads.event_callback(fake, payloads.app_uninstalled_event(), team=NORTH)
    assert (await env.sender.event(uninstalled)).status == 200
    await poll(lambda: _gone(bot_token(NORTH)))
    assert "reinstall" in await not_installed_answer(CARL)
    assert await open_modal(GUS) == BOT_TOKENS[GLOBEX]  # the other workspace is untouched

    revoked = payloads.event_callback(
        fake, payloads.tokens_revoked_event(bot=[fake.teams[GLOBEX].bot_user_id]), team=GLOBEX
    )
    assert (await env.sender.event(revoked)).status == 200
    await poll(lambda: _gone(bot_token(GLOBEX)))
    assert "reinstall" in await not_installed_answer(GUS)


async def _gone(token: Awaitable[str | None]) -> bool:
    return await token is None
