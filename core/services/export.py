"""Ticket export as CSV or JSON, streamed in chunks so memory stays flat at any size."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.errors import ValidationError
from core.models import Organization, Ticket, TicketTag, User
from core.rules.filters import NO_FILTER, TicketFilter
from core.rules.stages import Stage
from core.services.queries import apply_filter, visible_to

CHUNK = 500

COLUMNS = (
    "id",
    "title",
    "stage",
    "state",
    "severity",
    "requester_org",
    "assigned_org",
    "owner",
    "tags",
    "subtype",
    "part",
    "group",
    "needs_response",
    "source_channel",
    "created_at",
    "modified_at",
    "closed_at",
    "target_close_date",
    "description",
)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def parse_format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value.strip().lower())
    except ValueError:
        raise ValidationError(
            f"'{value}' is not an export format. Use csv or json.", field="format"
        ) from None


async def export_rows(
    session: AsyncSession, *, viewer: User | None, filters: TicketFilter = NO_FILTER
) -> AsyncIterator[dict[str, Any]]:
    """Yield one flat dict per ticket (oldest first), fetching `CHUNK` tickets at a time."""
    requester = aliased(Organization)
    assigned = aliased(Organization)
    base = (
        apply_filter(visible_to(select(Ticket), viewer), filters)
        .join(requester, requester.id == Ticket.requester_org_id)
        .join(assigned, assigned.id == Ticket.assigned_org_id)
        .outerjoin(User, User.id == Ticket.owner_id)
        .add_columns(requester.slug, assigned.slug, User.email)
        .order_by(Ticket.id)
    )
    after = 0
    while True:
        chunk = (await session.execute(base.where(Ticket.id > after).limit(CHUNK))).all()
        if not chunk:
            return
        tags = await _tags_of(session, [row[0].id for row in chunk])
        for ticket, requester_slug, assigned_slug, owner_email in chunk:
            yield _flatten(
                ticket, requester_slug, assigned_slug, owner_email, tags.get(ticket.id, [])
            )
        after = chunk[-1][0].id


async def _tags_of(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    rows = await session.execute(
        select(TicketTag.ticket_id, TicketTag.tag)
        .where(TicketTag.ticket_id.in_(ticket_ids))
        .order_by(TicketTag.ticket_id, TicketTag.tag)
    )
    for ticket_id, tag in rows:
        tags.setdefault(ticket_id, []).append(tag)
    return tags


def _flatten(
    ticket: Ticket, requester: str, assigned: str, owner: str | None, tags: list[str]
) -> dict[str, Any]:
    return {
        "id": ticket.display_id,
        "title": ticket.title,
        "stage": ticket.stage,
        "state": Stage(ticket.stage).state.value,
        "severity": ticket.severity,
        "requester_org": requester,
        "assigned_org": assigned,
        "owner": owner,
        "tags": tags,
        "subtype": ticket.subtype,
        "part": ticket.part,
        "group": ticket.group_name,
        "needs_response": ticket.needs_response,
        "source_channel": ticket.source_channel,
        "created_at": ticket.created_at.isoformat(),
        "modified_at": ticket.modified_at.isoformat(),
        "closed_at": ticket.closed_at.isoformat() if ticket.closed_at else None,
        "target_close_date": (
            ticket.target_close_date.isoformat() if ticket.target_close_date else None
        ),
        "description": ticket.description,
    }


async def export_tickets(
    session: AsyncSession,
    *,
    viewer: User | None,
    format: ExportFormat,
    filters: TicketFilter = NO_FILTER,
) -> AsyncIterator[str]:
    """Yield the export as text pieces; joined, they form one CSV or JSON document."""
    rows = export_rows(session, viewer=viewer, filters=filters)
    if format == ExportFormat.CSV:
        async for piece in _csv(rows):
            yield piece
    else:
        async for piece in _json(rows):
            yield piece


async def _csv(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    async for row in rows:
        writer.writerow({**row, "tags": " ".join(row["tags"])})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def _json(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    yield "["
    first = True
    async for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"
