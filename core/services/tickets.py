"""Creating tickets and changing their core attributes: owner, stage, severity, fields."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationError
from core.models import (
    Organization,
    SourceChannel,
    ThreadKind,
    Ticket,
    TicketInvolvedOrg,
    TicketReporter,
    TicketTag,
    User,
    utcnow,
)
from core.models.tickets import Severity, Subtype
from core.outbox import deliveries
from core.rules import permissions, stages
from core.rules.stages import CLOSED_STAGES, Stage
from core.rules.validation import (
    clean_description,
    clean_optional_text,
    clean_tags,
    clean_title,
    parse_severity,
    parse_subtype,
)
from core.services import audit, mirroring
from core.services.assignment import landing, mark_assigned
from core.services.events import EventKind
from core.services.loading import load_ticket
from core.services.notifications import created_rows, emit, write_event


async def create(
    session: AsyncSession,
    *,
    actor: User,
    title: str,
    description: str = "",
    severity: str | Severity = Severity.MEDIUM,
    for_org: Organization | None = None,
    part: str | None = None,
    group: str | None = None,
    tags: Iterable[str] = (),
    subtype: str | Subtype | None = None,
    source: SourceChannel = SourceChannel.SLACK,
    target_close_date: date | None = None,
    custom_attributes: dict[str, Any] | None = None,
) -> Ticket:
    """File a ticket for `for_org` (default: the actor's org), routed and auto-assigned.

    The ticket, its rows, its notifications and a thread per involved org with a ticket
    channel (SPEC §4) are written through the session; the returned ticket has its owner,
    orgs, involved orgs and tags loaded, as `load_ticket` gives them.
    """
    requester = for_org or actor.org
    permissions.require_file_for(actor, requester)
    if custom_attributes is not None and not isinstance(custom_attributes, dict):
        raise ValidationError("Custom attributes must be a JSON object.", field="custom_attributes")
    fields = {
        "title": clean_title(title),
        "description": clean_description(description),
        "severity": parse_severity(severity),
        "subtype": parse_subtype(subtype),
        "part": clean_optional_text(part, field="part", limit=100),
        "group_name": clean_optional_text(group, field="group", limit=100),
        "target_close_date": target_close_date,
        "custom_attributes": custom_attributes or {},
        "source_channel": source,
    }
    tag_list = clean_tags(tags)

    routed = await landing(session, requester)
    now = utcnow()
    ticket = Ticket(
        **fields,
        stage=stages.INITIAL_STAGE,
        owner=routed.owner,
        requester_org=requester,
        assigned_org=routed.org,
        escalated_from_org=None,
        created_by=actor,
        modified_by=actor,
        needs_response=False,
        closed_at=None,
        created_at=now,
        modified_at=now,
        involved=[
            TicketInvolvedOrg(org_id=org.id, added_at=now)
            for org in dict.fromkeys((requester, routed.org))
        ],
        tag_rows=[TicketTag(tag=tag) for tag in tag_list],
    )
    session.add(ticket)
    await session.flush()  # the ticket's id, which every other row names
    session.add(TicketReporter(ticket_id=ticket.id, user_id=actor.id))
    audit.record(session, ticket=ticket, actor=actor, action="created", new=ticket.title, now=now)
    if routed.owner is not None:
        mark_assigned(routed.owner, now)
    threads = [
        mirroring.new_thread(ticket.id, org, ThreadKind.TICKET)
        for org in dict.fromkeys((requester, routed.org))
        if mirroring.has_channel(org)
    ]
    session.add_all(threads)
    await session.flush()  # the threads' ids, which their deliveries name
    activity = f"{actor.name} ({actor.org.name}) opened {ticket.display_id}: {ticket.title}"
    event = created_rows(ticket, actor, activity, routed.members)
    event.deliveries += deliveries.thread_opens(threads, summary=None)
    await write_event(session, event)
    return ticket


async def assign(
    session: AsyncSession, *, actor: User, ticket: str | int, assignee: User | None
) -> Ticket:
    """Set or clear the owner; the owner must belong to the assigned org."""
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    permissions.require_triage(actor, row, "change the owner")
    if assignee is not None and assignee.org_id != row.assigned_org_id:
        raise ValidationError(
            f"{assignee.name} is not in {row.assigned_org.name}, which {row.display_id} is "
            f"assigned to. Pick someone from {row.assigned_org.name}.",
            field="owner",
        )
    if (assignee.id if assignee else None) == row.owner_id:
        return row
    old_owner = row.owner
    row.owner_id = assignee.id if assignee else None
    row.owner = assignee
    if assignee is not None:
        mark_assigned(assignee)
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="assigned",
        field="owner",
        old=old_owner.email if old_owner else None,
        new=assignee.email if assignee else None,
    )
    if assignee is not None:
        await emit(
            session,
            kind=EventKind.ASSIGNED,
            ticket=row,
            actor=actor,
            activity=f"{actor.name} assigned {row.display_id} to {assignee.name}",
        )
    await mirroring.cards_changed(session, row)
    return row


async def change_stage(
    session: AsyncSession, *, actor: User, ticket: str | int, stage: str | Stage
) -> Ticket:
    """Move along the transition table; refusals list the stages that are allowed."""
    target = stage if isinstance(stage, Stage) else stages.parse_stage(stage)
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    permissions.require_change_stage(actor, row, target)
    current = row.stage_enum
    stages.check_transition(current, target)
    row.stage = target
    if target in CLOSED_STAGES:
        row.closed_at = utcnow()
    elif current in CLOSED_STAGES:
        row.closed_at = None
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="stage_changed",
        field="stage",
        old=current,
        new=target,
    )
    await emit(
        session,
        kind=EventKind.STAGE_CHANGED,
        ticket=row,
        actor=actor,
        activity=f"{actor.name} moved {row.display_id} from {current.label} to {target.label}",
    )
    await mirroring.cards_changed(session, row)
    return row


async def set_severity(
    session: AsyncSession, *, actor: User, ticket: str | int, severity: str | Severity
) -> Ticket:
    level = parse_severity(severity)
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    permissions.require_triage(actor, row, "change the severity")
    if row.severity == level:
        return row
    audit.record(
        session,
        ticket=row,
        actor=actor,
        action="severity_changed",
        field="severity",
        old=row.severity,
        new=level,
    )
    row.severity = level
    await mirroring.cards_changed(session, row)
    return row


_EDITABLE_FIELDS = {"part": 100, "group_name": 100}


async def update_fields(
    session: AsyncSession,
    *,
    actor: User,
    ticket: str | int,
    title: str | None = None,
    description: str | None = None,
    part: str | None = None,
    group: str | None = None,
    subtype: str | Subtype | None = None,
    target_close_date: date | None = None,
    custom_attributes: dict[str, Any] | None = None,
) -> Ticket:
    """Edit descriptive fields (triagers of the assigned org); only given fields change."""
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    permissions.require_triage(actor, row, "edit the ticket's fields")
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = clean_title(title)
    if description is not None:
        changes["description"] = clean_description(description)
    if part is not None:
        changes["part"] = clean_optional_text(part, field="part", limit=100)
    if group is not None:
        changes["group_name"] = clean_optional_text(group, field="group", limit=100)
    if subtype is not None:
        changes["subtype"] = parse_subtype(subtype)
    if target_close_date is not None:
        changes["target_close_date"] = target_close_date
    if custom_attributes is not None:
        if not isinstance(custom_attributes, dict):
            raise ValidationError(
                "Custom attributes must be a JSON object.", field="custom_attributes"
            )
        changes["custom_attributes"] = custom_attributes
    for field, value in changes.items():
        old = getattr(row, field)
        if old == value:
            continue
        audit.record(
            session,
            ticket=row,
            actor=actor,
            action="field_changed",
            field=field,
            old=old,
            new=value,
        )
        setattr(row, field, value)
    if changes:
        await mirroring.cards_changed(session, row)
    return row
