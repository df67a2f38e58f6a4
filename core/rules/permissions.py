"""Who may do what to a ticket (SPEC §1): pure checks over loaded objects.

Visibility failures raise `NotFound`, never `Forbidden`, so a ticket outside the actor's
involved orgs is indistinguishable from one that does not exist.
"""

from __future__ import annotations

from core.errors import Forbidden, NotFound
from core.models import Message, Organization, OrgKind, Ticket, User
from core.rules.stages import Stage, State


def can_view(user: User, ticket: Ticket) -> bool:
    return user.org_id in ticket.involved_org_ids


def require_view(user: User, ticket: Ticket) -> None:
    if not can_view(user, ticket):
        raise NotFound(f"{ticket.display_id} was not found, or you have no access to it.")


def can_triage(user: User, ticket: Ticket) -> bool:
    """Reps and admins of the assigned org change stage, owner and severity, and escalate."""
    return user.org_id == ticket.assigned_org_id and user.can_triage


def require_triage(user: User, ticket: Ticket, what: str) -> None:
    require_view(user, ticket)
    if not can_triage(user, ticket):
        raise Forbidden(
            f"Only support reps and admins of the assigned org ({ticket.assigned_org.name}) "
            f"can {what} on {ticket.display_id}. Ask one of them, or comment on the ticket."
        )


def is_requester(user: User, ticket: Ticket) -> bool:
    return user.org_id == ticket.requester_org_id


def can_change_stage(user: User, ticket: Ticket, target: Stage) -> bool:
    """Triagers make any allowed move; the requester org may cancel, or reopen when closed."""
    if can_triage(user, ticket):
        return True
    if not is_requester(user, ticket):
        return False
    current = ticket.stage_enum
    if target == Stage.CANCELED:
        return current.state != State.CLOSED
    return current.state == State.CLOSED and target == Stage.WORK_IN_PROGRESS


def require_change_stage(user: User, ticket: Ticket, target: Stage) -> None:
    require_view(user, ticket)
    if not can_change_stage(user, ticket, target):
        if is_requester(user, ticket):
            raise Forbidden(
                f"Your org can cancel {ticket.display_id} while it is open, or reopen it "
                f"(work_in_progress) once closed; other stage changes are made by the "
                f"assigned org ({ticket.assigned_org.name})."
            )
        require_triage(user, ticket, "change the stage")


def can_escalate(user: User, ticket: Ticket) -> bool:
    return can_triage(user, ticket) and ticket.assigned_org.kind == OrgKind.PARTNER


def can_deescalate(user: User, ticket: Ticket) -> bool:
    return (
        can_triage(user, ticket)
        and ticket.assigned_org.kind == OrgKind.PLATFORM
        and ticket.escalated_from_org_id is not None
    )


def can_file_for(user: User, org: Organization) -> bool:
    """Everyone files for their own org; the platform for anyone; a partner for its sub-orgs."""
    if org.id == user.org_id:
        return True
    if user.org.kind == OrgKind.PLATFORM:
        return True
    return user.org.kind == OrgKind.PARTNER and org.parent_id == user.org_id


def may_file_for_others(user: User) -> bool:
    """Whether `can_file_for` holds for any org besides the user's own: the platform's and
    partners' people file on others' behalf; everyone else files only for their own org."""
    return user.org.kind in (OrgKind.PLATFORM, OrgKind.PARTNER)


def require_file_for(user: User, org: Organization) -> None:
    if not can_file_for(user, org):
        raise Forbidden(
            f"You can file tickets for your own org ({user.org.name})"
            + (" and its sub-orgs" if user.org.kind == OrgKind.PARTNER else "")
            + f", not for {org.name}."
        )


def require_edit_message(user: User, message: Message) -> None:
    if message.author_id != user.id:
        raise Forbidden("Only the author of a message can edit it.")


def require_delete_message(user: User, message: Message) -> None:
    if message.author_id == user.id:
        return
    if user.is_admin and user.org_id == message.author_org_id:
        return
    raise Forbidden("Only the author of a message, or an admin of their org, can delete it.")


def can_see_message(user: User, message: Message) -> bool:
    """Internal notes stay inside the author's org."""
    return not message.is_internal or message.author_org_id == user.org_id
