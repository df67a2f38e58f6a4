"""Ticket endpoints: create, list, show, update, escalate, de-escalate, export.

Each handler translates its validated input into calls of the core services, which do every
permission and visibility check (SPEC §1); nothing here decides who may do what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from api.endpoint import Call, Endpoint
from api.errors import STREAMING_KEY
from api.schemas import (
    CsvExport,
    ExportQuery,
    JsonExport,
    ReasonBody,
    TicketCreate,
    TicketDetail,
    TicketFilters,
    TicketListQuery,
    TicketOut,
    TicketPage,
    TicketUpdate,
)
from api.views import ticket_detail, ticket_out
from core.errors import NotFound, ValidationError
from core.models import SourceChannel, User
from core.rules.filters import FILTER_KEYS, TicketFilter, parse_filters
from core.services import escalation, queries, relations, tickets
from core.services.export import ExportFormat, export_tickets
from core.services.filters import resolve_filter
from core.services.loading import load_ticket, org_by_slug, user_by_email


async def _user(call: Call, ref: str, *, field: str) -> User:
    if ref.strip().lower() == "me":
        return call.user
    try:
        return await user_by_email(call.session, ref)
    except NotFound as err:
        raise ValidationError(err.message, field=field) from None


async def to_filter(call: Call, query: TicketFilters) -> TicketFilter:
    """Query parameters → the core `TicketFilter`, validated before anything is streamed.

    Pydantic has checked the types (and documents them); the values go through the same
    parser as Slack's and the CLI's, so an unknown org is the same 422 on `org` here.
    """
    given = query.model_dump(include=set(FILTER_KEYS), exclude_none=True)
    spec = parse_filters({key: str(value) for key, value in given.items()})
    return await resolve_filter(call.session, spec, viewer=call.user)


async def create_ticket(call: Call) -> TicketOut:
    body = call.body_as(TicketCreate)
    for_org = None
    if body.org is not None:
        try:
            for_org = await org_by_slug(call.session, body.org)
        except NotFound as err:
            raise ValidationError(err.message, field="org") from None
    ticket = await tickets.create(
        call.session,
        actor=call.user,
        title=body.title,
        description=body.description,
        severity=body.severity,
        for_org=for_org,
        part=body.part,
        group=body.group,
        tags=body.tags,
        subtype=body.subtype,
        source=SourceChannel.API,
        target_close_date=body.target_close_date,
        custom_attributes=body.custom_attributes,
    )
    return ticket_out(ticket)


async def list_tickets(call: Call) -> TicketPage:
    query = call.query_as(TicketListQuery)
    page = await queries.list_tickets(
        call.session,
        viewer=call.user,
        filters=await to_filter(call, query),
        limit=query.limit,
        cursor=int(query.cursor) if query.cursor else None,
    )
    return TicketPage(
        items=[ticket_out(t) for t in page.tickets],
        next_cursor=str(page.next_cursor) if page.next_cursor is not None else None,
    )


async def show_ticket(call: Call) -> TicketDetail:
    return ticket_detail(await queries.show(call.session, viewer=call.user, ticket=call.ticket_id))


DESCRIPTIVE_FIELDS = frozenset(
    {"title", "description", "part", "group", "subtype", "target_close_date"}
)


async def update_ticket(call: Call) -> TicketOut:
    """Apply the given fields in a fixed order, all in the request's one transaction."""
    body = call.body_as(TicketUpdate)
    given = body.model_fields_set
    session, actor, ref = call.session, call.user, call.ticket_id
    ticket = await load_ticket(session, actor=actor, ticket=ref)
    if body.tags is not None:
        ticket = await relations.update_tags(
            session, actor=actor, ticket=ref, add=body.tags.add, remove=body.tags.remove
        )
    if body.severity is not None:
        ticket = await tickets.set_severity(
            session, actor=actor, ticket=ref, severity=body.severity
        )
    if "owner" in given:
        owner = await _user(call, body.owner, field="owner") if body.owner is not None else None
        ticket = await tickets.assign(session, actor=actor, ticket=ref, assignee=owner)
    fields: dict[str, Any] = {f: getattr(body, f) for f in given & DESCRIPTIVE_FIELDS}
    if fields:
        ticket = await tickets.update_fields(session, actor=actor, ticket=ref, **fields)
    if body.stage is not None:
        ticket = await tickets.change_stage(session, actor=actor, ticket=ref, stage=body.stage)
    return ticket_out(ticket)


async def escalate(call: Call) -> TicketOut:
    reason = call.body_as(ReasonBody).reason
    ticket = await escalation.escalate(
        call.session, actor=call.user, ticket=call.ticket_id, reason=reason
    )
    return ticket_out(ticket)


async def deescalate(call: Call) -> TicketOut:
    reason = call.body_as(ReasonBody).reason
    ticket = await escalation.deescalate(
        call.session, actor=call.user, ticket=call.ticket_id, reason=reason
    )
    return ticket_out(ticket)


MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSON: "application/json"}


async def export(call: Call) -> web.StreamResponse:
    """Stream the export as it is read; memory stays flat at any size."""
    query = call.query_as(ExportQuery)
    filters = await to_filter(call, query)
    pieces = export_tickets(call.session, viewer=call.user, format=query.format, filters=filters)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = web.StreamResponse(
        headers={
            "Content-Disposition": f'attachment; filename="tickets-{stamp}.{query.format.value}"'
        }
    )
    response.content_type = MEDIA_TYPES[query.format]
    response.charset = "utf-8"
    response.enable_chunked_encoding()
    await response.prepare(call.request)
    call.request[STREAMING_KEY] = True  # from here on, a failure aborts the connection
    async for piece in pieces:
        await response.write(piece.encode("utf-8"))
    await response.write_eof()
    return response


TICKET_ERRORS = (403, 404, 409)

ENDPOINTS = [
    Endpoint(
        "POST",
        "/tickets",
        "createTicket",
        "File a ticket (source channel `api`), routed and auto-assigned as from Slack",
        create_ticket,
        TicketOut,
        "tickets.create",
        status=201,
        body=TicketCreate,
        errors=(400, 403),
    ),
    Endpoint(
        "GET",
        "/tickets",
        "listTickets",
        "Tickets your org can see, newest first, filtered, one page at a time",
        list_tickets,
        TicketPage,
        "queries.list_tickets",
        query=TicketListQuery,
    ),
    Endpoint(
        "GET",
        "/tickets/export",
        "exportTickets",
        "Every ticket your org can see that matches the filters, as CSV or JSON (streamed)",
        export,
        JsonExport,
        "export.export_tickets",
        query=ExportQuery,
        media={"text/csv": CsvExport, "application/json": JsonExport},
    ),
    Endpoint(
        "GET",
        "/tickets/{ticket_id}",
        "getTicket",
        "One ticket, with its links and attachments",
        show_ticket,
        TicketDetail,
        "queries.show",
        errors=(404,),
    ),
    Endpoint(
        "PATCH",
        "/tickets/{ticket_id}",
        "updateTicket",
        "Change stage, owner, severity, tags or descriptive fields (all or nothing)",
        update_ticket,
        TicketOut,
        "relations.update_tags, tickets.set_severity, tickets.assign, tickets.update_fields, "
        "tickets.change_stage",
        body=TicketUpdate,
        errors=(400, *TICKET_ERRORS),
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/escalate",
        "escalateTicket",
        "Escalate a partner's ticket to the platform",
        escalate,
        TicketOut,
        "escalation.escalate",
        body=ReasonBody,
        errors=(400, *TICKET_ERRORS),
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/deescalate",
        "deescalateTicket",
        "Return an escalated ticket to the partner that escalated it",
        deescalate,
        TicketOut,
        "escalation.deescalate",
        body=ReasonBody,
        errors=(400, *TICKET_ERRORS),
    ),
]
