"""Where a new ticket lands and which support rep of that org gets it (SPEC §1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from core import row_ids
from core.models import Base, Organization, OrgKind, Ticket, User, utcnow
from core.routing import RepLoad, pick_least_loaded
from core.row_ids import Ids
from core.services.loading import no_platform_error
from core.stages import OPEN_STAGES


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _open_tickets() -> ColumnElement[int]:
    """A user's open tickets. count(owner_id), not count(id): the (owner_id, stage) index
    answers it alone. The stages are constants in the SQL, not parameters, so PostgreSQL
    can keep one plan for the prepared statement instead of planning it at every call."""
    open_stages: BindParameter[list[str]] = bindparam(
        "open_stages", [s.value for s in OPEN_STAGES], expanding=True, literal_execute=True
    )
    return (
        select(func.count(Ticket.owner_id))
        .where(Ticket.owner_id == User.id, Ticket.stage.in_(open_stages))
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
    """The org a new ticket is assigned to, every user of it, the rep who gets it, and the
    ids reserved along the way."""

    org: Organization
    members: list[User]
    owner: User | None
    ids: Ids


async def landing(
    session: AsyncSession, requester: Organization, *, reserve: Mapping[type[Base], int]
) -> Landing:
    """Route a new ticket of `requester` (SPEC §1), pick its owner, and reserve `reserve`
    ids (`core.row_ids`) for the rows that creation writes.

    On PostgreSQL the landing org's row is locked first (drawing the ids in the same
    statement), so concurrent creations into one org serialize, and the loads are read after
    the lock, so each sees the load the previous one committed: the spread stays even.
    SQLite transactions here begin IMMEDIATE, which serializes writers already, so there the
    org, its members and the ids come in one statement.
    """
    to_parent = requester.kind == OrgKind.SUB_ORG  # sub-orgs file with their partner
    where: dict[str, object] = (
        {"org_id": requester.parent_id} if to_parent else {"kind": OrgKind.PLATFORM}
    )
    ids = row_ids.reservation(session.get_bind().dialect.name, reserve)
    if _locking(session):
        connection = await session.connection()  # a Core statement: past the ORM layer
        locked = (await connection.execute(_lock_statement(to_parent, ids.columns), where)).first()
        if locked is None:
            raise no_platform_error()
        org_id, *drawn = locked
        members = _members_statement(True, ())
        rows = (await session.execute(members, {"org_id": org_id})).all()
    else:
        members = _members_statement(to_parent, ids.columns)
        rows = (await session.execute(members, where)).all()
        if not rows:
            raise no_platform_error()
        drawn = list(rows[0][3:])
    loads = [(row[1], row[2]) for row in rows if row[1] is not None]
    return Landing(
        org=rows[0][0],
        members=[user for user, _ in loads],
        owner=_least_loaded(loads),
        ids=ids.ids(drawn),
    )


AnySelect = Select[*tuple[Any, ...]]
Columns = tuple[ColumnElement[int], ...]


def _landing_org(by_id: bool) -> ColumnElement[bool]:
    """The org by `:org_id`, or the one of kind `:kind` (the platform)."""
    if by_id:
        return Organization.id == bindparam("org_id")
    return Organization.kind == bindparam("kind")


@lru_cache(maxsize=16)
def _lock_statement(by_id: bool, also: Columns) -> AnySelect:
    return select(Organization.id, *also).where(_landing_org(by_id)).with_for_update()


@lru_cache(maxsize=16)
def _members_statement(by_id: bool, also: Columns) -> AnySelect:
    """The landing org, each of its users (none: one row of NULLs) with their open tickets.

    Built once per shape, so SQLAlchemy keeps its cache key rather than recomputing it."""
    open_tickets = case((User.is_support_rep, _open_tickets()), else_=0)
    return (
        select(Organization, User, open_tickets, *also)
        .outerjoin(User, User.org_id == Organization.id)
        .where(_landing_org(by_id))
        .order_by(User.id)
        .options(contains_eager(User.org))
    )


async def least_loaded_rep(session: AsyncSession, org: Organization) -> User | None:
    """Pick the rep with the fewest open tickets in `org`, or None when it has no reps.

    On PostgreSQL the org row is locked first, as in `landing`.
    """
    if _locking(session):
        await session.execute(
            select(Organization.id).where(Organization.id == org.id).with_for_update()
        )
    rows = await session.execute(
        select(User, _open_tickets()).where(User.org_id == org.id, User.is_support_rep.is_(True))
    )
    return _least_loaded([(user, count) for user, count in rows])


def mark_assigned(user: User) -> None:
    user.last_assigned_at = utcnow()
