"""Auto-assignment to the least-loaded support rep of the org a ticket lands in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Organization, OrgKind, Ticket, User, utcnow
from core.routing import RepLoad, pick_least_loaded
from core.stages import OPEN_STAGES


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def landing_org(session: AsyncSession, requester: Organization) -> Organization:
    """The org a new ticket of `requester` is assigned to (SPEC §1 routing), row-locked on
    PostgreSQL for the auto-assignment that follows, in one statement."""
    if requester.kind == OrgKind.SUB_ORG:
        query = select(Organization).where(Organization.id == requester.parent_id)
    else:
        query = select(Organization).where(Organization.kind == OrgKind.PLATFORM)
    if _locking(session):
        query = query.with_for_update()
    org = await session.scalar(query)
    if org is None:
        raise NotFound(
            "No platform organization is configured. Import a directory file with one org "
            "of kind `platform` (`threadline directory import FILE`)."
        )
    return org


async def least_loaded_rep(
    session: AsyncSession, org: Organization, *, locked: bool = False
) -> User | None:
    """Pick the rep with the fewest open tickets in `org`, or None when it has no reps.

    On PostgreSQL the org row is locked first, so concurrent assignments into one org
    serialize and each sees the load the previous one committed: the spread stays even.
    (SQLite transactions here begin IMMEDIATE, which serializes writers already.)
    """
    if _locking(session) and not locked:
        await session.execute(
            select(Organization.id).where(Organization.id == org.id).with_for_update()
        )
    # count(owner_id), not count(id): the (owner_id, stage) index answers it alone. The reps
    # themselves come in the same statement, so the chosen one needs no second lookup.
    open_count = (
        select(func.count(Ticket.owner_id))
        .where(Ticket.owner_id == User.id, Ticket.stage.in_(OPEN_STAGES))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(User, open_count).where(User.org_id == org.id, User.is_support_rep.is_(True))
    )
    reps = {user.id: (user, count) for user, count in rows}
    chosen = pick_least_loaded(
        RepLoad(user_id=uid, open_tickets=count, last_assigned_at=user.last_assigned_at)
        for uid, (user, count) in reps.items()
    )
    return reps[chosen][0] if chosen is not None else None


def mark_assigned(user: User) -> None:
    user.last_assigned_at = utcnow()
