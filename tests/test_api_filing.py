"""The REST API's ticket filing and listing, on both databases: routing and the api channel,
the field named in every 422, filing rights, filters and cursor pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api_helpers import Api

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
