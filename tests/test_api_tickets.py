"""The REST API's single-ticket endpoints, on both databases: another tenant's ticket hidden
exactly like a missing one (404), show, updates and their refusals (403), escalation.
"""

from __future__ import annotations

from api.app import ENDPOINTS
from tests.support.api_helpers import Api, example_path


async def test_another_tenants_ticket_is_indistinguishable_from_a_missing_one(api: Api):
    ticket = await api.new_ticket("carl")
    missing = "TKT-99999"
    bodies = {"PATCH": {"severity": "low"}, "POST": {"body": "hi"}}
    for endpoint in ENDPOINTS:
        if "{ticket_id}" not in endpoint.path:
            continue
        json_body = {} if "escalate" in endpoint.path else bodies.get(endpoint.method)
        theirs = await api.call(
            endpoint.method, example_path(endpoint.path, ticket), as_="fay", json=json_body
        )
        nothing = await api.call(
            endpoint.method, example_path(endpoint.path, missing), as_="fay", json=json_body
        )
        assert theirs.status == nothing.status == 404, (endpoint.operation_id, theirs.body)
        assert theirs.error["code"] == nothing.error["code"] == "not_found"
        assert theirs.error["message"].replace(ticket, missing) == nothing.error["message"]
        # the platform never sees a sub-org ticket that was not escalated to it
        platform = await api.call(
            endpoint.method, example_path(endpoint.path, ticket), as_="ana", json=json_body
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
