"""Where a new ticket lands and which support rep of that org gets it (SPEC §1).

Concurrent creations into one org must each see the loads the previous one left, or two of
them would hand their tickets to the same rep. On PostgreSQL the landing org's row is locked
(`FOR UPDATE`) by a statement of its own, and the loads are read by the next one: under READ
COMMITTED each statement takes a fresh snapshot, so a creation that waited for the lock
reads the tickets of the one it waited for. SQLite transactions here begin IMMEDIATE, which
serializes writers already (and SQLite ignores `FOR UPDATE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Organization, OrgKind, Ticket, User, utcnow
from core.rules.routing import RepLoad, pick_least_loaded
from core.rules.stages import OPEN_STAGES
from core.services.loading import no_platform_error


def _open_tickets() -> ColumnElement[int]:
    """A user's open tickets. count(owner_id), not count(id): the (owner_id, stage) index
    answers it alone."""
    return (
        select(func.count(Ticket.owner_id))
        .where(Ticket.owner_id == User.id, Ticket.stage.in_(OPEN_STAGES))
        .scalar_subquery()
    )


def _least_loaded(loads: list[tuple[User, int]]) -> User | None:
    """The rep among (user, open tickets) pairs that `pick_least_loaded` picks."""
    reps = {user.id: (user, count) for user, count in loads if user.is_support_rep}
    chosen = pick_least_loaded(
        RepLoad(user_id=uid, open_tickets=count, last_assigned_at=user.last_assigned_at)
        for uid, (user, count) in reps.items()
    )
    return reps[chosen][0] if chosen is not None else None


@dataclass(frozen=True)
class Landing:
    """The org a new ticket is assigned to, every user of it, and the rep who gets it."""

    org: Organization
    members: list[User]
    owner: User | None


async def landing(session: AsyncSession, requester: Organization) -> Landing:
    """Route a new ticket of `requester` (SPEC §1): lock the org it lands in, then pick its
    owner from the org's users (all of them are returned: they are the ticket's first
    recipients)."""
    query = select(Organization).with_for_update()
    if requester.kind == OrgKind.SUB_ORG:  # sub-orgs file with their partner
        query = query.where(Organization.id == requester.parent_id)
    else:
        query = query.where(Organization.kind == OrgKind.PLATFORM)
    org = await session.scalar(query)
    if org is None:
        raise no_platform_error()
    open_tickets = case((User.is_support_rep, _open_tickets()), else_=0)
    rows = await session.execute(
        select(User, open_tickets).where(User.org_id == org.id).order_by(User.id),
        execution_options={"populate_existing": True},  # loaded before the lock: refresh
    )
    loads = [(user, count) for user, count in rows]
    return Landing(org=org, members=[user for user, _ in loads], owner=_least_loaded(loads))


async def least_loaded_rep(session: AsyncSession, org: Organization) -> User | None:
    """Pick the rep with the fewest open tickets in `org`, or None when it has no reps.
    The org's row is locked first, as `landing` locks it."""
    await session.execute(
        select(Organization.id).where(Organization.id == org.id).with_for_update()
    )
    rows = await session.execute(
        select(User, _open_tickets()).where(User.org_id == org.id, User.is_support_rep.is_(True)),
        execution_options={"populate_existing": True},
    )
    return _least_loaded([(user, count) for user, count in rows])


def mark_assigned(user: User, now: datetime | None = None) -> None:
    """Remember when the rep last got a ticket: ties in load go to who waited longest."""
    user.last_assigned_at = now or utcnow()
