"""The shape every listener shares: who is acting, one transaction, errors as messages.

`perform` resolves the Slack user to a Threadline user, runs one unit of work in one
transaction, and turns every failure into a `Refusal` whose text tells the user what to do.
Slack calls happen after it returns, outside the transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.deps import BotDeps
from bot.slack.identity import identity_of, not_mapped_text
from core.errors import ThreadlineError
from core.models import User

log = logging.getLogger(__name__)

T = TypeVar("T")

UNAVAILABLE = (
    "Threadline is temporarily unavailable, so nothing was changed. Please try again in a minute."
)


@dataclass(frozen=True)
class Refusal:
    """Something the user must be told instead of a result (nothing was changed)."""

    text: str
    field: str | None = None


async def perform(
    deps: BotDeps,
    client: AsyncWebClient,
    body: Mapping[str, Any],
    context: Mapping[str, Any],
    work: Callable[[AsyncSession, User], Awaitable[T]],
    *,
    answers_in_ack: bool = False,
) -> T | Refusal:
    """`answers_in_ack`: the outcome goes into this request's own ack (a modal's validation
    errors), so the work must not wait for the acks of other requests."""
    who = identity_of(body, context)
    if who is None:
        return Refusal("I could not tell who sent this, so nothing was recorded.")
    try:
        if not answers_in_ack:
            await deps.acks.quiet()
        async with deps.work_slots, deps.sessions.begin() as session:
            actor = await deps.identities.resolve(session, client, who)
            if actor is None:
                return Refusal(not_mapped_text(who))
            return await work(session, actor)
    except ThreadlineError as err:
        return Refusal(f":warning: {err.message}", getattr(err, "field", None))
    except (DBAPIError, PoolTimeout, OSError) as err:
        log.error("database unavailable while handling a Slack request: %s", type(err).__name__)
        return Refusal(f":hourglass: {UNAVAILABLE}")
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("unexpected error handling a Slack request (ref %s)", reference)
        return Refusal(
            f":x: Something went wrong on our side, so nothing was changed (ref `{reference}`)."
        )


def ephemeral(text: str, **extra: Any) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, **extra}
