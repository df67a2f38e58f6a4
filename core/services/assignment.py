"""Auto-assignment to the least-loaded support rep of the org a ticket lands in."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Organization, Ticket, User, utcnow
from core.routing import RepLoad, pick_least_loaded
from core.stages import OPEN_STAGES


async def least_loaded_rep(session: AsyncSession, org: Organization) -> User | None:
    """Pick the rep with the fewest open tickets in `org`, or None when it has no reps.

    The org row is locked first (PostgreSQL), so concurrent assignments into one org
    serialize and each sees the load the previous one committed: the spread stays even.
    """
    await session.execute(
        select(Organization.id).where(Organization.id == org.id).with_for_update()
    )
    open_count = func.count(Ticket.id)
    rows = await session.execute(
        select(User.id, User.last_assigned_at, open_count)
        .outerjoin(Ticket, and_(Ticket.owner_id == User.id, Ticket.stage.in_(OPEN_STAGES)))
        .where(User.org_id == org.id, User.is_support_rep.is_(True))
        .group_by(User.id, User.last_assigned_at)
    )
    chosen = pick_least_loaded(
        RepLoad(user_id=uid, open_tickets=count, last_assigned_at=last) for uid, last, count in rows
    )
    if chosen is None:
        return None
    return await session.get(User, chosen)


def mark_assigned(user: User) -> None:
    user.last_assigned_at = utcnow()
