"""The App Home tab (SPEC §4): notification center, my queue, my org's open tickets.

A Home view holds at most 100 blocks, and a busy rep can have hundreds of notifications and
tickets, so every section is capped and says how many it left out (≤ 70 blocks in total).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.blocks.lists import ticket_rows
from bot.slack.blocks.text import md, one_line, payload_str, plain, slack_date
from bot.slack.ids import Action
from core.models import Notification, Ticket
from core.models.tickets import DISPLAY_ID_PREFIX
from core.services.events import EventKind

NOTIFICATIONS_MAX = 20
QUEUE_MAX = 20
ORG_OPEN_MAX = 20
TITLE_MAX = 100
SUMMARY_MAX = 500
HEADER_MAX = 150
ORG_NAME_MAX = 120  # leaves room for " open tickets" in a 150-character header
UNREAD_MARK = "🔵"

EVENT_LABELS = {
    EventKind.CREATED: "New ticket",
    EventKind.ASSIGNED: "Assigned to you",
    EventKind.STAGE_CHANGED: "Stage changed",
    EventKind.ESCALATED: "Escalated",
    EventKind.DEESCALATED: "De-escalated",
    EventKind.MESSAGE: "New message",
    EventKind.REPLY: "Reply",
    EventKind.REACTION: "Reaction",
    EventKind.ACKNOWLEDGED: "Acknowledged",
    EventKind.NOTE: "Internal note",
}


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=plain(text, HEADER_MAX), emoji=True))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _event_label(event: str) -> str:
    try:
        return EVENT_LABELS[EventKind(event)]
    except ValueError:
        return event.replace(".", " ").replace("_", " ").capitalize()


def notification_block(notification: Notification) -> SectionBlock:
    """Ticket id and title, the summary, event and time; "Mark read" while unread."""
    payload = notification.payload or {}
    unread = notification.read_at is None
    display_id = payload_str(payload, "display_id") or (
        f"{DISPLAY_ID_PREFIX}{notification.ticket_id}"
    )
    title = md(one_line(payload_str(payload, "title")), TITLE_MAX)
    first = f"{UNREAD_MARK} " if unread else ""
    first += f"*{md(display_id, 40)}*" + (f" · {title}" if title else "")
    text = (notification.summary or "").strip()
    summary = md(text, SUMMARY_MAX) if text else ""
    when = f"{_event_label(notification.event)} · {slack_date(notification.created_at)}"
    lines = [first, summary, f"_{when}_"] if summary else [first, f"_{when}_"]
    accessory = None
    if unread:
        accessory = ButtonElement(
            text=PlainTextObject(text="Mark read"),
            action_id=Action.MARK_READ.value,
            value=str(notification.id),
        )
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)), accessory=accessory)


def _notification_center(notifications: Sequence[Notification], unread: int) -> list[Block]:
    blocks: list[Block] = [_header("🔔 Notifications")]
    if unread > 0:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"You have *{_plural(unread, 'unread notification')}*."
                ),
                accessory=ButtonElement(
                    text=PlainTextObject(text="Mark all read"),
                    action_id=Action.MARK_ALL_READ.value,
                    value="all",
                ),
            )
        )
    elif notifications:
        blocks.append(_context("You're all caught up."))
    else:
        blocks.append(_context("Nothing yet. Updates on your org's tickets show up here."))
    # Unread first; within each group the caller's order (newest first) is kept.
    ordered = sorted(notifications, key=lambda n: n.read_at is not None)
    blocks.extend(notification_block(n) for n in ordered[:NOTIFICATIONS_MAX])
    hidden = ordered[NOTIFICATIONS_MAX:]
    if hidden:
        hidden_unread = sum(1 for n in hidden if n.read_at is None)
        note = f"{_plural(len(hidden), 'older notification')} not shown"
        note += f" ({hidden_unread} unread)." if hidden_unread else "."
        blocks.append(_context(note))
    return blocks


def _tickets(
    heading: str, tickets: Sequence[Ticket], limit: int, empty: str, more_hint: str
) -> list[dict[str, Any]]:
    blocks = [DividerBlock().to_dict(), _header(heading).to_dict()]
    if not tickets:
        blocks.append(_context(empty).to_dict())
    else:
        hint = more_hint if len(tickets) > limit else None
        blocks.extend(ticket_rows(tickets, limit=limit, more_hint=hint))
    return blocks


def home_view(
    *,
    notifications: Sequence[Notification],
    unread: int,
    queue: Sequence[Ticket],
    org_open: Sequence[Ticket],
    org_name: str,
) -> dict[str, Any]:
    """The Home tab for views.publish. `unread` is the user's total unread count (it may
    exceed the notifications passed); `queue` = open tickets I own; `org_open` = my org's."""
    blocks: list[dict[str, Any]] = [
        b.to_dict() for b in _notification_center(notifications, unread)
    ]
    blocks += _tickets(
        "📥 My queue",
        queue,
        QUEUE_MAX,
        "No open tickets assigned to you.",
        "See them all with `/ticket list mine`.",
    )
    blocks += _tickets(
        f"🏢 {plain(one_line(org_name), ORG_NAME_MAX)} open tickets",
        org_open,
        ORG_OPEN_MAX,
        "No open tickets.",
        "See them all with `/ticket list open`.",
    )
    return View(type="home", blocks=blocks).to_dict()
