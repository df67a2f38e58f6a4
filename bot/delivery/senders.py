"""Senders of notifications (channel posts, DMs, App Home refreshes), and what every sender
shares: the `Job` it is handed and posting with pacing and at-most-once checks. A sender
makes the Slack calls for one row and returns when they succeeded; failures are raised as
`bot.delivery.failures` and handled by the worker. `bot.delivery.registry` maps kinds to
senders. Reads and writes go through `core.outbox.lookups` and `core.outbox.status`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.failures import Permanent
from bot.delivery.slack_access import SlackCall
from bot.slack.app_home import render_home
from bot.slack.blocks.notifications import notification_message
from core.models import OutboxMessage
from core.outbox import lookups, status
from core.outbox.lookups import ThreadKey, ThreadRoot

T = TypeVar("T")


@dataclass
class SenderCache:
    """What one worker remembers between deliveries: posted thread roots never move, a
    thread's permalink never changes, and neither does a user's DM channel."""

    threads: dict[ThreadKey, ThreadRoot] = field(default_factory=dict)
    permalinks: dict[ThreadRoot, str] = field(default_factory=dict)
    dm_channels: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass
class Job:
    """A claimed row (detached snapshot) and the means to deliver it. `reads` is for
    lookups only (`core.db.read_only_sessions`); anything that writes uses `sessions`."""

    row: OutboxMessage
    slack: SlackCall
    sessions: async_sessionmaker[AsyncSession]
    reads: async_sessionmaker[AsyncSession]
    uncertain: bool = False
    cache: SenderCache = field(default_factory=lambda: SenderCache())
    # Read with the claim (`core.outbox.lookups.thread_roots`).
    roots: dict[ThreadKey, ThreadRoot | None] = field(default_factory=dict)

    @property
    def team(self) -> str:
        return self.slack.team


Sender = Callable[[Job], Awaitable[None]]


def required(value: T | None, field: str) -> T:
    """A row field this kind cannot do without; a row missing it can never be delivered."""
    if value is None:
        raise Permanent(f"outbox row has no {field}")
    return value


METADATA_EVENT = "threadline_delivery"
RECHECK_LIMIT = 200


def _marked(job: Job, message: dict[str, Any]) -> dict[str, Any]:
    """Tag the post with its delivery id, so a retry can tell it already went out."""
    metadata = {"event_type": METADATA_EVENT, "event_payload": {"delivery_id": str(job.row.id)}}
    return {**message, "metadata": metadata}


async def _already_posted(
    job: Job, channel: str, thread_ts: str | None
) -> AsyncSlackResponse | dict[str, Any] | None:
    """After a lost lease, the earlier attempt may have posted: look for its tag."""
    client = job.slack.client
    oldest = f"{job.row.created_at.timestamp() - 1:.6f}"
    if thread_ts:
        found = await job.slack(
            "conversations.replies",
            lambda: client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=oldest,
                include_all_metadata=True,
                limit=RECHECK_LIMIT,
            ),
        )
    else:
        found = await job.slack(
            "conversations.history",
            lambda: client.conversations_history(
                channel=channel, oldest=oldest, include_all_metadata=True, limit=RECHECK_LIMIT
            ),
        )
    for message in found.get("messages") or []:
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if payload.get("delivery_id") == str(job.row.id):
            return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
    return None


async def post_message(
    job: Job, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
) -> AsyncSlackResponse | dict[str, Any]:
    """chat.postMessage paced by the row's lane; at most once even across a lost lease."""
    if job.uncertain:
        earlier = await _already_posted(job, channel, thread_ts)
        if earlier is not None:
            return earlier
    client = job.slack.client
    body = _marked(job, message)
    if thread_ts:
        body["thread_ts"] = thread_ts
    return await job.slack(
        "chat.postMessage",
        lambda: client.chat_postMessage(channel=channel, **body),
        paced_by_lane=True,
    )


async def post_in_channel(
    job: Job, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
) -> AsyncSlackResponse | dict[str, Any]:
    """Post; if the bot is not in a public channel yet, join it once and post again."""
    try:
        return await post_message(job, channel, message, thread_ts=thread_ts)
    except Permanent as refused:
        if refused.error != "not_in_channel":
            raise
    client = job.slack.client
    try:
        await job.slack("conversations.join", lambda: client.conversations_join(channel=channel))
    except Permanent:
        raise Permanent("not_in_channel") from None
    return await post_message(job, channel, message, thread_ts=thread_ts)


async def dm_channel(job: Job, slack_user: str) -> str:
    """The user's DM channel, from the shared cache or one `conversations.open`."""
    key = (job.team, slack_user)
    if key in job.cache.dm_channels:
        return job.cache.dm_channels[key]
    async with job.reads.begin() as session:
        cached = await lookups.dm_channel(session, team=job.team, slack_user=slack_user)
    if cached is not None:
        job.cache.dm_channels[key] = cached
        return cached
    client = job.slack.client
    opened = await job.slack(
        "conversations.open", lambda: client.conversations_open(users=slack_user)
    )
    channel = str(opened["channel"]["id"])
    async with job.sessions.begin() as session:
        await status.remember_dm_channel(
            session, team=job.team, slack_user=slack_user, channel=channel
        )
    job.cache.dm_channels[key] = channel
    return channel


async def org_thread_ts(job: Job, org_id: int | None) -> ThreadRoot | None:
    """(channel, thread_ts) of the org's posted ticket thread, if it has one (cached once
    posted: a ticket thread's root never moves)."""
    if org_id is None or job.row.ticket_id is None:
        return None
    key = (job.row.ticket_id, org_id)
    if key in job.cache.threads:
        return job.cache.threads[key]
    if key in job.roots:  # read with the claim
        root = job.roots[key]
        if root is not None:
            job.cache.threads[key] = root
        return root
    async with job.reads.begin() as session:
        found = await lookups.org_thread_root(session, ticket_id=job.row.ticket_id, org_id=org_id)
    if found is not None:
        job.cache.threads[key] = found
    return found


async def thread_link(job: Job, org_id: int | None) -> str | None:
    """Permalink of the recipient org's thread (cached: a thread's link never changes)."""
    where = await org_thread_ts(job, org_id)
    if where is None:
        return None
    if where not in job.cache.permalinks:
        client = job.slack.client
        channel, ts = where
        try:
            found = await job.slack(
                "chat.getPermalink",
                lambda: client.chat_getPermalink(channel=channel, message_ts=ts),
            )
        except Permanent:
            return None
        job.cache.permalinks[where] = str(found["permalink"])
    return job.cache.permalinks[where]


async def send_channel_notification(job: Job) -> None:
    """An org-level notice, as a reply in the org's ticket thread when it has one."""
    thread = await org_thread_ts(job, job.row.org_id)
    message = notification_message(job.row.payload, link=None)
    channel = required(job.row.slack_channel, "slack_channel")
    await post_in_channel(job, channel, message, thread_ts=thread[1] if thread else None)


async def send_dm_notification(job: Job) -> None:
    channel = await dm_channel(job, required(job.row.slack_user, "slack_user"))
    link = await thread_link(job, job.row.org_id)
    await post_message(job, channel, notification_message(job.row.payload, link=link))


async def send_home_refresh(job: Job) -> None:
    """Republish a user's App Home; other queued refreshes for them are covered by this one."""
    slack_user = required(job.row.slack_user, "slack_user")
    async with job.sessions.begin() as session:
        user = await lookups.recipient(session, required(job.row.user_id, "user_id"))
        view = await render_home(session, user)
        await status.coalesce_pending(session, job.row)
    client = job.slack.client
    await job.slack("views.publish", lambda: client.views_publish(user_id=slack_user, view=view))
