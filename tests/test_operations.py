"""Operating Threadline: structured logs without secrets, and a database outage."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from sqlalchemy import make_url

from bot.logs import RequestIdFilter, configure_logging, request_id
from core.config import Settings
from core.db import create_engine, create_sessionmaker
from tests.conftest import POSTGRES_URL
from tests.support.db_proxy import DatabaseProxy
from tests.support.slack_env import BOT_TOKENS, HOME_TEAM, SIGNING_SECRET, flatten_text, start_env


def test_json_log_lines_carry_the_request_id():
    stream = io.StringIO()
    configure_logging(json=True)
    root = logging.getLogger()
    try:
        root.handlers[0].stream = stream  # type: ignore[attr-defined]
        token = request_id.set("abc123")
        logging.getLogger("bot.http_app").info("request", extra={"path": "/healthz", "status": 200})
        request_id.reset(token)
    finally:
        root.handlers.clear()
    line = json.loads(stream.getvalue().strip())
    assert line["message"] == "request"
    assert line["request_id"] == "abc123"
    assert (line["path"], line["status"], line["level"]) == ("/healthz", 200, "INFO")


async def test_requests_are_logged_once_each_without_secrets(slack_env, caplog):
    caplog.set_level(logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    caplog.handler.addFilter(RequestIdFilter())
    form = await slack_env.command("U0CARL", "list")
    await slack_env.responses(form)
    requests = [r for r in caplog.records if r.getMessage() == "request"]
    slack = [r for r in caplog.records if r.getMessage() == "slack"]
    assert [(r.path, r.status) for r in requests] == [("/slack/events", 200)]
    assert slack[0].kind == "slash_command"
    assert slack[0].command == "/ticket"
    assert requests[0].request_id != "-"
    everything = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in (BOT_TOKENS[HOME_TEAM], SIGNING_SECRET, form["response_url"].split("/")[-1]):
        assert secret not in everything


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL behind a cuttable proxy")
async def test_slack_still_answers_quickly_when_the_database_is_down(
    fake_slack, engine, sessions, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("an outage of the embedded SQLite file is not a thing")
    url = make_url(database_url)
    proxy = DatabaseProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app_engine = create_engine(proxied, connect_args={"connect_timeout": 2})
    settings = Settings(
        DATABASE_URL=proxied,
        SLACK_BOT_TOKEN=BOT_TOKENS[HOME_TEAM],
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    from tests.support.world import build_world

    world = await build_world(sessions)
    env = await start_env(
        fake_slack, app_engine, create_sessionmaker(app_engine), settings=settings, world=world
    )
    try:
        await env.reply_text(await env.command("U0CARL", "list"))  # works while it is up
        await proxy.cut()
        started = time.monotonic()
        form = await env.command("U0CARL", "list")
        assert time.monotonic() - started < 3.0
        answer = flatten_text((await env.responses(form))[0])
        assert "temporarily unavailable" in answer
        assert len(fake_slack.response_url_posts(form["response_url"])) == 1
    finally:
        await env.close()
        await app_engine.dispose()
        await proxy.cut()
