"""Card buttons and the App Home, end to end through the fake Slack: a button changes the
ticket or refuses, a channel's card is re-rendered for its org, the notification center.
"""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import func, select

from bot.slack.blocks import stage_value
from bot.slack.ids import Action
from core.models import Notification, Ticket
from core.rules.stages import Stage
from core.services import conversation, tickets
from tests.fakeslack import payloads
from tests.support.slack_env import flatten_text

CARL, NINA, ANA, FAY = "U0CARL", "U0NINA", "U0ANA", "U0FAY"


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
