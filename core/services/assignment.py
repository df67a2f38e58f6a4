"""Where a new ticket lands and which support rep of that org gets it (SPEC §1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.util import AliasedClass

from core import row_ids
from core.models import Base, Organization, OrgKind, Ticket, User, utcnow
from core.row_ids import Ids
from core.rules.routing import RepLoad, pick_least_loaded
from core.rules.stages import OPEN_STAGES
from core.services.loading import no_platform_error


def _locking(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _constant(value: str) -> ColumnElement[str]:
    """`value` as a string literal in the SQL, quoted by SQLAlchemy."""
    return literal_column(str(literal(value).compile(compile_kwargs={"literal_binds": True})))


def _open_tickets() -> ColumnElement[int]:
    """A user's open tickets. count(owner_id), not count(id): the (owner_id, stage) index
    answers it alone. The stages are constants in the SQL, not parameters, so PostgreSQL
    can keep one plan for the prepared statement instead of planning it at every call."""
    open_stages = [_constant(stage.value) for stage in OPEN_STAGES]
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


# A loaded object and the column values to set on it.
ColumnChanges = tuple[User | Organization, dict[str, Any]]


@dataclass(frozen=True)
class Landing:
    """The org a new ticket is assigned to, every user of it, the rep who gets it, and the
    ids reserved along the way."""

    org: Organization
    members: list[User]
    owner: User | None
    ids: Ids
    # PostgreSQL: the org's `assignment_version` as locked (see `assignment_changes`).
    locked_version: int | None = None

    def assignment_changes(self, now: datetime) -> list[ColumnChanges]:
        """What recording the assignment changes, per loaded object: the owner's
        `last_assigned_at` and, on PostgreSQL, the org's `assignment_version` bumped."""
        if self.owner is None:
            return []
        changes: list[ColumnChanges] = [(self.owner, {"last_assigned_at": now})]
        if self.locked_version is not None:
            changes.append((self.org, {"assignment_version": self.locked_version + 1}))
        return changes


async def landing(
    session: AsyncSession, requester: Organization, *, reserve: Mapping[type[Base], int]
) -> Landing:
    """Route a new ticket of `requester` (SPEC §1), pick its owner, and reserve `reserve`
    ids (`core.row_ids`) for the rows that creation writes.

    Concurrent creations into one org must each see the loads the previous one left, or two
    of them would hand their tickets to the same rep. On PostgreSQL one statement locks the
    landing org's row and reads its members, their loads and the ids. Its reads come from
    the snapshot taken when it began, which may predate a creation that committed while it
    waited for the lock. Every assignment bumps the org's `assignment_version`, and the lock
    returns the row's latest version while the snapshot keeps the one it saw; when the two
    differ, the loads are read once more, now under the lock. SQLite transactions here begin
    IMMEDIATE, which serializes writers already, so there one statement is always enough.
    """
    to_parent = requester.kind == OrgKind.SUB_ORG  # sub-orgs file with their partner
    where: dict[str, object] = (
        {"org_id": requester.parent_id} if to_parent else {"kind": OrgKind.PLATFORM}
    )
    ids = row_ids.reservation(session.get_bind().dialect.name, reserve)
    locking = _locking(session)
    statement = _members_statement(by_id=to_parent, also=ids.columns, locking=locking)
    rows = (await session.execute(statement, where)).all()
    if not rows:
        raise no_platform_error()
    org, first = rows[0][0], rows[0]
    drawn = first[_FIRST_ID : _FIRST_ID + len(ids.columns)]
    locked_version = first.locked_version if locking else None
    if locking and first.locked_version != first.seen_version:
        rows = (
            await session.execute(
                _members_statement(by_id=True, also=(), locking=False),
                {"org_id": org.id},
                execution_options={"populate_existing": True},  # the users' latest rows
            )
        ).all()
    loads = [(row[1], row[2]) for row in rows if row[1] is not None]
    return Landing(
        org=org,
        members=[user for user, _ in loads],
        owner=_least_loaded(loads),
        ids=ids.ids(drawn),
        locked_version=locked_version,
    )


AnySelect = Select[*tuple[Any, ...]]
Columns = tuple[ColumnElement[int], ...]
_FIRST_ID = 3  # members rows: org, user, open tickets, then the reserved ids


def _landing_org(
    org: type[Organization] | AliasedClass[Organization], by_id: bool
) -> ColumnElement[bool]:
    """The org by `:org_id`, or the one of kind `:kind` (the platform)."""
    if by_id:
        return org.id == bindparam("org_id")
    return org.kind == bindparam("kind")


@lru_cache(maxsize=16)
def _members_statement(by_id: bool, also: Columns, locking: bool) -> AnySelect:
    """The landing org, each of its users (none: one row of NULLs) with their open tickets,
    then `also`. `locking`: lock the org's row, and add its `assignment_version` as locked
    (`locked_version`) and as this statement's snapshot saw it (`seen_version`).

    Built once per shape, so SQLAlchemy keeps its cache key rather than recomputing it."""
    open_tickets = case((User.is_support_rep, _open_tickets()), else_=0)
    statement = (
        select(Organization, User, open_tickets, *also)
        .outerjoin(User, User.org_id == Organization.id)
        .where(_landing_org(Organization, by_id))
        .order_by(User.id)
        .options(contains_eager(User.org))
    )
    if not locking:
        return statement
    seen = aliased(Organization)
    seen_version = select(seen.assignment_version).where(_landing_org(seen, by_id))
    return statement.add_columns(
        Organization.assignment_version.label("locked_version"),
        seen_version.scalar_subquery().label("seen_version"),
    ).with_for_update(of=Organization)


async def least_loaded_rep(session: AsyncSession, org: Organization) -> User | None:
    """Pick the rep with the fewest open tickets in `org`, or None when it has no reps.

    On PostgreSQL the org row is locked first, and its `assignment_version` bumped, so
    that `landing` sees this assignment too.
    """
    if _locking(session):
        await session.execute(
            update(Organization)
            .where(Organization.id == org.id)
            .values(assignment_version=Organization.assignment_version + 1)
        )
    rows = await session.execute(
        select(User, _open_tickets()).where(User.org_id == org.id, User.is_support_rep.is_(True))
    )
    return _least_loaded([(user, count) for user, count in rows])


def mark_assigned(user: User) -> None:
    user.last_assigned_at = utcnow()
