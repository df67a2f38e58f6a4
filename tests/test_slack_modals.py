"""The create and add-to-ticket modals and the shortcuts that open them, end to end through
the fake Slack: submissions, field errors, filing for another org, damaged saved details.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.slack.ids import Block, Shortcut, input_action
from core.models import Message, Ticket
from core.services import tickets
from tests.fakeslack import payloads
from tests.support.slack_env import flatten_text

CARL, NINA, ANA, FAY = "U0CARL", "U0NINA", "U0ANA", "U0FAY"


def _values(**fields):
    values = {}
    for name, value in fields.items():
        block = Block(name)
        entry = (
            payloads.static_choice(value)
            if block in (Block.SEVERITY, Block.SUBTYPE, Block.ORG, Block.TICKET)
            else payloads.plain_input(value)
        )
        values[block.value] = {input_action(block): entry}
    return values


async def _open_create_modal(env, user, text="new"):
    await env.command(user, text)
    views = await env.eventually(lambda: env.slack.open_views(user))
    return views[-1]


async def _submit(env, user, view, **fields):
    payload = payloads.view_submission(
        env.slack, team=env.team_of(user), user=user, view=view, values=_values(**fields)
    )
    return await env.sender.interactivity(payload)


async def _tickets(env):
    async with env.sessions() as s:
        return list(await s.scalars(select(Ticket).order_by(Ticket.id)))


async def test_create_modal_submission_creates_and_confirms(slack_env):
    view = await _open_create_modal(slack_env, CARL, "new Printer on fire")
    assert Block.ORG.value not in json.dumps(view["blocks"])  # a sub-org files for itself only
    response = await _submit(
        slack_env,
        CARL,
        view,
        title="Printer on fire",
        description="Smoke",
        severity="high",
        tags="hw, office",
        subtype="incident",
        part="printers",
    )
    assert response.status == 200
    assert response.text == ""  # closes the modal
    [ticket] = await _tickets(slack_env)
    assert (ticket.title, ticket.severity, ticket.subtype, ticket.part) == (
        "Printer on fire",
        "high",
        "incident",
        "printers",
    )
    shown = await slack_env.eventually(lambda: slack_env.slack.ephemerals("C0CONTIX", CARL))
    assert f"Created {ticket.display_id}" in flatten_text(shown[-1])
    assert slack_env.slack.open_views(CARL) == []


async def test_create_modal_shows_field_errors_and_keeps_nothing(slack_env):
    view = await _open_create_modal(slack_env, CARL)
    response = await _submit(slack_env, CARL, view, title="x" * 201, severity="medium")
    body = response.json()
    assert body["response_action"] == "errors"
    assert "shorten it to 200" in body["errors"]["title"]
    response = await _submit(slack_env, CARL, view, title="ok", tags="bad tag!", severity="low")
    assert "tags" in response.json()["errors"]
    assert await _tickets(slack_env) == []


async def test_platform_user_files_for_another_org_with_the_picker(slack_env):
    view = await _open_create_modal(slack_env, ANA)
    assert "contoso" in json.dumps(view["blocks"])
    await _submit(slack_env, ANA, view, title="On behalf", severity="medium", org="contoso")
    [ticket] = await _tickets(slack_env)
    assert ticket.requester_org_id == slack_env.world.org_ids["contoso"]
    assert ticket.assigned_org_id == slack_env.world.org_ids["northwind"]


async def test_partner_cannot_file_for_another_partners_sub_org(slack_env):
    view = await _open_create_modal(slack_env, NINA)
    response = await _submit(slack_env, NINA, view, title="Sneaky", severity="low", org="initech")
    assert "not for Initech" in response.json()["errors"]["org"]
    assert await _tickets(slack_env) == []


async def test_create_ticket_from_message_prefills_and_links(slack_env):
    message = slack_env.slack.add_message(
        "C0CONTIX", CARL, "Printer jammed\nIt says PC LOAD LETTER"
    )
    payload = payloads.message_shortcut(
        slack_env.slack,
        team="T0NORTH",
        user=CARL,
        channel="C0CONTIX",
        message=message,
        callback_id=Shortcut.CREATE_FROM_MESSAGE,
    )
    assert (await slack_env.sender.interactivity(payload)).status == 200
    view = (await slack_env.eventually(lambda: slack_env.slack.open_views(CARL)))[-1]
    assert "Printer jammed" in json.dumps(view)
    assert "PC LOAD LETTER" in json.dumps(view)
    await _submit(slack_env, CARL, view, title="Printer jammed", severity="medium")
    [ticket] = await _tickets(slack_env)
    assert ticket.custom_attributes["source_message"] == {
        "team": "T0NORTH",
        "channel": "C0CONTIX",
        "ts": message["ts"],
    }


async def _open_add_modal(env, user, text):
    """`user` posts `text` in Contoso's channel and picks "Add to ticket" on it."""
    message = env.slack.add_message("C0CONTIX", user, text)
    payload = payloads.message_shortcut(
        env.slack,
        team=env.team_of(user),
        user=user,
        channel="C0CONTIX",
        message=message,
        callback_id=Shortcut.ADD_TO_TICKET,
    )
    await env.sender.interactivity(payload)
    views = await env.eventually(
        lambda: [v for v in env.slack.open_views(user) if v["callback_id"] == "ticket_add_message"]
    )
    return views[-1]


async def test_add_to_ticket_posts_the_message(slack_env):
    ticket = await slack_env.world.act("carl", tickets.create, title="VPN")
    view = await _open_add_modal(slack_env, CARL, "Also fails on wifi")
    assert ticket.display_id in json.dumps(view)
    await _submit(slack_env, CARL, view, ticket=str(ticket.id))
    async with slack_env.sessions() as s:
        body = await s.scalar(select(Message.body))
    assert "> Also fails on wifi" in body
    assert f"<@{CARL}>" in body


async def test_forms_whose_saved_details_are_damaged_are_refused_and_change_nothing(slack_env):
    ticket = await slack_env.world.act("carl", tickets.create, title="VPN")
    create = await _open_create_modal(slack_env, CARL, "new Printer on fire")
    damaged = {**create, "private_metadata": '{"source": "not a message"}'}
    response = await _submit(slack_env, CARL, damaged, title="Printer on fire", severity="low")
    assert "Close it and open it again" in response.json()["errors"]["title"]

    add = await _open_add_modal(slack_env, CARL, "Also fails on wifi")
    damaged = {**add, "private_metadata": "not json"}
    response = await _submit(slack_env, CARL, damaged, ticket=str(ticket.id))
    assert "Close it and open it again" in response.json()["errors"][Block.TICKET.value]

    assert [t.title for t in await _tickets(slack_env)] == ["VPN"]
    async with slack_env.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0


async def test_global_shortcut_opens_create_modal(slack_env):
    payload = payloads.global_shortcut(slack_env.slack, team="T0PLAT", user=ANA)
    await slack_env.sender.interactivity(payload)
    views = await slack_env.eventually(lambda: slack_env.slack.open_views(ANA))
    assert views[-1]["callback_id"] == "ticket_create"


async def test_modal_errors_are_answered_while_other_requests_await_acks(slack_env):
    """Validation errors travel in the submission's own ack: that work cannot wait for acks."""
    view = await _open_create_modal(slack_env, CARL)
    gate = slack_env.runtime.acks
    gate.max_wait = 30.0
    with gate.awaiting_ack():
        started = time.monotonic()
        response = await _submit(slack_env, CARL, view, title="x" * 201, severity="medium")
        assert time.monotonic() - started < 3.0  # Slack's ack deadline, far below max_wait
    assert response.json()["response_action"] == "errors"
