"""The delivery worker against the fake Slack: what arrives where, pacing, failures."""

from __future__ import annotations

from sqlalchemy import select

from core.models import OutboxMessage
from core.services import conversation, tickets
from tests.support.delivery_helpers import running_worker, status_counts, worker_settings
from tests.support.slack_env import BOT_TOKENS, flatten_text, populate_fake
from tests.support.world import build_world


async def _drain(sessions, within=15.0):
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        counts = await status_counts(sessions)
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        await asyncio.sleep(0.1)
    return await status_counts(sessions)


async def test_notifications_reach_channels_and_dms(fake_slack, engine, sessions, database_url):
    populate_fake(fake_slack)
    world = await build_world(sessions, notify={"northwind": "both", "contoso": "dm"})
    settings = worker_settings(database_url, fake_slack, BOT_TOKENS["T0PLAT"])
    async with running_worker(settings, sessions, BOT_TOKENS["T0PLAT"]):
        ticket = await world.act("carl", tickets.create, title="Printer on fire")
        await world.act("nina", tickets.change_stage, ticket=ticket.id, stage="WIP")
        await world.act("nina", conversation.post_message, ticket=ticket.id, body="On it")
        counts = await _drain(sessions)
    assert counts == {"sent": counts["sent"]}
    channel_posts = fake_slack.messages("C0NWTIX")
    assert [ticket.display_id in flatten_text(m) for m in channel_posts] == [True]
    nina_dm = flatten_text(fake_slack.dm_messages("U0NINA"))
    assert "New ticket" in nina_dm
    carl_dm = flatten_text(fake_slack.dm_messages("U0CARL"))
    assert "Stage changed" in carl_dm
    assert "On it" in carl_dm
    assert ticket.display_id in flatten_text(fake_slack.home_view("U0NINA"))
    async with sessions() as s:
        kinds = {row.kind for row in await s.scalars(select(OutboxMessage))}
    # The new ticket is announced by each org's thread root, not by a separate notice.
    assert kinds == {"thread.open", "card.update", "relay.post", "notify.dm", "home.refresh"}
