"""Where a ticket lands (SPEC §1) and which rep gets it: pure functions over loaded rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.models import Organization, OrgKind


def assigned_org_id_for(requester: Organization, platform_id: int) -> int:
    """A sub-org's tickets go to its partner; everyone else's go to the platform."""
    if requester.kind == OrgKind.SUB_ORG:
        if requester.parent_id is None:
            raise ValueError(f"sub-org {requester.slug} has no parent partner")
        return requester.parent_id
    return platform_id


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RepLoad:
    user_id: int
    open_tickets: int
    last_assigned_at: datetime | None


def pick_least_loaded(reps: Iterable[RepLoad]) -> int | None:
    """Fewest open tickets; ties go to whoever was assigned least recently (never first)."""

    def key(rep: RepLoad) -> tuple[int, bool, datetime, int]:
        assigned_before = rep.last_assigned_at is not None
        return (rep.open_tickets, assigned_before, rep.last_assigned_at or _EPOCH, rep.user_id)

    best = min(reps, key=key, default=None)
    return best.user_id if best else None
