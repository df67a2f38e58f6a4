"""Conversation endpoints: read the messages of a ticket, post a message or an internal note.

Visibility of internal notes (author's org only) comes from `queries.show`; posting goes
through `conversation.post_message`, which notifies and mirrors like a Slack message.
"""

from __future__ import annotations

from api.endpoint import Call, Endpoint
from api.schemas import MessageCreate, MessageOut, MessagePage, NoteCreate, PageQuery
from api.views import message_out, message_view_out
from core.models import SourceChannel
from core.models.tickets import DISPLAY_ID_PREFIX
from core.services import conversation, queries


async def list_messages(call: Call) -> MessagePage:
    """Oldest first. The cursor is the id of the last message of the previous page."""
    query = call.query_as(PageQuery)
    details = await queries.show(call.session, viewer=call.user, ticket=call.ticket_id)
    after = int(query.cursor) if query.cursor else 0
    remaining = [view for view in details.messages if view.message.id > after]
    page = remaining[: query.limit]
    more = len(remaining) > query.limit
    return MessagePage(
        items=[message_view_out(view, details.ticket.display_id) for view in page],
        next_cursor=str(page[-1].message.id) if more else None,
    )


async def _post(call: Call, body: str, *, internal: bool, reply_to: int | None) -> MessageOut:
    message = await conversation.post_message(
        call.session,
        actor=call.user,
        ticket=call.ticket_id,
        body=body,
        internal=internal,
        reply_to=reply_to,
        source=SourceChannel.API,
    )
    display_id = f"{DISPLAY_ID_PREFIX}{message.ticket_id}"
    return message_out(message, display_id, call.user, {})


async def post_message(call: Call) -> MessageOut:
    body = call.body_as(MessageCreate)
    return await _post(call, body.body, internal=False, reply_to=body.reply_to)


async def post_note(call: Call) -> MessageOut:
    return await _post(call, call.body_as(NoteCreate).body, internal=True, reply_to=None)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/tickets/{ticket_id}/messages",
        "listMessages",
        "The conversation: public messages, and your org's internal notes",
        list_messages,
        MessagePage,
        "queries.show",
        query=PageQuery,
        errors=(404,),
        tag="messages",
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/messages",
        "postMessage",
        "Post a public message (or a reply) seen and notified to every involved org",
        post_message,
        MessageOut,
        "conversation.post_message",
        status=201,
        body=MessageCreate,
        errors=(400, 404),
        tag="messages",
    ),
    Endpoint(
        "POST",
        "/tickets/{ticket_id}/notes",
        "postNote",
        "Post an internal note: seen only by your org, never relayed outside it",
        post_note,
        MessageOut,
        "conversation.post_message(internal=True)",
        status=201,
        body=NoteCreate,
        errors=(400, 404),
        tag="messages",
    ),
]
