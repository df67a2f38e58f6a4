"""Resolving who sent a Slack request never holds the database while Slack answers.

An unknown sender is looked up with `users.info`, which may take seconds (or a Retry-After
sleep). On SQLite every write transaction holds the database's one write lock, so a lookup
made inside one would stall every other user's change for as long as Slack takes. These
tests drive the real app over signed HTTP against the fake Slack, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.models import Message, OrgEmailDomain, TicketSubscriber, User
from core.services import tickets
from tests.support.mirror_helpers import mirrored
from tests.support.slack_env import HOME_TEAM, SlackEnv

CARL, NEWBIE = "U0CARL", "U0NEWBIE"
NORTH = "T0NORTH"
CONTOSO_CHANNEL = "C0CONTIX"
SLOW_LOOKUP_S = 5.0
KNOWN_WRITE_LIMIT_S = 1.0


async def _newcomer_of_contoso(env: SlackEnv) -> None:
    """A Slack user Threadline does not know yet, whose e-mail domain is Contoso's."""
    async with env.sessions.begin() as session:
        session.add(
            OrgEmailDomain(org_id=env.world.org_ids["contoso"], domain="contoso-corp.example")
        )
    env.slack.add_user(
        NORTH, NEWBIE, "newbie", "newbie@contoso-corp.example", visible_to=[HOME_TEAM]
    )


async def _subscriptions(env: SlackEnv) -> int:
    async with env.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TicketSubscriber)) or 0)


async def test_a_known_users_write_commits_while_users_info_for_a_newcomer_takes_5s(
    slack_env: SlackEnv, engine: AsyncEngine
) -> None:
    env, fake = slack_env, slack_env.slack
    await _newcomer_of_contoso(env)
    ticket = await env.world.act("carl", tickets.create, title="Printer on fire")
    slow_lookup = fake.inject("users.info", delay=SLOW_LOOKUP_S)

    newcomer_form = await env.command(NEWBIE, "list", channel=CONTOSO_CHANNEL)
    await env.eventually(lambda: slow_lookup.fired)  # the listener now waits on Slack
    looked_up_at = time.monotonic()
    # Nothing of the database is held while Slack is asked: no transaction, no connection.
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]

    started = time.monotonic()
    known_form = await env.command(CARL, f"subscribe {ticket.display_id}")
    committed_after = await _seconds_until_subscribed(env, started, within=SLOW_LOOKUP_S * 2)
    assert committed_after < KNOWN_WRITE_LIMIT_S, (
        f"carl's subscription committed {committed_after:.2f}s after his command, "
        f"while users.info took {SLOW_LOOKUP_S}s"
    )
    assert "You'll get a DM" in await env.reply_text(known_form)
    assert fake.response_url_posts(newcomer_form["response_url"]) == []  # still waiting

    # The newcomer is then joined to Contoso and answered as before.
    listing = await env.reply_text(newcomer_form)
    assert time.monotonic() - looked_up_at >= SLOW_LOOKUP_S * 0.9
    assert "Open tickets visible to Contoso" in listing
    assert "Printer on fire" in listing
    async with env.sessions() as session:
        user = await session.scalar(select(User).where(User.slack_user == NEWBIE))
        assert user is not None
        assert user.org_id == env.world.org_ids["contoso"]
    assert len(fake.calls("users.info")) == 1


async def _seconds_until_subscribed(env: SlackEnv, started: float, *, within: float) -> float:
    """Seconds from `started` until a subscription is committed (read in its own session)."""
    while True:
        elapsed = time.monotonic() - started
        if await _subscriptions(env) or elapsed > within:
            return elapsed
        await asyncio.sleep(0.01)


async def test_a_newcomer_writing_in_a_ticket_thread_is_joined_and_recorded_once(
    slack_env: SlackEnv,
) -> None:
    """The thread event's work runs twice: once to find the sender unknown (rolled back,
    its receipt too), then, after users.info, again to join them and record the message."""
    env, fake = slack_env, slack_env.slack
    await _newcomer_of_contoso(env)
    fake.channels[CONTOSO_CHANNEL].members.add(NEWBIE)
    async with mirrored(env) as m:
        ticket = await env.world.act("carl", tickets.create, title="Printer on fire")
        thread_ts = await m.thread(ticket.id, "contoso")
        await m.say(NEWBIE, CONTOSO_CHANNEL, thread_ts, "I see smoke too")

        async def recorded() -> list[tuple[str, str]]:
            async with env.sessions() as session:
                rows = await session.execute(
                    select(Message.body, User.email).join(User, Message.author_id == User.id)
                )
                return [(body, email) for body, email in rows]

        assert await m.until(recorded) == [("I see smoke too", "newbie@contoso-corp.example")]
    assert len(fake.calls("users.info")) == 1
