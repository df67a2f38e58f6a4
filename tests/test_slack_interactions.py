"""Modals, shortcuts, card buttons and the App Home, end to end through the fake Slack."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import func, select

from bot.slack.blocks import stage_value
from bot.slack.ids import Action, Block, Shortcut, input_action
from core.models import Message, Notification, Ticket
from core.rules.stages import Stage
from core.services import conversation, tickets
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


async def _press(env, user, action, *, channel="C0CONTIX", ephemeral=True):
    message = env.slack.add_message(channel, "UBPLAT", "card")
    payload = payloads.block_actions(
        env.slack,
        team=env.team_of(user),
        user=user,
        actions=[action],
        channel=channel,
        message=message,
        is_ephemeral=ephemeral,
    )
    assert (await env.sender.interactivity(payload)).status == 200
    posts = await env.eventually(lambda: env.slack.response_url_posts(payload["response_url"]))
    return posts[-1]


async def test_card_buttons_change_the_ticket_or_refuse(slack_env):
    ticket = await slack_env.world.act("carl", tickets.create, title="Card")
    await slack_env.world.act("nina", tickets.assign, ticket=ticket.id, assignee=None)
    post = await _press(slack_env, NINA, payloads.button(Action.ASSIGN_TO_ME, str(ticket.id)))
    assert post["replace_original"] is True
    assert "Nina" in flatten_text(post)
    refusal = await _press(slack_env, CARL, payloads.button(Action.ASSIGN_TO_ME, str(ticket.id)))
    assert "Only support reps and admins" in refusal["text"]
    assert refusal["replace_original"] is False

    choice = payloads.selected_option(
        Action.CHANGE_STAGE, stage_value(ticket.id, Stage.WORK_IN_PROGRESS), block_id="a"
    )
    await _press(slack_env, NINA, choice)
    bad = payloads.selected_option(
        Action.CHANGE_STAGE, stage_value(ticket.id, Stage.IN_DEVELOPMENT), block_id="a"
    )
    assert "cannot move" in (await _press(slack_env, NINA, bad))["text"]
    await _press(slack_env, NINA, payloads.button(Action.ESCALATE, str(ticket.id)))
    await _press(slack_env, ANA, payloads.button(Action.DEESCALATE, str(ticket.id)))
    async with slack_env.sessions() as s:
        row = await s.get(Ticket, ticket.id)
    assert row.owner_id is not None
    assert row.stage == "work_in_progress"
    assert row.assigned_org_id == slack_env.world.org_ids["northwind"]
    assert row.escalated_from_org_id is None


async def test_channel_card_is_rerendered_for_the_channels_org(slack_env):
    ticket = await slack_env.world.act("carl", tickets.create, title="Card")
    post = await _press(
        slack_env,
        NINA,
        payloads.button(Action.ESCALATE, str(ticket.id)),
        channel="C0NWTIX",
        ephemeral=False,
    )
    # In Northwind's channel the ticket now sits with the platform: no triage buttons left.
    assert Action.ASSIGN_TO_ME.value not in json.dumps(post)
    assert Action.ESCALATE.value not in json.dumps(post)


async def test_app_home_notification_center(slack_env):
    ticket = await slack_env.world.act("carl", tickets.create, title="Home test")
    await slack_env.world.act("carl", conversation.post_message, ticket=ticket.id, body="ping")
    event = payloads.app_home_opened_event(slack_env.slack, user=NINA)
    envelope = payloads.event_callback(
        slack_env.slack, event, team="T0NORTH", installed_team="T0PLAT"
    )
    assert (await slack_env.sender.event(envelope)).status == 200
    home = await slack_env.eventually(lambda: slack_env.slack.home_view(NINA))
    text = flatten_text(home)
    assert ticket.display_id in text
    assert "ping" in text
    async with slack_env.sessions() as s:
        first = await s.scalar(
            select(Notification.id).where(Notification.user_id == slack_env.world.user_ids["nina"])
        )
    payload = payloads.block_actions(
        slack_env.slack,
        team="T0NORTH",
        user=NINA,
        actions=[payloads.button(Action.MARK_READ, str(first))],
        view=home,
    )
    await slack_env.sender.interactivity(payload)

    async def unread():
        async with slack_env.sessions() as s:
            return await s.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.user_id == slack_env.world.user_ids["nina"],
                    Notification.read_at.is_(None),
                )
            )

    async def settles_at(count):  # the work runs after the ack; the database has no event
        deadline = time.monotonic() + 10
        while await unread() != count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    await settles_at(1)
    assert await unread() == 1
    payload = payloads.block_actions(
        slack_env.slack,
        team="T0NORTH",
        user=NINA,
        actions=[payloads.button(Action.MARK_ALL_READ, "all")],
        view=slack_env.slack.home_view(NINA),
    )
    await slack_env.sender.interactivity(payload)
    await settles_at(0)
    assert await unread() == 0


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
