"""A served Threadline with its delivery worker, and people typing in Slack threads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.models import ThreadKind, TicketThread
from tests.fakeslack import payloads
from tests.support.delivery_helpers import running_worker, worker_settings
from tests.support.slack_env import BOT_TOKENS, HOME_TEAM, SlackEnv, flatten_text


@dataclass
class Mirror:
    env: SlackEnv

    @property
    def slack(self) -> Any:
        return self.env.slack

    async def thread(self, ticket_id: int, org: str, kind: ThreadKind = ThreadKind.TICKET) -> str:
        """The root ts of an org's thread, once the worker has posted it."""
        org_id = self.env.world.org_ids[org]

        async def posted() -> str | None:
            async with self.env.sessions() as s:
                return await s.scalar(
                    select(TicketThread.thread_ts).where(
                        TicketThread.ticket_id == ticket_id,
                        TicketThread.org_id == org_id,
                        TicketThread.kind == kind,
                    )
                )

        return await self.until(posted)

    async def until(self, probe: Any, within: float = 15.0) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = await probe()
            if result:
                return result
            if loop.time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.05)

    async def say(
        self, user: str, channel: str, thread_ts: str, text: str, **envelope: Any
    ) -> dict[str, Any]:
        """`user` posts `text` in the thread; the event reaches the app. Returns the message."""
        message = self.slack.add_message(channel, user, text, thread_ts=thread_ts)
        await self.deliver(payloads.message_event(self.slack, message, channel=channel), user)
        return message

    async def deliver(self, event: dict[str, Any], user: str, **kwargs: Any) -> Any:
        retry = {k: kwargs.pop(k) for k in ("retry_num", "retry_reason") if k in kwargs}
        envelope = payloads.event_callback(
            self.slack,
            event,
            team=self.env.team_of(user),
            installed_team=HOME_TEAM,
            **kwargs,
        )
        response = await self.env.sender.event(envelope, **retry)
        assert response.status == 200, response.text
        return envelope

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return self.slack.messages(channel, thread_ts=thread_ts)

    async def reply_containing(self, channel: str, thread_ts: str, text: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            for message in self.replies(channel, thread_ts):
                if text in flatten_text(message):
                    return message
            return None

        return await self.until(found)


@contextlib.asynccontextmanager
async def mirrored(env: SlackEnv) -> AsyncIterator[Mirror]:
    """The env plus a delivery worker speaking with the single-workspace token."""
    settings = worker_settings(
        env.settings.database_url,
        env.slack,
        BOT_TOKENS[HOME_TEAM],
        THREADLINE_DELIVERY_CHANNEL_INTERVAL="0.05",
    )
    async with running_worker(settings, env.sessions, BOT_TOKENS[HOME_TEAM]):
        yield Mirror(env)
