"""The shape every listener shares: who is acting, one transaction, errors as messages.

`run_as_sender` finds the Threadline user behind a Slack request, runs one unit of work as
them in one transaction, and turns every failure into a `Refusal` (`bot.slack.refusals`).
No Slack call happens while a transaction is open: an unknown sender is looked up in Slack
between two transactions (`in_transaction_as`), and the listener's own calls come after
the work returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.deps import BotDeps
from bot.slack.identity import SlackIdentity, SlackProfile, UnknownSender, identity_of
from bot.slack.refusals import NO_SENDER, Refusal, refusal_for
from core.models import User

T = TypeVar("T")

# The acting user, resolved when the work first needs them.
Sender = Callable[[], Awaitable[User]]


async def in_transaction_as(
    deps: BotDeps,
    client: AsyncWebClient,
    who: SlackIdentity,
    work: Callable[[AsyncSession, Sender], Awaitable[T]],
) -> T:
    """Run `work` in one transaction, as `who` once it calls its `Sender`.

    A sender Threadline does not know yet ends that transaction (rolled back: it had
    written nothing), is looked up in Slack with no transaction open, and `work` runs again
    in a new one that joins them. Raises what `work` raises, or `NotMapped`."""
    try:
        return await _attempt(deps, who, None, work)
    except UnknownSender:
        pass
    profile = await deps.identities.look_up(client, who)
    return await _attempt(deps, who, profile, work)


async def _attempt(
    deps: BotDeps,
    who: SlackIdentity,
    profile: SlackProfile | None,
    work: Callable[[AsyncSession, Sender], Awaitable[T]],
) -> T:
    async with deps.sessions.begin() as session:

        async def sender() -> User:
            return await deps.identities.user_in(session, who, profile)

        return await work(session, sender)


async def run_as_sender(
    deps: BotDeps,
    client: AsyncWebClient,
    body: Mapping[str, Any],
    context: Mapping[str, Any],
    work: Callable[[AsyncSession, User], Awaitable[T]],
    *,
    answers_in_ack: bool = False,
) -> T | Refusal:
    """Run `work` as the request's sender in one transaction; a failure is a `Refusal`.

    `answers_in_ack`: the outcome goes into this request's own ack (a modal's validation
    errors), so the work must not wait for the acks of other requests."""
    who = identity_of(body, context)
    if who is None:
        return Refusal(NO_SENDER)

    async def as_sender(session: AsyncSession, sender: Sender) -> T:
        return await work(session, await sender())

    try:
        if not answers_in_ack:
            await deps.acks.quiet()
        async with deps.work_slots:
            return await in_transaction_as(deps, client, who, as_sender)
    except Exception as err:
        return refusal_for(err)
