"""The ticket conversation: messages, replies, internal notes, edits, reactions, acks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, NotFound, ValidationError
from core.models import Message, MessageCopy, Reaction, SourceChannel, Ticket, User, utcnow
from core.rules import permissions
from core.rules.validation import clean_message_body
from core.services import audit, mirroring
from core.services.attachments import SharedFile, attach
from core.services.events import EventKind
from core.services.loading import load_message, load_ticket
from core.services.notifications import emit

ACK_EMOJI = frozenset({"eyes", "white_check_mark"})
EMOJI_MAX = 100


async def post_message(
    session: AsyncSession,
    *,
    actor: User,
    ticket: str | int,
    body: str,
    internal: bool = False,
    reply_to: int | None = None,
    source: SourceChannel = SourceChannel.SLACK,
    origin: mirroring.SlackOrigin | None = None,
    files: Sequence[SharedFile] = (),
) -> Message:
    """Post to the conversation. A reply to an internal note is itself internal.

    `origin` is the mirrored Slack thread message it was typed as; it is relayed to every
    other thread (internal notes: only to the author org's own thread). `files` came with
    it and become the ticket's attachments.
    """
    text = clean_message_body(body)
    row = await load_ticket(session, actor=actor, ticket=ticket, for_update=True)
    parent: Message | None = None
    if reply_to is not None:
        parent, parent_ticket = await load_message(session, actor=actor, message_id=reply_to)
        if parent_ticket.id != row.id:
            raise ValidationError(
                f"That message belongs to {parent_ticket.display_id}, not {row.display_id}.",
                field="reply_to",
            )
        internal = internal or parent.is_internal
    message = Message(
        ticket_id=row.id,
        author_id=actor.id,
        author_org_id=actor.org_id,
        body=text,
        is_internal=internal,
        reply_to_id=parent.id if parent else None,
        source_channel=source,
        created_at=utcnow(),
    )
    session.add(message)
    needed_response = row.needs_response
    if not internal:
        _track_needs_response(row, actor)
    await session.flush()
    attach(session, message, files, uploader=actor)
    if internal:
        kind = EventKind.NOTE
    else:
        kind = EventKind.REPLY if parent else EventKind.MESSAGE
    audit.record(session, ticket=row, actor=actor, action=kind.value, new=str(message.id))
    # Relays first: their outbox rows get lower ids, so they go out before the DMs.
    await mirroring.relay_message(session, message, origin=origin)
    await emit(
        session,
        kind=kind,
        ticket=row,
        actor=actor,
        activity=f"{actor.name} ({actor.org.name}): {text}",
        message=message,
    )
    if row.needs_response != needed_response:
        await mirroring.cards_changed(session, row)
    return message


def _track_needs_response(ticket: Ticket, actor: User) -> None:
    """Requester messages need a response; any public word from the assigned org clears it."""
    if actor.org_id == ticket.assigned_org_id:
        ticket.needs_response = False
    elif actor.org_id == ticket.requester_org_id:
        ticket.needs_response = True


async def edit_message(
    session: AsyncSession, *, actor: User, message_id: int, body: str
) -> Message:
    text = clean_message_body(body)
    message, ticket = await load_message(session, actor=actor, message_id=message_id)
    permissions.require_edit_message(actor, message)
    if message.is_deleted:
        raise ValidationError("That message was deleted; post a new one instead.")
    if message.body == text:
        return message
    audit.record(
        session,
        ticket=ticket,
        actor=actor,
        action="message.edited",
        field=str(message.id),
        old=message.body,
        new=text,
    )
    message.body = text
    message.edited_at = utcnow()
    await mirroring.relay_change(session, message, deleted=False)
    return message


async def delete_message(session: AsyncSession, *, actor: User, message_id: int) -> Message:
    """Soft delete: the row stays for threading and audit, the text is gone."""
    message, ticket = await load_message(session, actor=actor, message_id=message_id)
    permissions.require_delete_message(actor, message)
    if message.is_deleted:
        return message
    audit.record(
        session, ticket=ticket, actor=actor, action="message.deleted", field=str(message.id)
    )
    message.body = ""
    message.deleted_at = utcnow()
    await mirroring.relay_change(session, message, deleted=True)
    return message


def _clean_emoji(emoji: str) -> str:
    name = emoji.strip().strip(":").lower()
    if not name or len(name) > EMOJI_MAX or any(c.isspace() for c in name):
        raise ValidationError(f"'{emoji}' is not an emoji name.", field="emoji")
    return name


async def react(
    session: AsyncSession,
    *,
    actor: User,
    message_id: int,
    emoji: str,
    on: MessageCopy | None = None,
) -> Reaction | None:
    """Record a reaction (once). An ack emoji from the assigned org also acknowledges.

    `on` is the Slack copy it was made on; the others get it mirrored."""
    name = _clean_emoji(emoji)
    message, ticket = await load_message(
        session, actor=actor, message_id=message_id, for_update=True
    )
    if message.is_deleted:
        raise NotFound("That message was deleted.")
    existing = await session.scalar(
        select(Reaction).where(
            Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == name
        )
    )
    if existing is not None:
        return None
    reaction = Reaction(message_id=message.id, user_id=actor.id, emoji=name, created_at=utcnow())
    session.add(reaction)
    await session.flush()
    audit.record(
        session,
        ticket=ticket,
        actor=actor,
        action="reaction.added",
        field=str(message.id),
        new=name,
    )
    await emit(
        session,
        kind=EventKind.REACTION,
        ticket=ticket,
        actor=actor,
        activity=f"{actor.name} reacted :{name}: to: {message.body}",
        message=message,
    )
    await mirroring.relay_reaction(session, message, emoji=name, added=True, on=on)
    if name in ACK_EMOJI and _may_acknowledge(actor, ticket, message):
        await _acknowledge(session, actor=actor, ticket=ticket, message=message)
    return reaction


async def unreact(
    session: AsyncSession,
    *,
    actor: User,
    message_id: int,
    emoji: str,
    on: MessageCopy | None = None,
) -> bool:
    name = _clean_emoji(emoji)
    message, ticket = await load_message(session, actor=actor, message_id=message_id)
    result = await session.execute(
        delete(Reaction).where(
            Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == name
        )
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        audit.record(
            session,
            ticket=ticket,
            actor=actor,
            action="reaction.removed",
            field=str(message.id),
            old=name,
        )
        await mirroring.relay_reaction(session, message, emoji=name, added=False, on=on)
    return removed


def _may_acknowledge(actor: User, ticket: Ticket, message: Message) -> bool:
    return (
        actor.org_id == ticket.assigned_org_id
        and message.author_org_id != ticket.assigned_org_id
        and not message.is_internal
        and message.acknowledged_at is None
    )


async def acknowledge(session: AsyncSession, *, actor: User, message_id: int) -> Message:
    """The assigned org confirms it saw a message: needs-response clears, the author's org hears."""
    message, ticket = await load_message(
        session, actor=actor, message_id=message_id, for_update=True
    )
    if actor.org_id != ticket.assigned_org_id:
        raise Forbidden(
            f"Only members of {ticket.assigned_org.name}, which {ticket.display_id} is assigned "
            "to, can acknowledge messages."
        )
    if message.author_org_id == ticket.assigned_org_id or message.is_internal:
        raise ValidationError("Only messages from other orgs need acknowledging.")
    if message.acknowledged_at is None:
        await _acknowledge(session, actor=actor, ticket=ticket, message=message)
    return message


async def _acknowledge(
    session: AsyncSession, *, actor: User, ticket: Ticket, message: Message
) -> None:
    message.acknowledged_at = utcnow()
    message.acknowledged_by_id = actor.id
    ticket.needs_response = False
    await mirroring.cards_changed(session, ticket)
    audit.record(
        session, ticket=ticket, actor=actor, action="message.acknowledged", field=str(message.id)
    )
    await emit(
        session,
        kind=EventKind.ACKNOWLEDGED,
        ticket=ticket,
        actor=actor,
        activity=f"{actor.name} ({actor.org.name}) acknowledged: {message.body}",
        message=message,
    )
