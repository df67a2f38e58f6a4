"""SPEC §1 routing table and auto-assignment, on each database."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from core.errors import Forbidden, NotFound
from core.models import Organization, OrgKind, Ticket, User
from core.services import tickets
from tests.support.world import build_world


async def _create(world, filer, for_org=None, title="Cannot log in"):
    async with world.sessions.begin() as s:
        org = await world.org(s, for_org) if for_org else None
        return await tickets.create(s, actor=await world.user(s, filer), title=title, for_org=org)


@pytest.mark.parametrize(
    ("filer", "for_org", "expected_assigned"),
    [
        ("carl", None, "northwind"),  # sub_org member → its parent partner
        ("ivy", None, "globex"),  # another partner's sub-org → that partner
        ("ned", None, "revampd"),  # partner member → the platform
        ("al", None, "revampd"),  # self-serve member → the platform
        ("ana", "contoso", "northwind"),  # platform files for a sub-org → as if it filed
        ("ana", "northwind", "revampd"),  # platform files for a partner
        ("ana", "acme", "revampd"),  # platform files for a self-serve org
        ("ana", None, "revampd"),  # platform files for itself
        ("nina", "contoso", "northwind"),  # partner files for its own sub-org
    ],
)
async def test_routing_table(sessions, filer, for_org, expected_assigned):
    world = await build_world(sessions)
    ticket = await _create(world, filer, for_org)
    requester_id = world.org_ids[for_org] if for_org else world.org_id_of(filer)
    assert ticket.requester_org_id == requester_id
    assert ticket.assigned_org_id == world.org_ids[expected_assigned]
    assert ticket.involved_org_ids == {requester_id, world.org_ids[expected_assigned]}


@pytest.mark.parametrize(
    ("filer", "for_org"), [("carl", "fabrikam"), ("nina", "initech"), ("al", "contoso")]
)
async def test_filing_for_an_org_you_may_not_file_for_is_refused(sessions, filer, for_org):
    world = await build_world(sessions)
    with pytest.raises(Forbidden, match="own org"):
        await _create(world, filer, for_org)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 0


async def test_auto_assigns_least_loaded_rep_ties_to_least_recently_assigned(sessions):
    world = await build_world(sessions)
    ana, bob = world.user_ids["ana"], world.user_ids["bob"]
    owners = [(await _create(world, "al", title=f"issue {n}")).owner_id for n in range(4)]
    # Never-assigned reps first (lowest id), then alternating as loads tie.
    assert owners == [ana, bob, ana, bob]

    # Bob's tickets close: he now has the fewest open tickets and gets the next one.
    async with sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.owner_id == bob).values(stage="resolved"))
    assert (await _create(world, "al", title="after closing")).owner_id == bob


async def test_tie_goes_to_rep_assigned_least_recently(sessions):
    world = await build_world(sessions)
    now = datetime.now(UTC)
    async with sessions.begin() as s:
        (await world.user(s, "ana")).last_assigned_at = now
        (await world.user(s, "bob")).last_assigned_at = now - timedelta(hours=1)
    assert (await _create(world, "al")).owner_id == world.user_ids["bob"]


async def test_org_without_reps_leaves_ticket_unassigned(sessions):
    world = await build_world(sessions)
    async with sessions.begin() as s:
        await s.execute(update(User).values(is_support_rep=False))
    ticket = await _create(world, "ivy")
    assert ticket.assigned_org_id == world.org_ids["globex"]
    assert ticket.owner_id is None


async def test_org_without_any_users_still_takes_tickets(sessions):
    world = await build_world(sessions)
    async with sessions.begin() as s:
        await s.execute(delete(User).where(User.org_id == world.org_ids["globex"]))
    ticket = await _create(world, "ivy")
    assert ticket.assigned_org_id == world.org_ids["globex"]
    assert ticket.owner_id is None
    assert ticket.involved_org_ids == {world.org_ids["initech"], world.org_ids["globex"]}


async def test_filing_without_a_platform_org_names_the_fix(sessions):
    async with sessions.begin() as s:
        org = Organization(slug="solo", name="Solo", kind=OrgKind.SELF_SERVE)
        s.add(org)
        await s.flush()
        s.add(User(email="al@solo.example", name="Al", org_id=org.id))
    async with sessions() as s:
        al = await s.scalar(select(User))
        with pytest.raises(NotFound, match=r"No platform organization.*directory import"):
            await tickets.create(s, actor=al, title="Anyone there?")
        await s.rollback()
        assert await s.scalar(select(func.count()).select_from(Ticket)) == 0
