"""`/ticket` subcommands end to end: signed request → app → fake Slack, plus the database.

Each subcommand has its success path and its refusals (bad syntax shows the help, no
permission, unknown ticket, disallowed stage), asserting what the user saw in Slack (the
ephemeral answer posted to the command's response_url) and what changed in the database.
"""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import func, select

from core.models import AuditEntry, Message, Ticket, TicketLink, TicketSubscriber
from core.services import tickets
from tests.support.slack_env import flatten_text

CARL, CORA, NINA, NED, ANA, FAY = "U0CARL", "U0CORA", "U0NINA", "U0NED", "U0ANA", "U0FAY"


async def _ticket(env, title="VPN drops", filer="carl"):
    return await env.world.act(filer, tickets.create, title=title)


async def _scalar(env, query):
    async with env.sessions() as s:
        return await s.scalar(query)


async def _answer(env, user, text):
    form = await env.command(user, text)
    posts = await env.responses(form)
    assert all(p.get("response_type", "ephemeral") == "ephemeral" for p in posts)
    return flatten_text(posts[0])


async def test_help_and_bad_syntax_show_help(slack_env):
    assert "/ticket assign TKT-n @user|me" in await _answer(slack_env, CARL, "help")
    text = await _answer(slack_env, CARL, "frobnicate TKT-1")
    assert "I don't know the subcommand `frobnicate`" in text
    assert "/ticket stage TKT-n STAGE" in text
    text = await _answer(slack_env, CARL, "stage banana")
    assert "`banana` is not a ticket id" in text
    assert "Usage: `/ticket stage TKT-n STAGE`" in text


async def test_list_open_mine_all(slack_env):
    mine = await _ticket(slack_env, "Printer on fire")
    other = await _ticket(slack_env, "Fabrikam only", filer="fay")
    text = await _answer(slack_env, CARL, "list")
    assert mine.display_id in text
    assert other.display_id not in text
    await slack_env.world.act("nina", tickets.change_stage, ticket=mine.id, stage="WIP")
    await slack_env.world.act("nina", tickets.change_stage, ticket=mine.id, stage="R")
    assert mine.display_id not in await _answer(slack_env, CARL, "list open")
    assert mine.display_id in await _answer(slack_env, CARL, "list all")
    nina_mine = await _answer(slack_env, NINA, "list mine")
    assert other.display_id in nina_mine
    assert mine.display_id not in nina_mine
    assert "`everything` is not a list scope" in await _answer(slack_env, CARL, "list everything")


async def test_show_renders_card_and_hides_other_tenants(slack_env):
    ticket = await _ticket(slack_env, "Laptop <b>broken</b> & slow")
    text = await _answer(slack_env, CARL, f"show {ticket.display_id}")
    assert ticket.display_id in text
    assert "Laptop &lt;b&gt;broken&lt;/b&gt; &amp; slow" in text
    refused = await _answer(slack_env, FAY, f"show {ticket.display_id}")
    assert "not found" in refused
    assert "not found" in await _answer(slack_env, CARL, "show TKT-999")


async def test_assign_me_and_mention(slack_env):
    ticket = await _ticket(slack_env)
    text = await _answer(slack_env, NINA, f"assign {ticket.display_id} <@{NED}|ned>")
    assert "now owned by Ned" in text
    owner = await _scalar(slack_env, select(Ticket.owner_id).where(Ticket.id == ticket.id))
    assert owner == slack_env.world.user_ids["ned"]
    await _answer(slack_env, NINA, f"assign {ticket.display_id} me")
    owner = await _scalar(slack_env, select(Ticket.owner_id).where(Ticket.id == ticket.id))
    assert owner == slack_env.world.user_ids["nina"]
    refused = await _answer(slack_env, CARL, f"assign {ticket.display_id} me")
    assert "Only support reps and admins" in refused
    assert "is not a person" in await _answer(slack_env, NINA, f"assign {ticket.display_id} bob")
    outsider = await _answer(slack_env, NINA, f"assign {ticket.display_id} <@{ANA}>")
    assert "Ana is not in Northwind" in outsider


async def test_stage_change_and_refusals(slack_env):
    ticket = await _ticket(slack_env)
    text = await _answer(slack_env, NINA, f"stage {ticket.display_id} WIP")
    assert "moved to *Work in progress*" in text
    refused = await _answer(slack_env, NINA, f"stage {ticket.display_id} ID")
    assert "cannot move from work_in_progress to in_development" in refused
    assert "awaiting_product_assist (APA)" in refused
    assert "Your org can cancel" in await _answer(slack_env, CARL, f"stage {ticket.display_id} R")
    assert "is not a stage" in await _answer(slack_env, NINA, f"stage {ticket.display_id} done")
    stage = await _scalar(slack_env, select(Ticket.stage).where(Ticket.id == ticket.id))
    assert stage == "work_in_progress"


async def test_severity(slack_env):
    ticket = await _ticket(slack_env)
    assert "severity is now *blocker*" in await _answer(
        slack_env, NINA, f"severity {ticket.display_id} blocker"
    )
    assert "not a valid severity" in await _answer(
        slack_env, NINA, f"severity {ticket.display_id} urgent"
    )
    assert "Only support reps" in await _answer(
        slack_env, CARL, f"severity {ticket.display_id} low"
    )
    assert await _scalar(slack_env, select(Ticket.severity)) == "blocker"


async def test_escalate_and_deescalate(slack_env):
    ticket = await _ticket(slack_env)
    refused = await _answer(slack_env, CARL, f"escalate {ticket.display_id}")
    assert "Only support reps and admins" in refused
    text = await _answer(slack_env, NINA, f"escalate {ticket.display_id} needs a platform fix")
    assert "escalated to Revampd" in text
    assert (
        await _scalar(slack_env, select(AuditEntry.reason).where(AuditEntry.action == "escalated"))
        == "needs a platform fix"
    )
    assert "only tickets assigned to a partner" in await _answer(
        slack_env, ANA, f"escalate {ticket.display_id}"
    )
    assert "returned to Northwind" in await _answer(
        slack_env, ANA, f"deescalate {ticket.display_id}"
    )
    assert "no partner to return it to" in await _answer(
        slack_env, NINA, f"deescalate {ticket.display_id}"
    )


async def test_note_is_internal(slack_env):
    ticket = await _ticket(slack_env)
    text = await _answer(slack_env, NINA, f"note {ticket.display_id} customer is on v1")
    assert "visible to Northwind only" in text
    note = await _scalar(slack_env, select(Message))
    assert note.is_internal
    assert note.body == "customer is on v1"
    assert "`note` needs more" in await _answer(slack_env, NINA, f"note {ticket.display_id}")
    assert "not found" in await _answer(slack_env, FAY, f"note {ticket.display_id} hi")


async def test_link_tag_subscribe(slack_env):
    a = await _ticket(slack_env, "A")
    b = await _ticket(slack_env, "B")
    assert "Linked" in await _answer(slack_env, CARL, f"link {a.display_id} {b.display_id}")
    assert "already linked" in await _answer(slack_env, CARL, f"link {b.display_id} {a.display_id}")
    assert await _scalar(slack_env, select(func.count()).select_from(TicketLink)) == 1
    text = await _answer(slack_env, CARL, f"tag {a.display_id} +vpn +Mac")
    assert "`mac`, `vpn`" in text
    assert "`vpn`" not in await _answer(slack_env, CARL, f"tag {a.display_id} -vpn")
    assert "put + before a tag" in await _answer(slack_env, CARL, f"tag {a.display_id} vpn")
    assert "You'll get a DM" in await _answer(slack_env, CARL, f"subscribe {a.display_id}")
    assert await _scalar(slack_env, select(func.count()).select_from(TicketSubscriber)) == 1
    assert "no longer subscribed" in await _answer(slack_env, CARL, f"unsubscribe {a.display_id}")
    assert await _scalar(slack_env, select(func.count()).select_from(TicketSubscriber)) == 0


async def test_search(slack_env):
    hit = await _ticket(slack_env, "Printer jammed again")
    await _ticket(slack_env, "Printer in fabrikam", filer="fay")
    text = await _answer(slack_env, CARL, "search printer")
    assert hit.display_id in text
    assert "fabrikam" not in text
    assert "Nothing matches" in await _answer(slack_env, CARL, "search zebra")
    assert "needs some words" in await _answer(slack_env, CARL, "search")


async def test_export_uploads_visible_tickets_to_the_user(slack_env):
    await _ticket(slack_env, "Contoso's")
    await _ticket(slack_env, "Fabrikam's", filer="fay")
    text = await _answer(slack_env, CARL, "export csv")
    assert "Sent `tickets-" in text
    files = await slack_env.eventually(lambda: slack_env.slack.uploaded_files())
    rows = list(csv.DictReader(io.StringIO(files[0].content.decode())))
    assert [r["title"] for r in rows] == ["Contoso's"]
    assert files[0].filename.endswith(".csv")
    assert [channel for channel, _ts in files[0].shares] == [
        slack_env.slack.dm_channel(CARL, team="T0PLAT")
    ]
    assert "not a filter" in await _answer(slack_env, CARL, "export csv colour:red")
    assert "needs a format" in await _answer(slack_env, CARL, "export xml")


async def test_export_with_an_unknown_org_names_it_and_uploads_nothing(slack_env):
    await _ticket(slack_env, "Contoso's")
    text = await _answer(slack_env, CARL, "export csv org:nowhere")
    assert text == ":warning: There is no organization 'nowhere'. Check the slug in the directory."
    assert slack_env.slack.uploaded_files() == []


async def test_unknown_user_is_told_how_to_be_added(slack_env):
    slack_env.slack.add_user("T0NORTH", "U0STRANGER", "stranger", email="s@elsewhere.example")
    form = await slack_env.command("U0STRANGER", "list", channel="C0CONTIX")
    text = flatten_text((await slack_env.responses(form))[0])
    assert "nothing was recorded" in text
    assert "U0STRANGER" in text


@pytest.mark.parametrize("text", ["", "new", "new Printer on fire"])
async def test_new_opens_the_create_modal(slack_env, text):
    await slack_env.command(CARL, text)
    views = await slack_env.eventually(lambda: slack_env.slack.open_views(CARL))
    rendered = flatten_text(views[-1])
    assert "Create" in rendered
    if text.endswith("fire"):
        assert "Printer on fire" in str(views[-1])


async def test_command_work_waits_until_no_request_awaits_its_ack(slack_env):
    """The ack comes at once; the answer (the work) waits while another request is unacked."""
    gate = slack_env.runtime.acks
    gate.max_wait = 30.0
    with gate.awaiting_ack():  # another request, still being acked
        form = await slack_env.command(CARL, "list")  # asserts the 200 ack
        await asyncio.sleep(0.5)
        assert slack_env.slack.response_url_posts(form["response_url"]) == []
    assert "open tickets" in flatten_text((await slack_env.responses(form))[0]).lower()


async def test_a_request_awaits_its_ack_until_it_is_answered(slack_env):
    gate, seen = slack_env.runtime.acks, []

    async def observe(req, next):  # a Bolt middleware: runs before the listener acks
        seen.append(gate.awaiting)
        return await next()

    slack_env.runtime.app.middleware(observe)
    await slack_env.command(CARL, "help")
    assert seen == [1]
    assert gate.awaiting == 0


async def test_answers_and_web_api_calls_reuse_one_connection(slack_env):
    """Listeners reach Slack over one kept-alive session, not a new connection per call."""
    for _ in range(3):  # one after the other, so one connection can carry them all
        await slack_env.responses(await slack_env.command(CARL, "list"))
    for opened in range(1, 4):
        await slack_env.command(CARL, "new Printer on fire")
        await slack_env.eventually(lambda n=opened: len(slack_env.slack.calls("views.open")) == n)
    hooks = {port for path, port in slack_env.slack.request_ports if path.startswith("/hooks/")}
    opens = {port for path, port in slack_env.slack.request_ports if path == "/api/views.open"}
    assert len(hooks) == 1
    assert len(opens) == 1
