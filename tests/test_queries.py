"""Show, list (filters + cursor), search and export, scoped to what the viewer may see."""

import csv
import io
import json

import pytest
from sqlalchemy import update

from core.errors import NotFound, ValidationError
from core.models import Ticket
from core.rules.filters import NO_FILTER, TicketFilter
from core.rules.stages import Stage, State
from core.services import conversation, escalation, queries, relations, tickets
from core.services.export import ExportFormat, export_tickets
from tests.support.world import build_world


async def _visible_ids(world, viewer, filters=NO_FILTER, limit=25, cursor=None):
    async with world.sessions() as s:
        page = await queries.list_tickets(
            s, viewer=await world.user(s, viewer), filters=filters, limit=limit, cursor=cursor
        )
    return [t.id for t in page.tickets], page.next_cursor


async def test_list_is_scoped_to_involved_orgs(sessions):
    world = await build_world(sessions)
    contoso = await world.act("carl", tickets.create, title="contoso one")
    fabrikam = await world.act("fay", tickets.create, title="fabrikam one")
    acme = await world.act("al", tickets.create, title="acme one")
    assert (await _visible_ids(world, "cora"))[0] == [contoso.id]
    assert (await _visible_ids(world, "fay"))[0] == [fabrikam.id]
    assert (await _visible_ids(world, "nina"))[0] == [fabrikam.id, contoso.id]
    assert (await _visible_ids(world, "ana"))[0] == [acme.id]  # not the sub-org tickets
    assert (await _visible_ids(world, "ivy"))[0] == []
    await world.act("nina", escalation.escalate, ticket=contoso.id)
    assert (await _visible_ids(world, "ana"))[0] == [acme.id, contoso.id]
    await world.act("ana", escalation.deescalate, ticket=contoso.id)
    assert (await _visible_ids(world, "bob"))[0] == [acme.id, contoso.id]  # stays involved


async def test_list_filters_and_cursor(sessions):
    world = await build_world(sessions)
    made = [
        await world.act("carl", tickets.create, title=f"t{n}", severity=sev, tags=tags)
        for n, (sev, tags) in enumerate(
            [("low", ["vpn"]), ("high", ["vpn", "mac"]), ("high", []), ("blocker", ["mac"])]
        )
    ]
    ids = [t.id for t in made]
    await world.act("nina", tickets.change_stage, ticket=ids[0], stage="WIP")
    await world.act("nina", tickets.change_stage, ticket=ids[0], stage="R")
    await world.act("nina", tickets.change_stage, ticket=ids[1], stage="WIP")

    async def listed(**kw):
        return (await _visible_ids(world, "nina", TicketFilter(**kw)))[0]

    assert await listed(severity="high") == [ids[2], ids[1]]
    assert await listed(tag="MAC") == [ids[3], ids[1]]
    assert await listed(states=[State.CLOSED]) == [ids[0]]
    assert await listed(states=[State.OPEN, State.IN_PROGRESS]) == [ids[3], ids[2], ids[1]]
    assert await listed(stages=[Stage.WORK_IN_PROGRESS]) == [ids[1]]
    assert await listed(stages=[Stage.QUEUED], states=[State.CLOSED]) == []
    assert await listed(owner_id=world.user_ids["nina"]) == ids[::-1]
    assert await listed(requester_org_id=world.org_ids["fabrikam"]) == []

    first, cursor = await _visible_ids(world, "nina", limit=3)
    assert first == ids[:0:-1]
    assert cursor == ids[1]
    rest, cursor = await _visible_ids(world, "nina", limit=3, cursor=cursor)
    assert rest == [ids[0]]
    assert cursor is None
    with pytest.raises(ValidationError, match="limit"):
        await _visible_ids(world, "nina", limit=0)


async def test_show_hides_other_orgs_internal_notes_and_deleted_messages(sessions):
    world = await build_world(sessions)
    ticket = await world.act("carl", tickets.create, title="Show me")
    public = await world.act("carl", conversation.post_message, ticket=ticket.id, body="public")
    await world.act(
        "nina", conversation.post_message, ticket=ticket.id, body="partner only", internal=True
    )
    gone = await world.act("carl", conversation.post_message, ticket=ticket.id, body="oops")
    await world.act("carl", conversation.delete_message, message_id=gone.id)
    await world.act("nina", conversation.react, message_id=public.id, emoji="eyes")
    await world.act("ned", conversation.react, message_id=public.id, emoji="eyes")

    async def bodies(viewer):
        async with sessions() as s:
            details = await queries.show(s, viewer=await world.user(s, viewer), ticket=ticket.id)
        return [(m.message.body, m.reactions) for m in details.messages]

    assert await bodies("cora") == [("public", {"eyes": 2})]
    assert await bodies("ned") == [("public", {"eyes": 2}), ("partner only", {})]
    with pytest.raises(NotFound):
        await bodies("fay")
    with pytest.raises(NotFound):
        await world.act("carl", conversation.react, message_id=gone.id + 1, emoji="x")


async def test_links_show_only_tickets_the_viewer_can_see(sessions):
    world = await build_world(sessions)
    a = await world.act("carl", tickets.create, title="A")
    b = await world.act("fay", tickets.create, title="B")
    await world.act("nina", relations.link, ticket=a.id, other=b.display_id, kind="parent")
    async with sessions() as s:
        nina_view = await queries.show(s, viewer=await world.user(s, "nina"), ticket=b.id)
        carl_view = await queries.show(s, viewer=await world.user(s, "carl"), ticket=a.id)
    assert [(lk.kind, lk.ticket.id) for lk in nina_view.links] == [("child", a.id)]
    assert carl_view.links == []  # contoso cannot see fabrikam's ticket
    with pytest.raises(NotFound):
        await world.act("carl", relations.link, ticket=a.id, other=b.id)


@pytest.mark.parametrize(
    ("words", "expected"),
    [("printer", ["printer"]), ("PRINTERS jammed", ["printer"]), ("toner", ["toner-msg"])],
)
async def test_search_title_description_and_visible_messages(sessions, words, expected):
    world = await build_world(sessions)
    titles = {}
    for title, description in [("Printer jammed", "paper everywhere"), ("VPN", "slow")]:
        titles[
            (await world.act("carl", tickets.create, title=title, description=description)).id
        ] = title
    vpn = next(tid for tid, t in titles.items() if t == "VPN")
    await world.act("carl", conversation.post_message, ticket=vpn, body="the toner light blinks")
    await world.act(
        "nina", conversation.post_message, ticket=vpn, body="secret printer plan", internal=True
    )
    async with sessions() as s:
        found = await queries.search(s, viewer=await world.user(s, "carl"), query=words)
    labels = {"Printer jammed": "printer", "VPN": "toner-msg"}
    assert [labels[t.title] for t in found] == expected


async def test_search_respects_internal_notes_and_tenancy(sessions):
    world = await build_world(sessions)
    ticket = await world.act("carl", tickets.create, title="Laptop")
    await world.act(
        "nina", conversation.post_message, ticket=ticket.id, body="zebra notes", internal=True
    )
    await world.act("fay", tickets.create, title="zebra crossing")
    async with sessions() as s:
        carl_hits = await queries.search(s, viewer=await world.user(s, "carl"), query="zebra")
        ned_hits = await queries.search(s, viewer=await world.user(s, "ned"), query="zebra")
        hostile = await queries.search(s, viewer=await world.user(s, "ned"), query='" OR * NEAR(')
    assert carl_hits == []
    assert sorted(t.title for t in ned_hits) == ["Laptop", "zebra crossing"]
    assert hostile == []


async def _export(world, viewer, fmt, filters=NO_FILTER):
    async with world.sessions() as s:
        user = await world.user(s, viewer) if viewer else None
        return "".join(
            [p async for p in export_tickets(s, viewer=user, format=fmt, filters=filters)]
        )


async def test_export_csv_and_json_are_scoped_and_complete(sessions):
    world = await build_world(sessions)
    a = await world.act("carl", tickets.create, title='Quote " and, comma', tags=["b", "a"])
    await world.act("fay", tickets.create, title="Fabrikam's")
    await world.act("al", tickets.create, title="Acme's")
    rows = list(csv.DictReader(io.StringIO(await _export(world, "cora", ExportFormat.CSV))))
    assert [(r["id"], r["title"], r["tags"], r["assigned_org"]) for r in rows] == [
        (a.display_id, 'Quote " and, comma', "a b", "northwind")
    ]
    data = json.loads(await _export(world, "nina", ExportFormat.JSON))
    assert [d["title"] for d in data] == ['Quote " and, comma', "Fabrikam's"]
    assert data[0]["owner"] == world.email("nina")
    assert data[0]["state"] == "open"
    everything = json.loads(await _export(world, None, ExportFormat.JSON))
    assert len(everything) == 3
    empty = json.loads(await _export(world, "ivy", ExportFormat.JSON))
    assert empty == []


async def test_export_streams_in_chunks(sessions, monkeypatch):
    from core.services import export

    monkeypatch.setattr(export, "CHUNK", 2)
    world = await build_world(sessions)
    for n in range(5):
        await world.act("al", tickets.create, title=f"n{n}", tags=[f"t{n}"])
    async with sessions.begin() as s:
        await s.execute(update(Ticket).values(description="x"))
    data = json.loads(await _export(world, "ana", ExportFormat.JSON))
    assert [d["title"] for d in data] == [f"n{n}" for n in range(5)]
    assert [d["tags"] for d in data] == [[f"t{n}"] for n in range(5)]


async def test_ticket_ids_beyond_the_id_column_are_simply_not_found(sessions):
    world = await build_world(sessions)
    with pytest.raises(NotFound):
        await world.act("carl", tickets.change_stage, ticket="TKT-99999999999", stage="C")
