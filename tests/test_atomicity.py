"""A service call that fails midway leaves nothing behind: the caller's transaction owns it all.

The failure is injected after the real `emit` (or, for a creation, the row batch) has written
its notification and outbox rows (checked inside the transaction, so the test proves there
was something to roll back), and the database is then compared, row for row, with its state
before the call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db import create_sessionmaker
from core.models import (
    AuditEntry,
    Message,
    Notification,
    OutboxMessage,
    Ticket,
    TicketInvolvedOrg,
    TicketReporter,
    User,
)
from core.services import conversation, escalation, tickets
from tests.support.world import World, build_world

COUNTED = (
    Ticket,
    AuditEntry,
    OutboxMessage,
    Notification,
    Message,
    TicketInvolvedOrg,
    TicketReporter,
)


class InjectedFailure(Exception):
    """Stands in for a crash, a lost connection or a bug after the first writes."""


async def _state(engine: AsyncEngine) -> dict[str, Any]:
    """Everything a failed call could have touched, read in a fresh session."""
    async with create_sessionmaker(engine)() as session:
        counts = {model.__tablename__: await _count(session, model) for model in COUNTED}
        ticket_rows = (
            await session.execute(
                select(
                    Ticket.id,
                    Ticket.stage,
                    Ticket.assigned_org_id,
                    Ticket.owner_id,
                    Ticket.escalated_from_org_id,
                    Ticket.needs_response,
                    Ticket.closed_at,
                    Ticket.modified_at,
                ).order_by(Ticket.id)
            )
        ).all()
        involved = (
            await session.execute(
                select(TicketInvolvedOrg.ticket_id, TicketInvolvedOrg.org_id).order_by(
                    TicketInvolvedOrg.ticket_id, TicketInvolvedOrg.org_id
                )
            )
        ).all()
        assigned_at = (
            await session.execute(select(User.email, User.last_assigned_at).order_by(User.id))
        ).all()
    return {
        "counts": counts,
        "tickets": ticket_rows,
        "involved": involved,
        "last_assigned_at": assigned_at,
    }


async def _count(session: AsyncSession, model: type[Any]) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


@dataclass
class Injection:
    calls: int = 0
    outbox_rows: int = 0
    notification_rows: int = 0


def fail_after(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, writer: str, *, on_call: int
) -> Injection:
    """Make `module.<writer>` call through, count what it wrote, then raise on call `on_call`."""
    real_writer = getattr(module, writer)
    seen = Injection()

    async def write_then_fail(session: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        result = await real_writer(session, *args, **kwargs)
        seen.calls += 1
        if seen.calls == on_call:
            seen.outbox_rows = await _count(session, OutboxMessage)
            seen.notification_rows = await _count(session, Notification)
            raise InjectedFailure(f"after {writer} #{on_call}")
        return result

    monkeypatch.setattr(module, writer, write_then_fail)
    return seen


Operation = Callable[[AsyncSession, World, int], Awaitable[object]]


async def _create(session: AsyncSession, world: World, _ticket_id: int) -> object:
    return await tickets.create(
        session,
        actor=await world.user(session, "carl"),
        title="Printer on fire",
        description="Smoke everywhere",
    )


async def _change_stage(session: AsyncSession, world: World, ticket_id: int) -> object:
    nina = await world.user(session, "nina")
    return await tickets.change_stage(session, actor=nina, ticket=ticket_id, stage="WIP")


async def _escalate(session: AsyncSession, world: World, ticket_id: int) -> object:
    nina = await world.user(session, "nina")
    return await escalation.escalate(
        session, actor=nina, ticket=ticket_id, reason="needs the platform"
    )


async def _deescalate(session: AsyncSession, world: World, ticket_id: int) -> object:
    ana = await world.user(session, "ana")
    return await escalation.deescalate(session, actor=ana, ticket=ticket_id, reason="back to you")


async def _post_message(session: AsyncSession, world: World, ticket_id: int) -> object:
    carl = await world.user(session, "carl")
    return await conversation.post_message(
        session, actor=carl, ticket=ticket_id, body="Any news? It is still smoking."
    )


# operation, (module, its function that fails), failing call, set-up: escalate first?
CASES = [
    # A creation writes its event's rows last: fail once all of it is written.
    pytest.param(_create, (tickets, "write_event"), 1, False, id="tickets.create"),
    pytest.param(_change_stage, (tickets, "emit"), 1, False, id="tickets.change_stage"),
    # escalate emits `escalated` then `assigned`: fail after both have written their rows.
    pytest.param(_escalate, (escalation, "emit"), 2, False, id="escalation.escalate"),
    pytest.param(_deescalate, (escalation, "emit"), 2, True, id="escalation.deescalate"),
    pytest.param(_post_message, (conversation, "emit"), 1, False, id="conversation.post_message"),
]


async def _existing_ticket(world: World, *, escalated: bool = False) -> int:
    ticket = await world.act("carl", tickets.create, title="Existing ticket")
    if escalated:
        await world.act("nina", escalation.escalate, ticket=ticket.id)
    return ticket.id


@pytest.mark.parametrize(("operation", "failing", "on_call", "escalated"), CASES)
async def test_failure_midway_leaves_no_trace(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    operation: Operation,
    failing: tuple[ModuleType, str],
    on_call: int,
    escalated: bool,
) -> None:
    world = await build_world(sessions)
    ticket_id = await _existing_ticket(world, escalated=escalated)
    before = await _state(engine)
    assert before["counts"]["tickets"] == 1
    assert before["counts"]["outbox"] > 0  # the set-up itself wrote deliveries

    injection = fail_after(monkeypatch, *failing, on_call=on_call)
    async with sessions() as session:
        with pytest.raises(InjectedFailure):
            async with session.begin():
                await operation(session, world, ticket_id)

    # The failure struck after emit had written rows inside the transaction...
    assert injection.calls == on_call
    assert injection.outbox_rows > before["counts"]["outbox"]
    assert injection.notification_rows > before["counts"]["notifications"]
    # ...and none of them, nor the change itself, nor its audit entry survived.
    assert await _state(engine) == before


async def test_unpatched_operations_do_write(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The control: without the injected failure, the same calls change every counted table."""
    world = await build_world(sessions)
    ticket_id = await _existing_ticket(world)
    before = await _state(engine)
    async with sessions() as session, session.begin():
        await _change_stage(session, world, ticket_id)
        await _post_message(session, world, ticket_id)
        await _escalate(session, world, ticket_id)
    after = await _state(engine)
    for table in ("audit_entries", "outbox", "notifications", "messages", "ticket_involved_orgs"):
        assert after["counts"][table] > before["counts"][table], table
    (row,) = after["tickets"]
    assert row.stage == "work_in_progress"
    assert row.assigned_org_id == world.org_ids["revampd"]
    assert row.escalated_from_org_id == world.org_ids["northwind"]
    assert row.needs_response is True
