"""Creating tickets and changing their core attributes: owner, stage, severity, fields."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.errors import ValidationError
from core.models import (
    AuditEntry,
    Organization,
    SourceChannel,
    ThreadKind,
    Ticket,
    TicketInvolvedOrg,
    TicketReporter,
    TicketTag,
    TicketThread,
    User,
    utcnow,
)
from core.models.tickets import Severity, Subtype
from core.outbox.signal import queue_deliveries
from core.row_batch import RowBatch, attach_as_loaded, column_values, write
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
from core.services.assignment import Landing, landing, mark_assigned
from core.services.loading import load_ticket
from core.services.mirroring import MirrorKind
from core.services.notifications import EventKind, add_event_rows, created_rows, emit


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

    Creation is the hottest write, so it is few statements: routing, which also reserves
    the ids (`landing`), then every row at once (`core.row_batch`). The returned ticket has
    its owner, orgs, involved orgs and tags loaded, as `load_ticket` gives them.
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

    # Ids for the ticket and a thread per involved org with a channel. Which orgs those are
    # is known only after routing, so one is drawn for each org a new ticket can involve (the
    # requester and the org it lands in); a spare one goes unused, as a rolled-back insert's.
    routed = await landing(session, requester, reserve={Ticket: 1, TicketThread: 2})
    now = utcnow()
    ticket = _new_ticket(routed.ids[Ticket][0], fields, actor, requester, routed, tag_list, now)
    batch = _creation_rows(session, ticket, actor, routed, now)
    assigned = routed.assignment_changes(now)
    for instance, values in assigned:
        batch.update(type(instance), [{"id": instance.id, **values}])
    await write(session, batch)
    attach_as_loaded(session, [ticket, *ticket.involved, *ticket.tag_rows])
    for instance, values in assigned:  # written past the ORM: show them as loaded
        for key, value in values.items():
            set_committed_value(instance, key, value)
    return ticket


def _new_ticket(
    ticket_id: int,
    fields: dict[str, Any],
    actor: User,
    requester: Organization,
    routed: Landing,
    tags: list[str],
    now: datetime,
) -> Ticket:
    """The new ticket (not yet in the session) with every column set, and the relationships
    that `load_ticket` loads set as if loaded (no ORM events: nothing to cascade or flush)."""
    assigned, owner = routed.org, routed.owner
    ticket = Ticket(
        id=ticket_id,
        **fields,
        stage=stages.INITIAL_STAGE,
        owner_id=owner.id if owner else None,
        requester_org_id=requester.id,
        assigned_org_id=assigned.id,
        escalated_from_org_id=None,
        created_by_id=actor.id,
        modified_by_id=actor.id,
        needs_response=False,
        closed_at=None,
        created_at=now,
        modified_at=now,
    )
    involved = [
        TicketInvolvedOrg(ticket_id=ticket_id, org_id=org.id, added_at=now)
        for org in dict.fromkeys((requester, assigned))
    ]
    loaded = {
        "owner": owner,
        "requester_org": requester,
        "assigned_org": assigned,
        "escalated_from_org": None,
        "created_by": actor,
        "modified_by": actor,
        "involved": involved,
        "tag_rows": [TicketTag(ticket_id=ticket_id, tag=tag) for tag in tags],
    }
    for key, value in loaded.items():
        set_committed_value(ticket, key, value)
    return ticket


def _creation_rows(
    session: AsyncSession, ticket: Ticket, actor: User, routed: Landing, now: datetime
) -> RowBatch:
    """Every row a new ticket writes but its assignment's: itself, its orgs, tags and
    reporter, the audit entry, the notifications (SPEC §3) and a thread per org with a
    ticket channel (SPEC §4), with the outbox rows that deliver them."""
    batch = RowBatch()
    batch.insert(Ticket, [column_values(ticket)])
    batch.insert(TicketInvolvedOrg, [column_values(row) for row in ticket.involved])
    batch.insert(TicketTag, [column_values(row) for row in ticket.tag_rows])
    batch.insert(TicketReporter, [{"ticket_id": ticket.id, "user_id": actor.id}])
    created = audit.entry_row(
        ticket_id=ticket.id, actor=actor, action="created", new=ticket.title, now=now
    )
    batch.insert(AuditEntry, [created])
    activity = f"{actor.name} ({actor.org.name}) opened {ticket.display_id}: {ticket.title}"
    add_event_rows(session, batch, created_rows(ticket, actor, activity, routed.members))

    orgs = [ticket.requester_org, ticket.assigned_org]
    with_channel = [org for org in dict.fromkeys(orgs) if mirroring.has_channel(org)]
    threads = [
        mirroring.new_thread(ticket.id, org, ThreadKind.TICKET, thread_id=thread_id)
        for org, thread_id in zip(with_channel, routed.ids[TicketThread], strict=False)
    ]
    batch.insert(TicketThread, [column_values(thread) for thread in threads])
    opens = mirroring.outbox_rows(MirrorKind.THREAD_OPEN, ((t, {"summary": None}) for t in threads))
    queue_deliveries(session, batch, opens)
    return batch


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
