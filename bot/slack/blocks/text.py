"""Text helpers every renderer shares: escaping, truncation, labels and timestamps.

Anything a user typed is shown through `md()` (mrkdwn) or `plain()` (plain_text): one place
decides how `<!channel>` stays inert and how a 40,000-character message shrinks to fit a
3,000-character field, so no renderer can forget either.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.models import Organization, Severity, User
from core.rules.stages import SHORT_FORM_OF, Stage

ELLIPSIS = "…"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

SEVERITY_EMOJI = {
    Severity.LOW: "🟢",
    Severity.MEDIUM: "🟡",
    Severity.HIGH: "🟠",
    Severity.BLOCKER: "🔴",
}

NO_OWNER = "Unassigned"


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack parses as control sequences (links, mentions)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when something was cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def md(text: str, limit: int) -> str:
    """User text for a mrkdwn field: escaped, then cut so the *escaped* form fits `limit`.

    Cutting after escaping could split `&amp;` in half; this counts each character's escaped
    length instead, so entities are never broken.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in text:
        piece = _ESCAPES.get(ch, ch)
        if used + len(piece) > budget:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out).rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """User text for a plain_text field: nothing is parsed there, so only cut it to fit.

    Blank text becomes "—", because Slack rejects empty or whitespace-only text objects.
    """
    return truncate(text, limit) if text.strip() else "—"


def one_line(text: str) -> str:
    """Collapse newlines and runs of spaces: for titles and names shown inline."""
    return " ".join(text.split())


def stage_label(stage: str | Stage, *, short: bool = False) -> str:
    """ "Work in progress", or "Work in progress (WIP)" with `short`."""
    try:
        value = Stage(stage)
    except ValueError:
        return str(stage)
    return f"{value.label} ({SHORT_FORM_OF[value]})" if short else value.label


def severity_label(severity: str | Severity) -> str:
    """ "🔴 Blocker": an emoji per level, so severity reads at a glance in every surface."""
    try:
        value = Severity(severity)
    except ValueError:
        return str(severity)
    return f"{SEVERITY_EMOJI[value]} {value.value.capitalize()}"


def user_label(user: User | None) -> str:
    """The user's name (raw: escape with `md()` before putting it in mrkdwn)."""
    if user is None:
        return NO_OWNER
    return one_line(user.name) or f"user {user.id}"


def org_label(org: Organization | None) -> str:
    """The org's name (raw: escape with `md()` before putting it in mrkdwn)."""
    if org is None:
        return "—"
    return one_line(org.name) or org.slug


def fallback_time(when: datetime) -> str:
    """A fixed UTC rendering for clients that cannot localize `<!date>` (and for plain_text)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def slack_date(when: datetime | None, fmt: str = "{date_short_pretty} at {time}") -> str:
    """mrkdwn that Slack shows in the reader's own time zone, with a UTC fallback.

    See https://docs.slack.dev/messaging/formatting-message-text#date-formatting.
    """
    if when is None:
        return "—"
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return f"<!date^{int(aware.timestamp())}^{fmt}|{fallback_time(aware)}>"


def payload_str(payload: dict[str, Any] | None, key: str, default: str = "") -> str:
    """A string field of a notification payload, tolerating missing or non-string values."""
    if not payload:
        return default
    value = payload.get(key)
    return default if value is None else str(value)
