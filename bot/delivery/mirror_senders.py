"""Senders of thread mirroring deliveries (`core.services.mirroring`): open a thread with the
ticket card, refresh cards, and relay posts, edits, deletes and reactions between threads.

Every sender renders from the database as it is when the row is delivered, so a delayed
card update or relay shows the latest state, and a retried one is harmless.
"""

from __future__ import annotations

import re
from typing import Any

from bot.delivery.failures import Permanent
from bot.delivery.senders import Job, post_in_channel, required
from bot.slack.blocks import ticket_card
from bot.slack.blocks.card_actions import actions_for_org
from bot.slack.blocks.text import md
from core.models import Message, Organization, ThreadKind, TicketThread
from core.outbox import lookups, status
from core.outbox.lookups import RelayedCopy

RELAY_TEXT_MAX = 39_000
SUMMARY_MAX = 2_900
_BROADCAST = re.compile(r"<!(channel|here|everyone)(\|[^>]*)?>")
_DONE = frozenset({"already_reacted", "no_reaction", "message_not_found"})


def _thread_id(job: Job) -> int:
    return int(required(job.row.payload.get("thread_id"), "thread_id"))


async def _card_for(job: Job, thread: TicketThread) -> dict[str, Any]:
    async with job.reads.begin() as session:
        ticket, org = await lookups.card_subject(session, thread)
        return ticket_card(ticket, actions_for_org(org, ticket))


def _with_context(card: dict[str, Any], text: str | None) -> dict[str, Any]:
    if not text:
        return card
    context = {"type": "context", "elements": [{"type": "mrkdwn", "text": md(text, SUMMARY_MAX)}]}
    return {**card, "blocks": [*card["blocks"], context]}


async def open_thread(job: Job) -> None:
    """Post the card that roots an org's ticket thread (or a feed card), remember its ts."""
    async with job.reads.begin() as session:
        thread = await lookups.thread(session, _thread_id(job))
    if thread.thread_ts is not None:
        return
    card = _with_context(await _card_for(job, thread), job.row.payload.get("summary"))
    posted = await post_in_channel(job, thread.slack_channel, card)
    async with job.sessions.begin() as session:
        await status.thread_posted(session, thread_id=thread.id, ts=str(posted["ts"]))


async def update_card(job: Job) -> None:
    """Re-render the card in place; queued updates of the same thread are covered too."""
    async with job.sessions.begin() as session:
        thread = await lookups.thread(session, _thread_id(job))
        await status.coalesce_pending(session, job.row)
    if thread.thread_ts is None:
        return  # the root is not posted yet, and will be rendered as the ticket is then
    card = await _card_for(job, thread)
    if thread.kind == ThreadKind.ESCALATION_FEED:
        card["text"] = f"Escalation: {card['text']}"
    client = job.slack.client
    ts = thread.thread_ts
    await job.slack(
        "chat.update", lambda: client.chat_update(channel=thread.slack_channel, ts=ts, **card)
    )


async def _copy(job: Job) -> RelayedCopy:
    """The copy, its message, author, author's org and the thread it goes to."""
    copy_id = int(required(job.row.payload.get("copy_id"), "copy_id"))
    async with job.reads.begin() as session:
        found = await lookups.relayed_copy(session, copy_id)
    if found is None:
        raise Permanent(f"message copy {copy_id} no longer exists")
    return found


def relay_text(message: Message, org: Organization) -> str:
    """The body as typed, with broadcast mentions made inert in the other org's channel."""
    body = _BROADCAST.sub(lambda m: f"@{m.group(1)}", message.body)[:RELAY_TEXT_MAX]
    label = f"*{md(org.name, 200)}*"
    if message.is_internal:
        return f":lock: _Internal note, visible to {md(org.name, 200)} only_\n{body}"
    return f"{label}: {body}"


async def relay_post(job: Job) -> None:
    copy, message, author, org, thread = await _copy(job)
    if copy.ts is not None or message.is_deleted:
        return
    if thread.thread_ts is None:
        raise Permanent("the ticket thread was never posted")
    text = relay_text(message, org)
    posted = await post_in_channel(
        job,
        thread.slack_channel,
        {"text": text, "username": f"{author.name} ({org.name})"[:80], "unfurl_links": False},
        thread_ts=thread.thread_ts,
    )
    async with job.sessions.begin() as session:
        await status.copy_posted(session, copy_id=copy.id, ts=str(posted["ts"]))


async def relay_edit(job: Job) -> None:
    copy, message, _author, org, _thread = await _copy(job)
    if copy.ts is None or message.is_deleted:
        return  # not posted yet (the post will carry the new text), or gone
    client = job.slack.client
    ts, text = copy.ts, relay_text(message, org)
    await job.slack(
        "chat.update", lambda: client.chat_update(channel=copy.slack_channel, ts=ts, text=text)
    )


async def relay_delete(job: Job) -> None:
    copy, *_ = await _copy(job)
    if copy.ts is None:
        return
    client = job.slack.client
    ts = copy.ts
    await _tolerating(
        job, "chat.delete", lambda: client.chat_delete(channel=copy.slack_channel, ts=ts)
    )


async def _react(job: Job, *, added: bool) -> None:
    copy, *_ = await _copy(job)
    if copy.ts is None:
        return
    client = job.slack.client
    emoji = str(job.row.payload["emoji"])
    ts = copy.ts
    if added:
        await _tolerating(
            job,
            "reactions.add",
            lambda: client.reactions_add(channel=copy.slack_channel, timestamp=ts, name=emoji),
        )
    else:
        await _tolerating(
            job,
            "reactions.remove",
            lambda: client.reactions_remove(channel=copy.slack_channel, timestamp=ts, name=emoji),
        )


async def _tolerating(job: Job, method: str, call: Any) -> None:
    """Errors that mean the work is already done count as success."""
    try:
        await job.slack(method, call)
    except Permanent as err:
        if err.error not in _DONE:
            raise


async def relay_react(job: Job) -> None:
    await _react(job, added=True)


async def relay_unreact(job: Job) -> None:
    await _react(job, added=False)
