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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.deps import BotDeps
from bot.slack.identity import SlackIdentity
from bot.slack.listeners.common import Sender, in_transaction_as
from bot.slack.refusals import refusal_for
from core.outbox import status as delivery_status
from core.services import conversation, lookups, mirroring, receipts
from core.services.attachments import SharedFile

log = logging.getLogger(__name__)

# Message subtypes that are a person saying something in the thread.
SPOKEN = frozenset({None, "thread_broadcast", "file_share"})


def _who(body: dict[str, Any], event: dict[str, Any], user: str | None) -> SlackIdentity | None:
    team = event.get("user_team") or event.get("team") or body.get("team_id")
    return SlackIdentity(team=str(team), user=str(user)) if team and user else None


async def _take_in(
    deps: BotDeps,
    client: AsyncWebClient,
    who: SlackIdentity,
    work: Callable[[AsyncSession, Sender], Awaitable[None]],
) -> str | None:
    """Run `work` in one transaction as the event's sender; returns what to tell them, if
    their activity was not recorded."""
    try:
        await in_transaction_as(deps, client, who, work)
    except Exception as err:
        return refusal_for(err, in_thread=True).text
    return None


async def _tell(
    client: AsyncWebClient, channel: str, user: str, text: str, thread_ts: str | None
) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
    except SlackApiError as err:
        log.info("could not tell a user why their message was not recorded: %s", err)


def _shared_files(event: dict[str, Any]) -> list[SharedFile]:
    return [
        SharedFile(
            name=file.get("name") or file.get("title") or "file",
            slack_file_id=file.get("id"),
            mimetype=file.get("mimetype"),
            size=file.get("size"),
            url=file.get("permalink") or file.get("url_private"),
        )
        for file in event.get("files") or []
    ]


def _body_with_files(text: str, files: list[SharedFile]) -> str:
    lines = [text]
    for file in files:
        lines.append(
            f":paperclip: <{file.url}|{file.name}>" if file.url else f":paperclip: {file.name}"
        )
    return "\n".join(line for line in lines if line)


async def on_posted(
    deps: BotDeps, body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
) -> None:
    channel, ts, thread_ts = event["channel"], event["ts"], event.get("thread_ts")
    who = _who(body, event, event.get("user"))
    if not thread_ts or thread_ts == ts or who is None:
        return  # a top-level channel message: not a ticket conversation

    async def work(session: AsyncSession, sender: Sender) -> None:
        thread = await mirroring.thread_at(session, channel, thread_ts)
        if thread is None:
            return
        keys = [f"event:{body.get('event_id')}", f"message:{who.team}:{channel}:{ts}"]
        if not await receipts.first_time(session, keys):
            return
        files = _shared_files(event)
        await conversation.post_message(
            session,
            actor=await sender(),
            ticket=thread.ticket_id,
            body=_body_with_files(event.get("text") or "", files),
            origin=mirroring.SlackOrigin(thread, ts),
            files=files,
        )

    refusal = await _take_in(deps, client, who, work)
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

    async def work(session: AsyncSession, sender: Sender) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None or not copy.is_origin:
            return
        edited_at = (new.get("edited") or {}).get("ts") or event.get("event_ts")
        keys = [f"event:{body.get('event_id')}", f"edit:{channel}:{ts}:{edited_at}"]
        if not await receipts.first_time(session, keys):
            return
        await conversation.edit_message(
            session, actor=await sender(), message_id=copy.message_id, body=new.get("text") or ""
        )

    refusal = await _take_in(deps, client, who, work)
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

    async def work(session: AsyncSession, sender: Sender) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None or not copy.is_origin:
            return
        if not await receipts.first_time(session, [f"delete:{channel}:{ts}"]):
            return
        await conversation.delete_message(session, actor=await sender(), message_id=copy.message_id)

    await _take_in(deps, client, who, work)


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

    async def work(session: AsyncSession, sender: Sender) -> None:
        copy = await mirroring.copy_at(session, channel, ts)
        if copy is None:
            return
        thread_ts[0] = (await lookups.thread_of(session, copy)).thread_ts
        keys = [
            f"event:{body.get('event_id')}",
            f"reaction:{channel}:{ts}:{who.user}:{emoji}:{added}:{event.get('event_ts')}",
        ]
        if not await receipts.first_time(session, keys):
            return
        user = await sender()
        if added:
            await conversation.react(
                session, actor=user, message_id=copy.message_id, emoji=emoji, on=copy
            )
        else:
            await conversation.unreact(
                session, actor=user, message_id=copy.message_id, emoji=emoji, on=copy
            )

    refusal = await _take_in(deps, client, who, work)
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
            count = await delivery_status.requeue_dead_for_channel(
                session, channel=event["channel"]
            )
        if count:
            log.info("requeued %d deliveries for a channel the bot just joined", count)
