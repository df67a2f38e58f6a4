"""Which buttons a ticket card offers (SPEC §4): only what the viewer may actually do.

A card shown to one person (`/ticket show`) is computed for that user. A card that is the
root of an org's thread is seen by everyone in that org's channel, so it offers what a
support rep of that org could do; pressing a button re-checks the presser's own rights.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models import Organization, OrgKind, Ticket, User
from core.rules import permissions
from core.rules.stages import TRANSITIONS, Stage, State


@dataclass(frozen=True)
class CardActions:
    assign_to_me: bool = False
    stages: tuple[Stage, ...] = ()
    escalate: bool = False
    deescalate: bool = False

    @property
    def any(self) -> bool:
        return self.assign_to_me or bool(self.stages) or self.escalate or self.deescalate


NO_ACTIONS = CardActions()


def actions_for_user(user: User, ticket: Ticket) -> CardActions:
    if not permissions.can_view(user, ticket):
        return NO_ACTIONS
    current = ticket.stage_enum
    return CardActions(
        assign_to_me=permissions.can_triage(user, ticket) and ticket.owner_id != user.id,
        stages=tuple(
            s for s in TRANSITIONS[current] if permissions.can_change_stage(user, ticket, s)
        ),
        escalate=permissions.can_escalate(user, ticket),
        deescalate=permissions.can_deescalate(user, ticket),
    )


def actions_for_org(org: Organization, ticket: Ticket) -> CardActions:
    """What a support rep of `org` could do: the card in `org`'s own thread."""
    if org.id not in ticket.involved_org_ids:
        return NO_ACTIONS
    current = ticket.stage_enum
    if org.id == ticket.assigned_org_id:
        return CardActions(
            assign_to_me=True,
            stages=TRANSITIONS[current],
            escalate=org.kind == OrgKind.PARTNER,
            deescalate=org.kind == OrgKind.PLATFORM and ticket.escalated_from_org_id is not None,
        )
    if org.id == ticket.requester_org_id:
        if current.state == State.CLOSED:
            return CardActions(stages=(Stage.WORK_IN_PROGRESS,))
        return CardActions(stages=(Stage.CANCELED,))
    return NO_ACTIONS
