"""Slack through `threadline serve` (CONTRACT.md §10–11): Socket Mode acks and answers a slash
command; with no Slack settings the runtime says what to add and health is still served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from argparse import Namespace
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.processes import serve
from bot.slack.app import create_runtime
from core.config import Settings
from tests.fakeslack import FakeSlack, payloads
from tests.support.slack_env import flatten_text, free_port, populate_fake
from tests.support.slack_platform import (
    ACK_LIMIT_S,
    CARL,
    CONTOSO_CHANNEL,
    HOME_TOKEN,
    NORTH,
    make_settings,
    poll,
)
from tests.support.world import build_world


# -- Socket Mode, and no Slack at all: through `threadline serve` ----------------------------------
@contextlib.asynccontextmanager
async def running_serve(
    engine: AsyncEngine, settings: Settings, *, no_worker: bool = False
) -> AsyncIterator[str]:
    """`threadline serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    args = Namespace(host="127.0.0.1", port=port, no_worker=no_worker)
    task = asyncio.create_task(serve(engine, settings, args))
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                if task.done():
                    task.result()  # serve stopped: raise its error
                    raise AssertionError("serve returned before serving")
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(f"{base_url}/healthz") as resp:
                        return resp.status == 200
                return False

            await poll(healthy)
        yield base_url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10.0)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


APP_TOKEN = "xapp-1-A0THREADLINE-1-socketsecret"


async def test_socket_mode_slash_command_is_acked_and_answered(
    fake_slack: FakeSlack,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_slack
    populate_fake(fake)
    fake.add_app_token(APP_TOKEN)
    await build_world(sessions)
    settings = make_settings(
        monkeypatch,
        engine,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_BOT_TOKEN=HOME_TOKEN,
        SLACK_API_URL=fake.api_url,
    )
    async with running_serve(engine, settings, no_worker=True) as base_url:
        await fake.socket_mode.wait_connected(within=10.0)
        [connect] = fake.calls("apps.connections.open")
        assert (connect.token, connect.ok) == (APP_TOKEN, True)

        form = payloads.slash_command(
            fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="help"
        )
        started = time.monotonic()
        ack = await fake.socket_send(
            payloads.socket_envelope("slash_commands", form), within=ACK_LIMIT_S
        )
        assert time.monotonic() - started < ACK_LIMIT_S
        assert "envelope_id" in ack

        posts = await poll(lambda: fake.response_url_posts(form["response_url"]))
        assert posts[0]["response_type"] == "ephemeral"
        assert "/ticket new" in flatten_text(posts[0])

        # Socket Mode: no HTTP events endpoint.
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base_url}/slack/events", data="{}") as resp,
        ):
            assert resp.status == 404


HINTS = {
    "nothing": (
        {},
        "Slack is not configured. Add SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (one "
        "workspace), or SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode), or "
        "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_SIGNING_SECRET "
        "(multi-workspace OAuth).",
    ),
    "bot token only": (
        {"SLACK_BOT_TOKEN": "xoxb-1"},
        "Single-workspace install is partly configured: add SLACK_SIGNING_SECRET.",
    ),
    "signing secret only": (
        {"SLACK_SIGNING_SECRET": "s"},
        "Single-workspace install is partly configured: add SLACK_BOT_TOKEN.",
    ),
    "app token only": (
        {"SLACK_APP_TOKEN": "xapp-1"},
        "Socket Mode is partly configured: add SLACK_BOT_TOKEN.",
    ),
    "oauth client id only": (
        {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"},
        "OAuth install is partly configured: add SLACK_CLIENT_SECRET, SLACK_STATE_SECRET.",
    ),
}


@pytest.mark.parametrize("configured", list(HINTS))
async def test_without_slack_settings_create_runtime_says_what_to_add(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    configured: str,
) -> None:
    values, hint = HINTS[configured]
    settings = make_settings(monkeypatch, engine, **values)
    with caplog.at_level(logging.WARNING, logger="bot.slack.app"):
        assert create_runtime(settings, sessions, engine) is None
    assert [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"] == [hint]


async def test_serve_without_slack_still_serves_health(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(monkeypatch, engine)
    caplog.set_level(logging.INFO)
    async with running_serve(engine, settings) as base_url, aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/healthz") as resp:
            assert (resp.status, await resp.json()) == (200, {"status": "ok"})
        async with http.get(f"{base_url}/readyz") as resp:
            assert resp.status == 200
        async with http.post(f"{base_url}/slack/events", data="{}") as resp:
            assert resp.status == 404
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"]
    assert warnings == [HINTS["nothing"][1]]
