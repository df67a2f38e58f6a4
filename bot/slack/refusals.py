"""The one place a failure in Slack gets its words: what happened, and what to do now.

Listeners turn every exception into a `Refusal` with `refusal_for` and show its text on
their surface (an ephemeral answer, a form error, a reply in the thread, the App Home).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.slack.identity import NotMapped
from core.errors import NotFound, ThreadlineError

log = logging.getLogger(__name__)

UNAVAILABLE = (
    "Threadline is temporarily unavailable, so nothing was changed. Please try again in a minute."
)
NO_SENDER = "I could not tell who sent this, so nothing was recorded."
NOT_INVOLVED = (
    "This thread belongs to a ticket your organization is not part of, so your message was "
    "not recorded. Ask the ticket's support team to involve your org, or file your own "
    "ticket with `/ticket new`."
)


@dataclass(frozen=True)
class Refusal:
    """Something the user must be told instead of a result (nothing was changed)."""

    text: str
    field: str | None = None


def refusal_for(err: Exception, *, in_thread: bool = False) -> Refusal:
    """What to tell the user about a failure. `in_thread`: they typed into a mirrored ticket
    thread, where their words stay visible, so the refusal says they were not recorded, and
    a ticket they cannot see is one their org is not part of."""
    if isinstance(err, NotMapped):
        return Refusal(str(err))
    if in_thread and isinstance(err, NotFound):
        return Refusal(NOT_INVOLVED)
    if isinstance(err, ThreadlineError):
        suffix = " Nothing was recorded." if in_thread else ""
        return Refusal(f":warning: {err.message}{suffix}", getattr(err, "field", None))
    if isinstance(err, (DBAPIError, PoolTimeout, OSError)):
        log.error("database unavailable while handling a Slack request: %s", type(err).__name__)
        return Refusal(f":hourglass: {UNAVAILABLE}")
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error handling a Slack request (ref %s)", reference, exc_info=err)
    return Refusal(
        f":x: Something went wrong on our side, so nothing was changed (ref `{reference}`)."
    )


def ephemeral(text: str, **extra: Any) -> dict[str, Any]:
    """A message only the user who acted sees."""
    return {"response_type": "ephemeral", "text": text, **extra}
