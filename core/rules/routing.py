"""Which support rep gets a ticket (SPEC §1 auto-assignment): a pure function over loads.

Where a ticket lands is `core.services.assignment.landing`, one locked query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

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
