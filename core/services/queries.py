"""Reading tickets: show one, list with filters and a cursor, full-text search.

Every query is scoped to the viewer's org through `ticket_involved_orgs`, so visibility is
enforced by the SQL itself, not by filtering afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    and_,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from core.errors import ValidationError
from core.models import (
    Attachment,
    Message,
    Reaction,
    Ticket,
    TicketInvolvedOrg,
    TicketLink,
    TicketSubscriber,
    TicketTag,
    User,
)
from core.models.tickets import LinkKind
from core.rules.filters import NO_FILTER, TicketFilter
from core.rules.stages import stages_in
from core.rules.validation import clean_tag, parse_severity
from core.services.loading import TICKET_LOAD_OPTIONS, load_ticket

PAGE_MAX = 100


@dataclass(frozen=True)
class Page:
    tickets: list[Ticket]
    next_cursor: int | None


@dataclass(frozen=True)
class LinkedTicket:
    kind: LinkKind
    ticket: Ticket


@dataclass
class MessageView:
    message: Message
    author: User
    reactions: dict[str, int] = field(default_factory=dict)


@dataclass
class TicketDetails:
    ticket: Ticket
    messages: list[MessageView]
    links: list[LinkedTicket]
    subscriber_ids: set[int]
    attachments: list[Attachment]


def visible_to(query: Select[Ticket], viewer: User | None) -> Select[Ticket]:
    if viewer is None:  # operator tools (CLI export) see everything
        return query
    return query.join(
        TicketInvolvedOrg,
        (TicketInvolvedOrg.ticket_id == Ticket.id) & (TicketInvolvedOrg.org_id == viewer.org_id),
    )


def apply_filter(query: Select[Ticket], filters: TicketFilter) -> Select[Ticket]:
    stages = set(filters.stages)
    if filters.states:
        by_state = set(stages_in(*filters.states))
        stages = stages & by_state if stages else by_state
        if not stages:
            return query.where(false())
    if stages:
        query = query.where(Ticket.stage.in_(sorted(stages)))
    if filters.requester_org_id is not None:
        query = query.where(Ticket.requester_org_id == filters.requester_org_id)
    if filters.owner_id is not None:
        query = query.where(Ticket.owner_id == filters.owner_id)
    if filters.severity is not None:
        query = query.where(Ticket.severity == parse_severity(filters.severity))
    if filters.tag is not None:
        tagged = select(TicketTag.ticket_id).where(TicketTag.tag == clean_tag(filters.tag))
        query = query.where(Ticket.id.in_(tagged))
    if filters.since is not None:
        query = query.where(Ticket.created_at >= filters.since)
    return query


async def list_tickets(
    session: AsyncSession,
    *,
    viewer: User,
    filters: TicketFilter = NO_FILTER,
    limit: int = 25,
    cursor: int | None = None,
) -> Page:
    """Newest first; pass `next_cursor` back to get the following page."""
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationError(f"limit must be between 1 and {PAGE_MAX}.", field="limit")
    query = apply_filter(visible_to(select(Ticket), viewer), filters)
    # Walk the viewer's involvement index newest-first instead of sorting all their tickets.
    if cursor is not None:
        query = query.where(TicketInvolvedOrg.ticket_id < cursor)
    query = (
        query.order_by(TicketInvolvedOrg.ticket_id.desc())
        .limit(limit + 1)
        .options(*TICKET_LOAD_OPTIONS)
    )
    rows = list((await session.scalars(query)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(tickets=rows, next_cursor=rows[-1].id if more else None)


async def show(session: AsyncSession, *, viewer: User, ticket: str | int) -> TicketDetails:
    """Everything the viewer may see of one ticket; other orgs' internal notes are left out."""
    row = await load_ticket(session, actor=viewer, ticket=ticket)
    visible_message = or_(Message.is_internal.is_(False), Message.author_org_id == viewer.org_id)
    messages = list(
        await session.scalars(
            select(Message)
            .where(Message.ticket_id == row.id, Message.deleted_at.is_(None), visible_message)
            .options(joinedload(Message.author))
            .order_by(Message.id)
        )
    )
    counts: dict[int, dict[str, int]] = {}
    if messages:
        reaction_rows = await session.execute(
            select(Reaction.message_id, Reaction.emoji, func.count())
            .where(Reaction.message_id.in_([m.id for m in messages]))
            .group_by(Reaction.message_id, Reaction.emoji)
        )
        for message_id, emoji, count in reaction_rows:
            counts.setdefault(message_id, {})[emoji] = count
    return TicketDetails(
        ticket=row,
        messages=[MessageView(m, m.author, counts.get(m.id, {})) for m in messages],
        links=await _links(session, row, viewer),
        subscriber_ids=set(
            await session.scalars(
                select(TicketSubscriber.user_id).where(TicketSubscriber.ticket_id == row.id)
            )
        ),
        attachments=list(
            await session.scalars(
                select(Attachment).where(Attachment.ticket_id == row.id).order_by(Attachment.id)
            )
        ),
    )


async def _links(session: AsyncSession, ticket: Ticket, viewer: User) -> list[LinkedTicket]:
    """Links the viewer can follow: a linked ticket they cannot see is not shown at all."""
    rows = list(
        await session.scalars(
            select(TicketLink).where(
                or_(TicketLink.ticket_id == ticket.id, TicketLink.other_ticket_id == ticket.id)
            )
        )
    )
    kinds: dict[int, LinkKind] = {}
    for link in rows:
        if link.ticket_id == ticket.id:
            kinds[link.other_ticket_id] = LinkKind(link.kind)
        else:
            kinds[link.ticket_id] = LinkKind(link.kind).inverse
    if not kinds:
        return []
    others = await session.scalars(
        visible_to(select(Ticket), viewer).where(Ticket.id.in_(kinds)).order_by(Ticket.id)
    )
    return [LinkedTicket(kinds[t.id], t) for t in others]


async def search(
    session: AsyncSession, *, viewer: User, query: str, limit: int = 25
) -> list[Ticket]:
    """Tickets whose title, description or visible messages match `query`, newest first."""
    words = query.strip()
    if not words:
        raise ValidationError("Give some words to search for.", field="query")
    if not 1 <= limit <= PAGE_MAX:
        raise ValidationError(f"limit must be between 1 and {PAGE_MAX}.", field="limit")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        ticket_hit, message_hit = _postgres_matches(words)
    elif dialect == "sqlite" and await _sqlite_has_fts(session):
        ticket_hit, message_hit = _sqlite_fts_matches(words)
    else:
        ticket_hit, message_hit = _like_matches(words)
    visible_message = or_(Message.is_internal.is_(False), Message.author_org_id == viewer.org_id)
    # Two index lookups joined by UNION, rather than an OR the planner would answer by
    # scanning tickets newest-first and testing each one.
    matching = union(
        select(Ticket.id).where(ticket_hit),
        select(Message.ticket_id).where(message_hit, Message.deleted_at.is_(None), visible_message),
    )
    newest_matches = (
        visible_to(select(Ticket), viewer)
        .where(Ticket.id.in_(matching))
        .order_by(TicketInvolvedOrg.ticket_id.desc())
        .limit(limit)
    )
    if dialect != "postgresql":
        found = await session.scalars(newest_matches.options(*TICKET_LOAD_OPTIONS))
        return list(found.unique())
    # PostgreSQL plans a full-text query anew each time (how many rows match depends on the
    # words): with the loaders' joins in it that took ~10 ms, for ~1 ms of execution. So the
    # match yields ids, and the tickets are loaded by id.
    ids = list(await session.scalars(newest_matches.with_only_columns(Ticket.id)))
    loaded = await session.scalars(
        select(Ticket).where(Ticket.id.in_(ids)).options(*TICKET_LOAD_OPTIONS)
    )
    by_id = {ticket.id: ticket for ticket in loaded.unique()}
    return [by_id[ticket_id] for ticket_id in ids]


# Inline SQL literals, not bind parameters: PostgreSQL matches these expressions to the GIN
# indexes of migration 0002 only when the text configuration is a constant in the query.
_ENGLISH = literal_column("'english'", String)
_SPACE = literal_column("' '", String)


def _postgres_matches(words: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    tsquery = func.websearch_to_tsquery(_ENGLISH, words)
    ticket_doc = func.to_tsvector(
        _ENGLISH, Ticket.title.op("||")(_SPACE).op("||")(Ticket.description)
    )
    message_doc = func.to_tsvector(_ENGLISH, Message.body)
    return ticket_doc.bool_op("@@")(tsquery), message_doc.bool_op("@@")(tsquery)


def _fts_query(words: str) -> str:
    # Quote every word so user input is never parsed as FTS5 syntax; AND them together.
    terms = [w.replace('"', '""') for w in words.split()]
    return " ".join(f'"{t}"' for t in terms)


def _sqlite_fts_matches(words: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    match = _fts_query(words)
    return Ticket.id.in_(_fts_rowids("tickets_fts", match)), Message.id.in_(
        _fts_rowids("messages_fts", match)
    )


def _fts_rowids(fts_table: str, match: str) -> Select[int]:
    fts = table(fts_table, column("rowid", Integer))
    return select(fts.c.rowid).where(literal_column(fts_table).op("MATCH")(match))


def _like_matches(words: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    terms = [w.lower() for w in words.split()]

    def every(*columns: SQLColumnExpression[str]) -> ColumnElement[bool]:
        return and_(
            *(or_(*(func.lower(c).contains(t, autoescape=True) for c in columns)) for t in terms)
        )

    return every(Ticket.title, Ticket.description), every(Message.body)


async def _sqlite_has_fts(session: AsyncSession) -> bool:
    found = await session.scalar(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tickets_fts'")
    )
    return found is not None
