"""Notification messages (SPEC §3) as delivered to a channel thread or a DM.

Rendered from the payload frozen at event time, so a delivery retried an hour later still
says what was true when it happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.blocks.text import md, severity_label, slack_date, stage_label

HEADLINES = {
    "ticket.created": ":inbox_tray: New ticket",
    "ticket.assigned": ":bust_in_silhouette: Assigned to you",
    "ticket.stage_changed": ":arrows_counterclockwise: Stage changed",
    "ticket.escalated": ":rotating_light: Escalated",
    "ticket.deescalated": ":leftwards_arrow_with_hook: Returned",
    "message.posted": ":speech_balloon: New message",
    "message.replied": ":leftwards_arrow_with_hook: New reply",
    "message.reacted": ":smiley: New reaction",
    "message.acknowledged": ":eyes: Acknowledged",
    "note.posted": ":lock: Internal note",
}


def notification_message(payload: dict[str, Any], *, link: str | None) -> dict[str, Any]:
    """`{"text", "blocks"}` for chat.postMessage; `link` is the recipient org's thread."""
    headline = HEADLINES.get(str(payload.get("event")), "Update")
    display_id = str(payload.get("display_id", ""))
    title = md(str(payload.get("title", "")), 500)
    ticket = f"<{link}|{display_id}>" if link else f"*{display_id}*"
    summary = f"*{headline}* · {ticket} {title}\n{md(str(payload.get('activity', '')), 1500)}"
    facts = (
        f"{stage_label(str(payload.get('stage', 'queued')))} · "
        f"{severity_label(str(payload.get('severity', 'medium')))} · "
        f"{md(str(payload.get('assigned_org', '')), 200)} · "
        f"owner {md(str(payload.get('owner') or 'unassigned'), 200)}"
    )
    occurred = payload.get("occurred_at")
    when = slack_date(datetime.fromisoformat(occurred)) if isinstance(occurred, str) else ""
    excerpt = str(payload.get("description_excerpt") or "")
    blocks = [SectionBlock(text=MarkdownTextObject(text=summary)).to_dict()]
    if excerpt:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=md(excerpt, 1000))]).to_dict())
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"{facts} · {when}".strip(" ·"))]).to_dict()
    )
    text = f"{headline}: {display_id} {md(str(payload.get('title', '')), 250)}"
    return {"text": text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}
