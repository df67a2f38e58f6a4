"""The REST API's messages, notes and export, the same effects as filing from Slack, and the
`threadline tokens` command that issues and revokes API tokens.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.schemas import ExportRow
from bot.http_app import create_web_app
from core.db import create_engine, create_sessionmaker
from core.models import Base, OutboxMessage, SourceChannel, Ticket, TicketThread
from core.services import tickets
from core.services.export import COLUMNS
from tests.support.api_helpers import API, Api, api_client
from tests.support.cli_helpers import run_cli_in_process
from tests.support.world import build_world

# --- messages --------------------------------------------------------------------------------


async def test_messages_and_internal_notes(api: Api):
    ticket = await api.new_ticket("carl")
    posted = await api.call(
        "POST", f"/tickets/{ticket}/messages", as_="carl", json={"body": "Any news?"}
    )
    assert posted.status == 201, posted.body
    assert posted.body["internal"] is False
    assert posted.body["source_channel"] == "api"
    assert posted.body["author_org"]["slug"] == "contoso"
    note = await api.call("POST", f"/tickets/{ticket}/notes", as_="nina", json={"body": "shh"})
    assert note.status == 201
    assert note.body["internal"] is True
    reply = await api.call(
        "POST",
        f"/tickets/{ticket}/messages",
        as_="nina",
        json={"body": "On it", "reply_to": posted.body["id"]},
    )
    assert reply.status == 201
    assert reply.body["reply_to"] == posted.body["id"]

    async def bodies(name: str, **params: str) -> tuple[list[str], str | None]:
        answer = await api.call("GET", f"/tickets/{ticket}/messages", as_=name, params=params)
        assert answer.status == 200, answer.body
        return [m["body"] for m in answer.body["items"]], answer.body["next_cursor"]

    assert await bodies("carl") == (["Any news?", "On it"], None)
    assert await bodies("nina") == (["Any news?", "shh", "On it"], None)
    page, cursor = await bodies("nina", limit="2")
    assert page == ["Any news?", "shh"]
    assert cursor is not None
    assert await bodies("nina", limit="2", cursor=cursor) == (["On it"], None)


async def test_message_validation(api: Api):
    ticket = await api.new_ticket("carl")
    other = await api.new_ticket("carl", "other")
    elsewhere = await api.call(
        "POST", f"/tickets/{other}/messages", as_="carl", json={"body": "there"}
    )
    for path, payload, field in [
        ("messages", {}, "body"),
        ("messages", {"body": ""}, "body"),
        ("messages", {"body": "   "}, "body"),
        ("messages", {"body": "x", "reply_to": "first"}, "reply_to"),
        ("messages", {"body": "x", "reply_to": elsewhere.body["id"]}, "reply_to"),
        ("notes", {"body": "x", "internal": False}, "internal"),
    ]:
        answer = await api.call("POST", f"/tickets/{ticket}/{path}", as_="carl", json=payload)
        assert answer.status == 422, (payload, answer.body)
        assert answer.error["field"] == field, payload
    bad_cursor = await api.call(
        "GET", f"/tickets/{ticket}/messages", as_="carl", params={"cursor": "-1"}
    )
    assert bad_cursor.status == 422
    assert bad_cursor.error["field"] == "cursor"


# --- export ----------------------------------------------------------------------------------


async def test_export_streams_only_visible_tickets(api: Api):
    await api.new_ticket("carl", "mine", tags=["a"])
    await api.new_ticket("fay", "theirs")
    as_csv = await api.call("GET", "/tickets/export", as_="carl", params={"format": "csv"})
    assert as_csv.status == 200
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.body)))
    assert [r["title"] for r in rows] == ["mine"]
    assert tuple(rows[0]) == COLUMNS
    as_json = await api.call("GET", "/tickets/export", as_="fay", params={"format": "json"})
    assert as_json.status == 200
    assert [ExportRow.model_validate(r).title for r in as_json.body] == ["theirs"]
    nina = await api.call("GET", "/tickets/export", as_="nina", params={"format": "json"})
    assert sorted(r["title"] for r in nina.body) == ["mine", "theirs"]
    filtered = await api.call(
        "GET", "/tickets/export", as_="nina", params={"format": "json", "org": "fabrikam"}
    )
    assert [r["title"] for r in filtered.body] == ["theirs"]
    for params, field in [({"format": "xml"}, "format"), ({"stage": "nope"}, "stage")]:
        answer = await api.call("GET", "/tickets/export", as_="carl", params=params)
        assert answer.status == 422
        assert answer.error["field"] == field


# --- same effects as Slack -------------------------------------------------------------------


async def _effects(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    """Outbox rows and Slack threads, by kind and target (ids and event ids left out)."""
    async with sessions() as session:
        outbox = await session.scalars(select(OutboxMessage))
        threads = await session.scalars(select(TicketThread))
        rows = [
            ("outbox", o.kind, o.slack_team, o.slack_channel, o.slack_user, o.lane) for o in outbox
        ]
        rows += [("thread", t.kind, t.slack_team, t.slack_channel) for t in threads]
    return sorted(rows, key=repr)


async def _wipe(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(delete(table))


async def test_api_ticket_has_the_same_effects_as_one_filed_from_slack(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
):
    notify = {"northwind": "both", "contoso": "dm"}
    async with api_client(engine, sessions, notify=notify) as api:
        await api.new_ticket("carl", "Same", description="Twice", severity="high", tags=["x"])
    through_api = await _effects(sessions)
    await _wipe(engine)
    world = await build_world(sessions, notify=notify)
    await world.act(
        "carl",
        tickets.create,
        title="Same",
        description="Twice",
        severity="high",
        tags=["x"],
        source=SourceChannel.SLACK,
    )
    through_slack = await _effects(sessions)
    assert through_api == through_slack
    assert {row[1] for row in through_api if row[0] == "outbox"} >= {"notify.dm"}
    async with sessions() as session:
        assert [t.source_channel for t in await session.scalars(select(Ticket))] == ["slack"]


# --- the tokens CLI --------------------------------------------------------------------------


async def _me_status(url: str, token: str) -> int:
    engine = create_engine(url)
    try:
        async with TestClient(TestServer(create_web_app(engine))) as client:
            response = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
            return response.status
    finally:
        await engine.dispose()


async def _world_at(url: str) -> None:
    engine = create_engine(url)
    try:
        await build_world(create_sessionmaker(engine))
    finally:
        await engine.dispose()


def test_tokens_cli_creates_prints_once_and_revokes(database_url: str, tmp_path: Path):
    asyncio.run(_world_at(database_url))

    def cli(*args: str) -> tuple[int, str, str]:
        result = run_cli_in_process(list(args), database_url=database_url, cwd=tmp_path)
        return result.returncode, result.stdout, result.stderr

    status, out, err = cli("tokens", "create", "--user", "Carl@Contoso.example", "--name", "ci")
    assert status == 0, err
    first = out.strip()
    assert re.fullmatch(r"tl_[A-Za-z0-9_-]{43}", first)
    assert "token 1 acts as carl@contoso.example" in err
    assert asyncio.run(_me_status(database_url, first)) == 200
    second = cli("tokens", "create", "--user", "carl@contoso.example")[1].strip()
    assert second != first

    assert cli("tokens", "revoke", "1")[1].strip() == "revoked token 1"
    assert asyncio.run(_me_status(database_url, first)) == 401
    assert asyncio.run(_me_status(database_url, second)) == 200
    assert cli("tokens", "revoke", "--user", "carl@contoso.example")[1].strip() == (
        "revoked 1 token(s) of carl@contoso.example"
    )
    assert asyncio.run(_me_status(database_url, second)) == 401

    status, _, err = cli("tokens", "create", "--user", "nobody@nowhere.example")
    assert status == 2
    assert "no user with e-mail" in err
    status, _, err = cli("tokens", "revoke", "99")
    assert status == 2
    assert "--user EMAIL" in err
