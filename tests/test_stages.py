"""SPEC §2 stage table: every allowed move succeeds, every other is refused, via the service."""

import pytest
from sqlalchemy import func, select, update

from core.errors import Forbidden, InvalidTransition, ValidationError
from core.models import AuditEntry, Ticket
from core.rules import stages
from core.rules.stages import TRANSITIONS, Stage, State, parse_stage
from core.services import tickets
from tests.support.world import build_world

ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
REFUSED = [(a, b) for a in Stage for b in Stage if b not in TRANSITIONS[a]]


async def _ticket_at(world, stage: Stage) -> Ticket:
    ticket = await world.act("carl", tickets.create, title="Stage test")
    async with world.sessions.begin() as s:
        await s.execute(update(Ticket).where(Ticket.id == ticket.id).values(stage=stage))
    return ticket


async def _stage_of(world, ticket_id: int) -> str:
    async with world.sessions() as s:
        return await s.scalar(select(Ticket.stage).where(Ticket.id == ticket_id))


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
async def test_allowed_transition(sessions, current, target):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, current)
    changed = await world.act("nina", tickets.change_stage, ticket=ticket.display_id, stage=target)
    assert changed.stage == target
    assert (changed.closed_at is not None) == (target.state == State.CLOSED)
    async with sessions() as s:
        audit = await s.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "stage_changed")
            .order_by(AuditEntry.id.desc())
        )
    assert (audit.old_value, audit.new_value) == (current, target)
    assert audit.actor_id == world.user_ids["nina"]


def test_allowed_and_refused_cover_every_pair():
    assert len(ALLOWED) + len(REFUSED) == len(Stage) ** 2
    for current, target in REFUSED:
        with pytest.raises(InvalidTransition):
            stages.check_transition(current, target)


@pytest.mark.parametrize("current", list(Stage))
async def test_refused_transition_lists_allowed_stages(sessions, current):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, current)
    target = next(b for a, b in REFUSED if a == current)
    with pytest.raises(InvalidTransition) as refused:
        await world.act("nina", tickets.change_stage, ticket=ticket.id, stage=target)
    for allowed in TRANSITIONS[current]:
        assert allowed.value in str(refused.value)
    assert await _stage_of(world, ticket.id) == current


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Q", Stage.QUEUED),
        ("wip", Stage.WORK_IN_PROGRESS),
        ("APA", Stage.AWAITING_PRODUCT_ASSIST),
        ("ACR", Stage.AWAITING_CUSTOMER_RESPONSE),
        ("AD", Stage.AWAITING_DEVELOPMENT),
        ("ID", Stage.IN_DEVELOPMENT),
        ("C", Stage.CANCELED),
        ("A", Stage.ACCEPTED),
        ("r", Stage.RESOLVED),
        ("work in progress", Stage.WORK_IN_PROGRESS),
        ("awaiting-development", Stage.AWAITING_DEVELOPMENT),
    ],
)
def test_short_forms(text, stage):
    assert parse_stage(text) == stage


def test_unknown_stage_names_the_choices():
    with pytest.raises(ValidationError, match=r"queued \(Q\)"):
        parse_stage("done")


async def test_requester_may_cancel_and_reopen_but_not_triage(sessions):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, Stage.QUEUED)
    with pytest.raises(Forbidden, match="cancel"):
        await world.act("carl", tickets.change_stage, ticket=ticket.id, stage="WIP")
    await world.act("carl", tickets.change_stage, ticket=ticket.id, stage="C")
    reopened = await world.act("cora", tickets.change_stage, ticket=ticket.id, stage="WIP")
    assert reopened.stage == Stage.WORK_IN_PROGRESS
    assert reopened.closed_at is None
    async with sessions() as s:
        count = await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "stage_changed")
        )
    assert count == 2


async def test_requester_cannot_reopen_into_another_stage(sessions):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, Stage.RESOLVED)
    with pytest.raises(Forbidden, match="reopen"):
        await world.act("carl", tickets.change_stage, ticket=ticket.id, stage="APA")


async def test_non_triage_member_of_assigned_org_cannot_change_stage(sessions):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, Stage.QUEUED)
    with pytest.raises(Forbidden, match="support reps and admins"):
        await world.act("ned", tickets.change_stage, ticket=ticket.id, stage="WIP")


async def test_uninvolved_org_sees_not_found(sessions):
    world = await build_world(sessions)
    ticket = await _ticket_at(world, Stage.QUEUED)
    for outsider in ("fay", "ana", "gus"):
        with pytest.raises(Exception, match="not found") as err:
            await world.act(outsider, tickets.change_stage, ticket=ticket.id, stage="WIP")
        assert type(err.value).__name__ == "NotFound"
