"""Request and response bodies of the REST API; the OpenAPI document is generated from them.

Request models forbid unknown fields, so a typo is a 422 that names it instead of a field
silently ignored. Values are cleaned and checked once more by the core services (the one
place that knows the rules); the constraints here document them and catch the obvious.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from api.fields import Cursor, DbId, JsonObject, Limit, Text
from core.models.messages import MESSAGE_MAX
from core.models.tickets import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    LinkKind,
    Severity,
    SourceChannel,
    Subtype,
)
from core.rules.stages import Stage, State
from core.services.escalation import REASON_MAX
from core.services.export import ExportFormat

STAGE_HELP = (
    "A stage name (e.g. work_in_progress) or its short form (Q, WIP, APA, ACR, AD, ID, C, A, R)."
)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(Response):
    field: str
    message: str


class ErrorBody(Response):
    code: str = Field(description="Stable, machine-readable: e.g. not_found, validation_error.")
    message: str = Field(description="For people: what went wrong and how to fix it.")
    field: str | None = Field(default=None, description="The offending input, when there is one.")
    details: list[ErrorDetail] | None = None


class ErrorResponse(Response):
    error: ErrorBody


# --- path and query parameters ---------------------------------------------------------------


class TicketPath(Request):
    ticket_id: str = Field(
        pattern=r"^([Tt][Kk][Tt]-?)?[0-9]{1,18}$",
        description="The display id (TKT-12) or its number (12).",
        examples=["TKT-1"],
    )


class TicketFilters(Request):
    stage: Text | None = Field(default=None, max_length=40, description=STAGE_HELP)
    state: State | None = None
    org: Text | None = Field(
        default=None,
        max_length=64,
        description="Requester org slug; one that names no organization is a 422 on `org`.",
    )
    owner: Text | None = Field(
        default=None, max_length=320, description="Owner e-mail, or `me` (unknown: matches none)."
    )
    severity: Severity | None = None
    tag: Text | None = Field(default=None, max_length=64)
    since: date | None = Field(default=None, description="Created on or after (YYYY-MM-DD).")


class TicketListQuery(TicketFilters):
    limit: Limit = 25
    cursor: Cursor = None


class ExportQuery(TicketFilters):
    format: ExportFormat = ExportFormat.CSV


class PageQuery(Request):
    limit: Limit = 25
    cursor: Cursor = None


# --- request bodies --------------------------------------------------------------------------


class TicketCreate(Request):
    title: Text = Field(min_length=1, max_length=TITLE_MAX)
    description: Text = Field(default="", max_length=DESCRIPTION_MAX)
    severity: Severity = Severity.MEDIUM
    org: Text | None = Field(
        default=None,
        max_length=64,
        description="File for this org (slug): platform members for any org, partners for "
        "their sub-orgs. Default: your own org.",
    )
    part: Text | None = Field(default=None, max_length=100)
    group: Text | None = Field(default=None, max_length=100)
    tags: list[Annotated[Text, Field(max_length=64)]] = Field(default=[], max_length=50)
    subtype: Subtype | None = None
    target_close_date: date | None = None
    custom_attributes: JsonObject | None = None


class TagChange(Request):
    add: list[Annotated[Text, Field(max_length=64)]] = Field(default=[], max_length=50)
    remove: list[Annotated[Text, Field(max_length=64)]] = Field(default=[], max_length=50)


class TicketUpdate(Request):
    """Only the fields present change; all of them in one transaction, or none."""

    stage: Text | None = Field(default=None, max_length=40, description=STAGE_HELP)
    owner: Text | None = Field(
        default=None,
        max_length=320,
        description="E-mail of a member of the assigned org, or `me`; null unassigns.",
    )
    severity: Severity | None = None
    tags: TagChange | None = None
    title: Text | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    description: Text | None = Field(default=None, max_length=DESCRIPTION_MAX)
    part: Text | None = Field(default=None, max_length=100)
    group: Text | None = Field(default=None, max_length=100)
    subtype: Subtype | None = None
    target_close_date: date | None = None


class ReasonBody(Request):
    reason: Text | None = Field(default=None, max_length=REASON_MAX)


class MessageCreate(Request):
    body: Text = Field(min_length=1, max_length=MESSAGE_MAX)
    reply_to: DbId | None = Field(default=None, description="Id of a message of this ticket.")


class NoteCreate(Request):
    body: Text = Field(min_length=1, max_length=MESSAGE_MAX)


# --- responses -------------------------------------------------------------------------------


class OrgRef(Response):
    slug: str
    name: str


class UserRef(Response):
    email: str
    name: str


class Me(Response):
    user: UserRef
    org: OrgRef
    roles: list[str]


class TicketOut(Response):
    id: str = Field(description="Display id, e.g. TKT-12.")
    number: int
    title: str
    description: str
    stage: Stage
    state: State
    allowed_stages: list[Stage] = Field(description="Stages the transition table allows next.")
    severity: Severity
    subtype: Subtype | None
    requester_org: OrgRef
    assigned_org: OrgRef
    escalated_from_org: OrgRef | None
    owner: UserRef | None
    tags: list[str]
    part: str | None
    group: str | None
    needs_response: bool
    source_channel: SourceChannel
    custom_attributes: dict[str, Any]
    target_close_date: date | None
    closed_at: datetime | None
    created_at: datetime
    modified_at: datetime


class LinkOut(Response):
    kind: LinkKind = Field(description="How the linked ticket relates to this one.")
    ticket: str
    title: str
    stage: Stage


class AttachmentOut(Response):
    name: str
    mimetype: str | None
    size: int | None
    url: str | None
    created_at: datetime


class TicketDetail(TicketOut):
    links: list[LinkOut]
    attachments: list[AttachmentOut]
    subscriber_count: int


class TicketPage(Response):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: done.")


class MessageOut(Response):
    id: int
    ticket: str
    author: UserRef
    author_org: OrgRef
    body: str
    internal: bool = Field(description="An internal note: seen only by the author's org.")
    reply_to: int | None
    source_channel: SourceChannel
    reactions: dict[str, int]
    created_at: datetime
    edited_at: datetime | None
    acknowledged_at: datetime | None


class MessagePage(Response):
    items: list[MessageOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: done.")


class ExportRow(Response):
    """One ticket of a JSON export (the CSV export has the same columns, tags space-joined)."""

    id: str
    title: str
    stage: Stage
    state: State
    severity: Severity
    requester_org: str
    assigned_org: str
    owner: str | None
    tags: list[str]
    subtype: Subtype | None
    part: str | None
    group: str | None
    needs_response: bool
    source_channel: SourceChannel
    created_at: datetime
    modified_at: datetime
    closed_at: datetime | None
    target_close_date: date | None
    description: str


class JsonExport(RootModel[list[ExportRow]]):
    """A JSON array of tickets, oldest first."""


class CsvExport(RootModel[str]):
    """CSV with a header row; the columns of `ExportRow`, tags joined by spaces."""
