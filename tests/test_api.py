"""The REST API at /api/v1, on both databases, as a client would use it.

Every endpoint: it works for a user who may use it, refuses a missing or revoked token
(401), hides another tenant's ticket exactly like a missing one (404), refuses a visible
ticket the user may not change (403), and names the field of an invalid value (422).
"""

from __future__ import annotations

import ast
import asyncio
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import ENDPOINTS, openapi_document
from api.schemas import ExportRow
from bot.http_app import create_web_app
from core.db import create_engine, create_sessionmaker
from core.models import ApiToken, Base, OutboxMessage, SourceChannel, Ticket, TicketThread
from core.services import api_tokens, tickets
from core.services.export import COLUMNS
from tests.support.api_helpers import API, Api, api_client
from tests.support.cli_helpers import run_cli_in_process
from tests.support.world import build_world

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
async def api(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Api]:
    async with api_client(engine, sessions) as client:
        yield client


def _example_path(path: str, ticket_id: str) -> str:
    return path.replace("{ticket_id}", ticket_id)


# --- the document ----------------------------------------------------------------------------


async def test_openapi_document_is_served_without_a_token_and_lists_every_route(api: Api):
    answer = await api.call("GET", "/openapi.json")
    assert answer.status == 200
    document = answer.body
    assert document == json.loads(json.dumps(openapi_document()))
    assert document["openapi"].startswith("3.1")
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert str(endpoint.status) in operation["responses"]
        assert {"401", "503"} <= set(operation["responses"])
        takes_input = endpoint.body or endpoint.query or "{" in endpoint.path
        assert ("422" in operation["responses"]) == bool(takes_input)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(document["components"]["schemas"]), "every $ref resolves"


def test_export_row_model_has_the_columns_of_the_core_export():
    assert tuple(ExportRow.model_fields) == COLUMNS


def test_api_package_imports_nothing_from_the_slack_layer():
    forbidden = {"bot", "slack_bolt", "slack_sdk"}
    for path in (ROOT / "api").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                assert node.module.split(".")[0] not in forbidden, (path.name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in forbidden, (path.name, alias.name)
        assert len(path.read_text(encoding="utf-8").splitlines()) < 300, path.name


# --- authentication --------------------------------------------------------------------------


async def test_every_endpoint_refuses_missing_unknown_and_revoked_tokens(api: Api):
    ticket = await api.new_ticket("carl")
    revoked = await api.token_for("ned")
    async with api.world.sessions.begin() as session:
        assert await api_tokens.revoke_all(session, email=api.world.email("ned")) == 1
    unknown = "tl_" + "A" * 43
    for endpoint in ENDPOINTS:
        path = _example_path(endpoint.path, ticket)
        for token, code in [
            (None, "missing_token"),
            (unknown, "invalid_token"),
            ("not-a-token", "invalid_token"),
            (revoked, "invalid_token"),
        ]:
            answer = await api.call(endpoint.method, path, token=token, json={})
            assert answer.status == 401, (endpoint.operation_id, token, answer.body)
            assert answer.error["code"] == code
            assert "threadline tokens create" in answer.error["message"]
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    basic = await api.client.get(f"{API}/me", headers={"Authorization": "Basic eDp5"})
    assert basic.status == 401
    assert (await basic.json())["error"]["code"] == "invalid_authorization"


async def test_a_token_acts_as_its_user_and_records_its_use(api: Api):
    answer = await api.call("GET", "/me", as_="nina")
    assert answer.status == 200
    assert answer.body == {
        "user": {"email": "nina@northwind.example", "name": "Nina"},
        "org": {"slug": "northwind", "name": "Northwind"},
        "roles": ["member", "support_rep"],
    }
    async with api.world.sessions() as session:
        token = await session.scalar(select(ApiToken))
        assert token is not None
        assert token.last_used_at is not None
        assert token.token_hash == api_tokens.hash_token(api.tokens["nina"])
        assert api.tokens["nina"] not in token.token_hash


# --- tickets ---------------------------------------------------------------------------------


async def test_create_ticket_routes_and_marks_the_api_channel(api: Api):
    answer = await api.call(
        "POST",
        "/tickets",
        as_="carl",
        json={"title": "  VPN   down ", "severity": "high", "tags": ["vpn", "#Net"]},
    )
    assert answer.status == 201, answer.body
    body = answer.body
    assert body["title"] == "VPN down"
    assert body["source_channel"] == "api"
    assert body["stage"] == "queued"
    assert body["state"] == "open"
    assert body["requester_org"]["slug"] == "contoso"
    assert body["assigned_org"]["slug"] == "northwind"
    assert body["owner"] == {"email": "nina@northwind.example", "name": "Nina"}
    assert body["tags"] == ["net", "vpn"]
    assert "work_in_progress" in body["allowed_stages"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "severity": "urgent"}, "severity"),
        ({"title": "ok", "tags": ["has space"]}, "tags"),
        ({"title": "ok", "tags": "vpn"}, "tags"),
        ({"title": "ok", "colour": "red"}, "colour"),
        ({"title": "ok", "org": "no-such-org"}, "org"),
        ({"title": "nul\u0000byte"}, "title"),
        ({"title": "ok", "custom_attributes": {"a": ["\u0000"]}}, "custom_attributes"),
        ({"title": "ok", "custom_attributes": [1]}, "custom_attributes"),
    ],
)
async def test_create_ticket_names_the_invalid_field(api: Api, payload: dict[str, Any], field: str):
    answer = await api.call("POST", "/tickets", as_="carl", json=payload)
    assert answer.status == 422, answer.body
    assert answer.error["code"] == "validation_error"
    assert answer.error["field"] == field
    assert answer.error["message"]


async def test_create_ticket_refuses_custom_attributes_the_database_cannot_store(api: Api):
    raw = b'{"title": "ok", "custom_attributes": {"big": 1e400}}'
    answer = await api.call("POST", "/tickets", as_="carl", data=raw)
    assert answer.status == 422
    assert answer.error["field"] == "custom_attributes"
    stored = await api.call(
        "POST", "/tickets", as_="carl", json={"title": "ok", "custom_attributes": {"n": [1, "x"]}}
    )
    assert stored.status == 201
    assert stored.body["custom_attributes"] == {"n": [1, "x"]}


async def test_create_ticket_refuses_bodies_that_are_not_json_objects(api: Api):
    for raw in (b"{not json", b"[1, 2]", b'"title"'):
        answer = await api.call("POST", "/tickets", as_="carl", data=raw)
        assert answer.status == 400
        assert answer.error["code"] == "invalid_json"


async def test_create_ticket_for_another_org_follows_filing_rights(api: Api):
    refused = await api.call("POST", "/tickets", as_="carl", json={"title": "x", "org": "fabrikam"})
    assert refused.status == 403
    assert refused.error["code"] == "forbidden"
    allowed = await api.call("POST", "/tickets", as_="nina", json={"title": "x", "org": "contoso"})
    assert allowed.status == 201
    assert allowed.body["requester_org"]["slug"] == "contoso"


async def test_list_tickets_pages_by_cursor_and_filters(api: Api):
    ids = [await api.new_ticket("carl", f"T{i}", severity="low") for i in range(3)]
    await api.new_ticket("carl", "tagged", tags=["billing"], severity="blocker")
    await api.new_ticket("fay", "not contoso's")
    first = await api.call("GET", "/tickets", as_="carl", params={"limit": "2"})
    assert first.status == 200
    assert len(first.body["items"]) == 2
    assert first.body["next_cursor"]
    rest = await api.call(
        "GET", "/tickets", as_="carl", params={"limit": "2", "cursor": first.body["next_cursor"]}
    )
    assert rest.body["next_cursor"] is None
    seen = [t["id"] for t in first.body["items"] + rest.body["items"]]
    assert len(seen) == len(set(seen)) == 4
    assert set(ids) < set(seen)

    async def titles(**params: str) -> list[str]:
        answer = await api.call("GET", "/tickets", as_="carl", params=params)
        assert answer.status == 200, answer.body
        return sorted(t["title"] for t in answer.body["items"])

    assert await titles(tag="billing") == ["tagged"]
    assert await titles(severity="blocker") == ["tagged"]
    assert await titles(stage="Q", state="open") == ["T0", "T1", "T2", "tagged"]
    assert await titles(state="closed") == []
    assert await titles(org="contoso", severity="low") == ["T0", "T1", "T2"]
    assert await titles(org="fabrikam") == []  # another tenant's org: none of carl's tickets
    assert await titles(owner="me") == []
    assert await titles(owner="nobody@nowhere.example") == []
    assert len(await titles(since="2000-01-01")) == 4
    assert await titles(since="9999-12-31") == []
    twice = await api.call("GET", "/tickets?tag=a&tag=b", as_="carl")
    assert twice.status == 422
    assert twice.error["field"] == "tag"
    nina = await api.call("GET", "/tickets", as_="nina", params={"owner": "me"})
    assert len(nina.body["items"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"stage": "nope"}, "stage"),
        ({"state": "asleep"}, "state"),
        ({"severity": "urgent"}, "severity"),
        ({"tag": "two words"}, "tag"),
        ({"since": "yesterday"}, "since"),
        ({"sort": "title"}, "sort"),
    ],
)
async def test_list_tickets_names_the_invalid_parameter(
    api: Api, params: dict[str, str], field: str
):
    answer = await api.call("GET", "/tickets", as_="carl", params=params)
    assert answer.status == 422, answer.body
    assert answer.error["field"] == field


@pytest.mark.parametrize("path", ["/tickets", "/tickets/export"])
async def test_an_unknown_org_filter_is_a_422_naming_the_org_and_the_fix(api: Api, path: str):
    answer = await api.call("GET", path, as_="carl", params={"org": "no-such-org"})
    assert answer.status == 422, answer.body
    assert answer.error["field"] == "org"
    assert answer.error["message"] == (
        "There is no organization 'no-such-org'. Check the slug in the directory."
    )


async def test_another_tenants_ticket_is_indistinguishable_from_a_missing_one(api: Api):
    ticket = await api.new_ticket("carl")
    missing = "TKT-99999"
    bodies = {"PATCH": {"severity": "low"}, "POST": {"body": "hi"}}
    for endpoint in ENDPOINTS:
        if "{ticket_id}" not in endpoint.path:
            continue
        json_body = {} if "escalate" in endpoint.path else bodies.get(endpoint.method)
        theirs = await api.call(
            endpoint.method, _example_path(endpoint.path, ticket), as_="fay", json=json_body
        )
        nothing = await api.call(
            endpoint.method, _example_path(endpoint.path, missing), as_="fay", json=json_body
        )
        assert theirs.status == nothing.status == 404, (endpoint.operation_id, theirs.body)
        assert theirs.error["code"] == nothing.error["code"] == "not_found"
        assert theirs.error["message"].replace(ticket, missing) == nothing.error["message"]
        # the platform never sees a sub-org ticket that was not escalated to it
        platform = await api.call(
            endpoint.method, _example_path(endpoint.path, ticket), as_="ana", json=json_body
        )
        assert platform.status == 404


async def test_show_ticket(api: Api):
    ticket = await api.new_ticket("carl", description="It smokes.")
    answer = await api.call("GET", f"/tickets/{ticket}", as_="nina")
    assert answer.status == 200
    assert answer.body["id"] == ticket
    assert answer.body["description"] == "It smokes."
    assert answer.body["links"] == []
    assert answer.body["attachments"] == []
    number = ticket.removeprefix("TKT-")
    assert (await api.call("GET", f"/tickets/{number}", as_="carl")).body["id"] == ticket
    bad = await api.call("GET", "/tickets/TKT-abc", as_="carl")
    assert bad.status == 422
    assert bad.error["field"] == "ticket_id"


async def test_update_ticket_as_the_assigned_orgs_rep(api: Api):
    ticket = await api.new_ticket("carl", tags=["old"])
    answer = await api.call(
        "PATCH",
        f"/tickets/{ticket}",
        as_="nina",
        json={
            "stage": "WIP",
            "severity": "blocker",
            "owner": "me",
            "tags": {"add": ["new"], "remove": ["old"]},
            "title": "Renamed",
        },
    )
    assert answer.status == 200, answer.body
    body = answer.body
    assert (body["stage"], body["severity"], body["tags"], body["title"]) == (
        "work_in_progress",
        "blocker",
        ["new"],
        "Renamed",
    )
    assert body["owner"]["email"] == "nina@northwind.example"
    unassigned = await api.call("PATCH", f"/tickets/{ticket}", as_="nina", json={"owner": None})
    assert unassigned.status == 200
    assert unassigned.body["owner"] is None


async def test_update_ticket_refusals(api: Api):
    ticket = await api.new_ticket("carl")
    member = await api.call("PATCH", f"/tickets/{ticket}", as_="carl", json={"severity": "low"})
    assert member.status == 403
    assert member.error["code"] == "forbidden"
    # all or nothing: the allowed tag change is rolled back with the refused severity
    mixed = await api.call(
        "PATCH",
        f"/tickets/{ticket}",
        as_="carl",
        json={"tags": {"add": ["x"]}, "severity": "low"},
    )
    assert mixed.status == 403
    assert (await api.call("GET", f"/tickets/{ticket}", as_="carl")).body["tags"] == []
    jump = await api.call("PATCH", f"/tickets/{ticket}", as_="nina", json={"stage": "resolved"})
    assert jump.status == 409
    assert jump.error["code"] == "invalid_transition"
    assert "work_in_progress" in jump.error["message"]
    for payload, field in [
        ({"stage": "sideways"}, "stage"),
        ({"owner": "nobody@nowhere.example"}, "owner"),
        ({"owner": "ana@revampd.example"}, "owner"),
        ({"severity": "urgent"}, "severity"),
        ({"tags": {"add": ["a b"]}}, "tags"),
        ({"tags": ["a"]}, "tags"),
        ({"priority": 1}, "priority"),
    ]:
        answer = await api.call("PATCH", f"/tickets/{ticket}", as_="nina", json=payload)
        assert answer.status == 422, (payload, answer.body)
        assert answer.error["field"] == field, payload
    cancel = await api.call("PATCH", f"/tickets/{ticket}", as_="carl", json={"stage": "C"})
    assert cancel.status == 200
    assert cancel.body["stage"] == "canceled"


async def test_escalate_and_deescalate(api: Api):
    ticket = await api.new_ticket("carl")
    member = await api.call("POST", f"/tickets/{ticket}/escalate", as_="carl")
    assert member.status == 403
    up = await api.call(
        "POST", f"/tickets/{ticket}/escalate", as_="nina", json={"reason": "needs a fix"}
    )
    assert up.status == 200, up.body
    assert up.body["assigned_org"]["slug"] == "revampd"
    assert up.body["escalated_from_org"]["slug"] == "northwind"
    again = await api.call("POST", f"/tickets/{ticket}/escalate", as_="ana")
    assert again.status == 403
    seen = await api.call("GET", f"/tickets/{ticket}", as_="ana")
    assert seen.status == 200
    down = await api.call("POST", f"/tickets/{ticket}/deescalate", as_="ana", data=b"")
    assert down.status == 200, down.body
    assert down.body["assigned_org"]["slug"] == "northwind"
    assert down.body["escalated_from_org"] is None
    for action in ("escalate", "deescalate"):
        invalid = await api.call(
            "POST", f"/tickets/{ticket}/{action}", as_="nina", json={"reason": 42}
        )
        assert invalid.status == 422
        assert invalid.error["field"] == "reason"
    long = await api.call(
        "POST", f"/tickets/{ticket}/escalate", as_="nina", json={"reason": "x" * 2001}
    )
    assert long.status == 422
    assert long.error["field"] == "reason"


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


# --- failures of the platform ----------------------------------------------------------------


async def test_database_down_is_503_with_retry_after(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        app = create_web_app(engine)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(
                f"{API}/tickets", headers={"Authorization": "Bearer tl_" + "A" * 43}
            )
            assert response.status == 503
            assert response.headers["Retry-After"] == "5"
            body = await response.json()
            assert body["error"]["code"] == "database_unavailable"
    finally:
        await engine.dispose()


async def test_unknown_paths_and_methods_answer_in_the_error_shape(api: Api):
    missing = await api.call("GET", "/nowhere", as_="carl")
    assert missing.status == 404
    assert missing.error["code"] == "not_found"
    wrong = await api.call("DELETE", "/tickets", as_="carl")
    assert wrong.status == 405
    assert wrong.error["code"] == "method_not_allowed"


# --- same effects as Slack -------------------------------------------------------------------


async def _effects(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    """Outbox rows and Slack threads, by kind and target (ids and event ids left out)."""
    async with sessions() as session:
        outbox = await session.scalars(select(OutboxMessage))
        threads = await session.scalars(select(TicketThread))
        rows = [
            ("outbox", o.kind, o.slack_team, o.slack_channel, o.slack_user, o.lane)
            for o in outbox
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
