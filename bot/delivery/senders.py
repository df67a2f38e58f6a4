"""One sender per outbox row kind. A sender makes the Slack calls for one row and returns
when they succeeded; failures are raised as `bot.delivery.failures` and handled by the worker.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.blocks import ticket_card
from bot.blocks.notifications import notification_message
from bot.card_actions import actions_for_org
from bot.delivery.failures import Permanent
from bot.delivery.slack_access import SlackCall
from bot.listeners.home import render_home
from core.models import (
    Organization,
    OutboxMessage,
    OutboxStatus,
    SlackDMChannel,
    Ticket,
    User,
    utcnow,
)
from core.notifications import OutboxKind
from core.services.loading import TICKET_LOAD_OPTIONS

T = TypeVar("T")


@dataclass
class Job:
    """A claimed row (detached snapshot) and the means to deliver it."""

    row: OutboxMessage
    slack: SlackCall
    sessions: async_sessionmaker[AsyncSession]
    uncertain: bool = False

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
    async with job.sessions() as session:
        cached = await session.get(SlackDMChannel, (job.team, slack_user))
        if cached is not None:
            return cached.channel
    client = job.slack.client
    opened = await job.slack(
        "conversations.open", lambda: client.conversations_open(users=slack_user)
    )
    channel = str(opened["channel"]["id"])
    async with job.sessions.begin() as session:
        await session.merge(
            SlackDMChannel(slack_team=job.team, slack_user=slack_user, channel=channel)
        )
    return channel


async def send_channel_notification(job: Job) -> None:
    assert job.row.slack_channel
    await post_in_channel(
        job, job.row.slack_channel, notification_message(job.row.payload, link=None)
    )


async def send_dm_notification(job: Job) -> None:
    channel = await dm_channel(job, required(job.row.slack_user, "slack_user"))
    await post_message(job, channel, notification_message(job.row.payload, link=None))


async def send_escalation_feed(job: Job) -> None:
    """The platform's escalations channel gets the ticket card as it is now."""
    ticket_id = required(job.row.ticket_id, "ticket_id")
    async with job.sessions() as session:
        query = select(Ticket).where(Ticket.id == ticket_id).options(*TICKET_LOAD_OPTIONS)
        ticket = (await session.scalars(query)).unique().one()
        platform = await session.get_one(Organization, required(job.row.org_id, "org_id"))
        card = ticket_card(ticket, actions_for_org(platform, ticket))
    reason = str(job.row.payload.get("activity", ""))
    card["text"] = f"Escalated: {card['text']}"
    card["blocks"] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": reason[:2900] or "Escalated"}]},
        *card["blocks"],
    ]
    await post_in_channel(job, required(job.row.slack_channel, "slack_channel"), card)


async def send_home_refresh(job: Job) -> None:
    """Republish a user's App Home; other queued refreshes for them are covered by this one."""
    slack_user = required(job.row.slack_user, "slack_user")
    async with job.sessions.begin() as session:
        user = await session.get_one(User, required(job.row.user_id, "user_id"))
        view = await render_home(session, user)
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.kind == OutboxKind.HOME_REFRESH,
                OutboxMessage.bucket == job.row.bucket,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.id != job.row.id,
            )
            .values(status=OutboxStatus.SENT, sent_at=utcnow(), last_error="coalesced")
        )
    client = job.slack.client
    await job.slack("views.publish", lambda: client.views_publish(user_id=slack_user, view=view))


SENDERS: dict[str, Sender] = {
    OutboxKind.NOTIFY_CHANNEL: send_channel_notification,
    OutboxKind.NOTIFY_DM: send_dm_notification,
    OutboxKind.ESCALATION_FEED: send_escalation_feed,
    OutboxKind.HOME_REFRESH: send_home_refresh,
}


def register_sender(kind: str, sender: Sender) -> None:
    """Later row kinds (thread mirroring) plug in here without touching the worker."""
    SENDERS[kind] = sender
