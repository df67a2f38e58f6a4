"""Activity in mirrored ticket threads (SPEC §4): messages, edits, deletes, reactions.

Each event is recorded once (receipts on `event_id` and on the Slack message itself, in the
transaction of its effect) and only if it is a person's: the bot's own posts, relayed
copies and their unfurl edits are never taken in again, so nothing loops.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.deps import BotDeps
from bot.slack.identity import SlackIdentity, not_mapped_text
from bot.slack.listeners.common import UNAVAILABLE
from core.errors import NotFound, ThreadlineError
from core.models import Attachment, TicketThread, User
from core.outbox import queue as delivery_queue
from core.services import conversation, mirroring, receipts
from core.services.loading import load_ticket

log = logging.getLogger(__name__)

# Message subtypes that are a person saying something in the thread.
SPOKEN = frozenset({None, "thread_broadcast", "file_share"})
NOT_INVOLVED = (
    "This thread belongs to a ticket your organization is not part of, so your message was "
    "not recorded. Ask the ticket's support team to involve your org, or file your own "
    "ticket with `/ticket new`."
)


def _who(body: dict[str, Any], event: dict[str, Any], user: str | None) -> SlackIdentity | None:
    team = event.get("user_team") or event.get("team") or body.get("team_id")
    return SlackIdentity(team=str(team), user=str(user)) if team and user else None


class _Refused(Exception):
    """Tell the person why nothing was recorded (an ephemeral reply in the thread)."""


async def _in_transaction(
    deps: BotDeps,
    client: AsyncWebClient,
    who: SlackIdentity,
    work: Callable[[AsyncSession, Callable[[], Awaitable[User]]], Awaitable[None]],
) -> str | None:
    """Run `work` in one transaction; returns the text to tell the person, if any."""
    try:
        async with deps.sessions.begin() as session:

            async def actor() -> User:
                user = await deps.identities.resolve(session, client, who)
                if user is None:
                    raise _Refused(not_mapped_text(who))
                return user

            await work(session, actor)
    except _Refused as refused:
        return str(refused)
    except NotFound:
        return NOT_INVOLVED
    except ThreadlineError as err:
        return f":warning: {err.message} Nothing was recorded."
    except (DBAPIError, OSError) as err:
        log.error("database unavailable for a thread event: %s", type(err).__name__)
        return f":hourglass: {UNAVAILABLE}"
    return None


async def _tell(
    client: AsyncWebClient, channel: str, user: str, text: str, thread_ts: str | None
) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except SlackApiError as err:
        log.info("could not tell a user why their message was not recorded: %s", err)


def _body_with_files(event: dict[str, Any]) -> str:
    lines = [event.get("text") or ""]
    for file in event.get("files") or []:
        link = file.get("permalink") or file.get("url_private")
        name = file.get("name") or file.get("title") or "file"
        lines.append(f":paperclip: <{link}|{name}>" if link else f":paperclip: {name}")
    return "\n".join(line for line in lines if line)


async def on_posted(
    deps: BotDeps, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
) -> None:
    channel, ts, thread_ts = event["channel"], event["ts"], event.get("thread_ts")
    who = _who(body, event, event.get("user"))
    if not thread_ts or thread_ts == ts or who is None:
        return  # a top-level channel message: not a ticket conversation

    async def work(session: AsyncSession, actor: Callable[[], Awaitable[User]]) -> None:
        thread = await mirroring.thread_at(session, channel, thread_ts)
        if thread is None:
            return
        keys = [f"event:{body.get('event_id')}", f"message:{who.team}:{channel}:{ts}"]
        if not await receipts.first_time(session, keys):
            return
        author = await actor()
        await load_ticket(session, actor=author, ticket=thread.ticket_id)
        message = await conversation.post_message(
            session,
            actor=author,
            ticket=thread.ticket_id,
            body=_body_with_files(event),
            origin=mirroring.SlackOrigin(thread, ts),
        )
        for file in event.get("files") or []:
            session.add(
                Attachment(
                    ticket_id=thread.ticket_id,
                    message_id=message.id,
                    uploaded_by_id=author.id,
                    slack_file_id=file.get("id"),
                    name=(file.get("name") or file.get("title") or "file")[:255],
                    mimetype=file.get("mimetype"),
                    size=file.get("size"),
                    url=file.get("permalink") or file.get("url_private"),
                )
            )

    refusal = await _in_transaction(deps, client, who, work)
    if refusal:
        quoted = "\n".join(f"> {line}" for line in (event.get("text") or "").splitlines())
        await _tell(client, channel, who.user, f"{refusal}\n{quoted}".strip(), thread_ts)


async def on_edited(
    deps: BotDeps, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
) -> None:
    new, old = event.get("message") or {}, event.get("previous_message") or {}
    if new.get("bot_id") or new.get("subtype") == "bot_message":
        return  # our relayed copies and cards (unfurls included) are never taken back in
    if new.get("text") == old.get("text"):
        return  # an unfurl or metadata change, not an edit
    channel, ts = event["channel"], new.get("ts")
    who = _who(body, new, new.get("user"))
    if not ts or who is None:
        return

    async def work(session: AsyncSession, actor: Callable[[], Awaitable[User]]) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None or not copy.is_origin:
            return
        edited_at = (new.get("edited") or {}).get("ts") or event.get("event_ts")
        keys = [f"event:{body.get('event_id')}", f"edit:{channel}:{ts}:{edited_at}"]
        if not await receipts.first_time(session, keys):
            return
        await conversation.edit_message(
            session, actor=await actor(), message_id=copy.message_id, body=new.get("text") or ""
        )

    refusal = await _in_transaction(deps, client, who, work)
    if refusal:
        await _tell(client, channel, who.user, refusal, new.get("thread_ts"))


async def on_deleted(
    deps: BotDeps, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
) -> None:
    old = event.get("previous_message") or {}
    if old.get("bot_id"):
        return
    channel, ts = event["channel"], event.get("deleted_ts")
    who = _who(body, old, old.get("user"))  # Slack does not say who deleted: the author
    if not ts or who is None:
        return

    async def work(session: AsyncSession, actor: Callable[[], Awaitable[User]]) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None or not copy.is_origin:
            return
        if not await receipts.first_time(session, [f"delete:{channel}:{ts}"]):
            return
        await conversation.delete_message(session, actor=await actor(), message_id=copy.message_id)

    await _in_transaction(deps, client, who, work)


async def on_reaction(
    deps: BotDeps,
    body: dict[str, Any],
    event: dict[str, Any],
    client: AsyncWebClient,
    *,
    added: bool,
) -> None:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    channel, ts, emoji = item.get("channel"), item.get("ts"), event.get("reaction", "")
    who = _who(body, event, event.get("user"))
    if not channel or not ts or who is None:
        return
    thread_ts: list[str | None] = [None]

    async def work(session: AsyncSession, actor: Callable[[], Awaitable[User]]) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None:
            return
        thread = await session.get_one(TicketThread, copy.thread_id)
        thread_ts[0] = thread.thread_ts
        keys = [
            f"event:{body.get('event_id')}",
            f"reaction:{channel}:{ts}:{who.user}:{emoji}:{added}:{event.get('event_ts')}",
        ]
        if not await receipts.first_time(session, keys):
            return
        user = await actor()
        if added:
            await conversation.react(
                session, actor=user, message_id=copy.message_id, emoji=emoji, on=copy
            )
        else:
            await conversation.unreact(
                session, actor=user, message_id=copy.message_id, emoji=emoji, on=copy
            )

    refusal = await _in_transaction(deps, client, who, work)
    if refusal:
        await _tell(client, channel, who.user, refusal, thread_ts[0])


def register(app: AsyncApp, deps: BotDeps) -> None:
    @app.event("message")
    async def message(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            await on_edited(deps, body, event, client)
        elif subtype == "message_deleted":
            await on_deleted(deps, body, event, client)
        elif subtype in SPOKEN and not event.get("bot_id"):
            await on_posted(deps, body, event, client)

    @app.event("reaction_added")
    async def reaction_added(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await on_reaction(deps, body, event, client, added=True)

    @app.event("reaction_removed")
    async def reaction_removed(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await on_reaction(deps, body, event, client, added=False)

    @app.event("member_joined_channel")
    async def member_joined(
        body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
    ) -> None:
        """The bot was added to a channel: deliveries that died for not being in it go now."""
        if event.get("user") != context.get("bot_user_id"):
            return
        async with deps.sessions.begin() as session:
            count = await delivery_queue.requeue_dead_for_channel(session, channel=event["channel"])
        if count:
            log.info("requeued %d deliveries for a channel the bot just joined", count)
