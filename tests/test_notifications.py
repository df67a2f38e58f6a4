"""SPEC §3 notification table: exact recipients per event and per org notify mode.

Each case runs one service call and reads back what it wrote: notification-center rows
(per user) and outbox rows (channel posts, DMs, escalations feed) of the event it caused.
"""

import pytest
from sqlalchemy import select

from core.models import Notification, OutboxMessage, Ticket, User
from core.services import conversation, escalation, relations, tickets
from core.services.events import EventKind
from tests.support.world import build_world

MODES = ["channel", "dm", "both"]
WITHOUT_SLACK = {"noah"}


async def _written(world, kind: EventKind) -> tuple[set[str], set[tuple[str, str]]]:
    """(users notified in the center, outbox targets) of the latest event of `kind`."""
    names = {uid: name for name, uid in world.user_ids.items()}
    slugs = {oid: slug for slug, oid in world.org_ids.items()}
    async with world.sessions() as s:
        event_id = await s.scalar(
            select(OutboxMessage.event_id)
            .where(OutboxMessage.payload["event"].as_string() == kind.value)
            .order_by(OutboxMessage.id.desc())
        ) or await s.scalar(
            select(Notification.event_id)
            .where(Notification.event == kind.value)
            .order_by(Notification.id.desc())
        )
        assert event_id, f"no {kind} event was written"
        center = {
            names[uid]
            for uid in await s.scalars(
                select(Notification.user_id).where(Notification.event_id == event_id)
            )
        }
        targets = set()
        homes = set()
        for row in await s.scalars(select(OutboxMessage).where(OutboxMessage.event_id == event_id)):
            if row.kind == "home.refresh":
                homes.add(names[row.user_id])
            elif row.kind == "notify.dm":
                targets.add(("dm", names[row.user_id]))
            elif row.kind == "notify.channel":
                targets.add(("channel", slugs[row.org_id]))
            else:
                targets.add(("feed", slugs[row.org_id]))
    # Every notified user with a Slack identity gets their App Home republished.
    with_slack = {n for n in center if n not in WITHOUT_SLACK}
    assert homes == with_slack
    return center, targets


def _expected(mode, orgs, members, direct=()):
    """Outbox targets for org-level recipients `orgs` (with Slack-identified `members`)."""
    targets = {("dm", name) for name in direct}
    if mode in ("channel", "both"):
        targets |= {("channel", org) for org in orgs}
    if mode in ("dm", "both"):
        targets |= {("dm", name) for name in members}
    return targets


async def _contoso_ticket(world) -> Ticket:
    return await world.act("carl", tickets.create, title="VPN drops every hour")


@pytest.mark.parametrize("mode", MODES)
async def test_created_notifies_assigned_org_and_assigned_user(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    await _contoso_ticket(world)
    center, targets = await _written(world, EventKind.CREATED)
    assert center == {"nina", "ned", "noah"}  # northwind; carl (author) is not notified
    # In channel mode the new ticket is announced by the card rooting Northwind's thread
    # (tests/test_mirroring.py), so no separate channel notice is written.
    assert targets == _expected(mode, set(), {"nina", "ned"}, direct={"nina"})


@pytest.mark.parametrize("mode", MODES)
async def test_assigned_notifies_only_the_new_owner(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    async with sessions.begin() as s:
        ned = await world.user(s, "ned")
        await tickets.assign(s, actor=await world.user(s, "nina"), ticket=ticket.id, assignee=ned)
    center, targets = await _written(world, EventKind.ASSIGNED)
    assert center == {"ned"}
    assert targets == {("dm", "ned")}


async def test_assigning_yourself_notifies_nobody(sessions):
    world = await build_world(sessions)
    ticket = await world.act("al", tickets.create, title="Billing page blank")
    async with sessions.begin() as s:
        bob = await world.user(s, "bob")
        await tickets.assign(s, actor=bob, ticket=ticket.id, assignee=bob)
    async with sessions() as s:
        assigned = await s.scalars(
            select(Notification).where(Notification.event == EventKind.ASSIGNED.value)
        )
        assert list(assigned) == []
        assert await s.scalar(select(Ticket.owner_id)) == world.user_ids["bob"]


@pytest.mark.parametrize("mode", MODES)
async def test_stage_change_notifies_requester_org(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act("nina", tickets.change_stage, ticket=ticket.id, stage="WIP")
    center, targets = await _written(world, EventKind.STAGE_CHANGED)
    assert center == {"carl", "cora"}
    assert targets == _expected(mode, {"contoso"}, {"carl", "cora"})


@pytest.mark.parametrize("mode", MODES)
async def test_escalation_notifies_platform_and_feed(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act("nina", escalation.escalate, ticket=ticket.id, reason="platform bug")
    center, targets = await _written(world, EventKind.ESCALATED)
    assert center == {"ana", "bob", "pam"}
    assert targets == _expected(mode, {"revampd"}, {"ana", "bob", "pam"})
    # Auto-assignment on arrival tells the new owner separately.
    center, targets = await _written(world, EventKind.ASSIGNED)
    assert center == {"ana"}
    assert targets == {("dm", "ana")}


@pytest.mark.parametrize("mode", MODES)
async def test_deescalation_notifies_partner_and_requester(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act("nina", escalation.escalate, ticket=ticket.id)
    await world.act("ana", escalation.deescalate, ticket=ticket.id, reason="config issue")
    center, targets = await _written(world, EventKind.DEESCALATED)
    assert center == {"nina", "ned", "noah", "carl", "cora"}
    assert targets == _expected(mode, {"northwind", "contoso"}, {"nina", "ned", "carl", "cora"})


@pytest.mark.parametrize("mode", MODES)
async def test_message_notifies_every_involved_user_but_the_author(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act("carl", conversation.post_message, ticket=ticket.id, body="Still broken")
    center, targets = await _written(world, EventKind.MESSAGE)
    assert center == {"cora", "nina", "ned", "noah"}
    # Channel-mode orgs see the message itself, relayed into their thread.
    assert targets == _expected(mode, set(), {"cora", "nina", "ned"})


@pytest.mark.parametrize("mode", MODES)
async def test_reply_and_reaction_reach_all_involved_orgs(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act("nina", escalation.escalate, ticket=ticket.id)
    first = await world.act("carl", conversation.post_message, ticket=ticket.id, body="Help")
    await world.act(
        "ana", conversation.post_message, ticket=ticket.id, body="On it", reply_to=first.id
    )
    center, targets = await _written(world, EventKind.REPLY)
    assert center == {"bob", "pam", "nina", "ned", "noah", "carl", "cora"}
    assert targets == _expected(mode, set(), {"bob", "pam", "nina", "ned", "carl", "cora"})
    await world.act("ned", conversation.react, message_id=first.id, emoji=":tada:")
    center, targets = await _written(world, EventKind.REACTION)
    assert center == {"ana", "bob", "pam", "nina", "noah", "carl", "cora"}
    assert targets == _expected(mode, set(), {"ana", "bob", "pam", "nina", "carl", "cora"})


@pytest.mark.parametrize("mode", MODES)
async def test_internal_note_stays_in_the_authors_org(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    await world.act(
        "nina", conversation.post_message, ticket=ticket.id, body="customer is on v1", internal=True
    )
    center, targets = await _written(world, EventKind.NOTE)
    assert center == {"ned", "noah"}
    assert targets == _expected(mode, set(), {"ned"})


@pytest.mark.parametrize("mode", MODES)
async def test_acknowledgement_clears_needs_response_and_tells_author_org(sessions, mode):
    world = await build_world(sessions, notify=dict.fromkeys(world_slugs(), mode))
    ticket = await _contoso_ticket(world)
    message = await world.act("carl", conversation.post_message, ticket=ticket.id, body="Hello?")
    async with sessions() as s:
        assert await s.scalar(select(Ticket.needs_response).where(Ticket.id == ticket.id))
    await world.act("ned", conversation.react, message_id=message.id, emoji="eyes")
    center, targets = await _written(world, EventKind.ACKNOWLEDGED)
    assert center == {"carl", "cora"}
    assert targets == _expected(mode, {"contoso"}, {"carl", "cora"})
    async with sessions() as s:
        assert not await s.scalar(select(Ticket.needs_response).where(Ticket.id == ticket.id))


async def test_subscriber_gets_public_updates_beyond_the_table(sessions):
    world = await build_world(sessions)
    ticket = await _contoso_ticket(world)
    await world.act("ned", relations.set_subscription, ticket=ticket.id, subscribed=True)
    await world.act("nina", tickets.change_stage, ticket=ticket.id, stage="WIP")
    center, targets = await _written(world, EventKind.STAGE_CHANGED)
    assert center == {"carl", "cora", "ned"}
    assert targets == {("channel", "contoso"), ("dm", "ned")}


async def test_users_without_slack_identity_get_center_rows_but_no_dm(sessions):
    world = await build_world(sessions, notify={"northwind": "dm"})
    await _contoso_ticket(world)
    async with sessions() as s:
        noah = await s.scalar(select(User).where(User.id == world.user_ids["noah"]))
        rows = list(await s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == noah.id)))
    assert rows == []


def world_slugs():
    from tests.support.world import ORGS

    return [slug for slug, *_ in ORGS]
