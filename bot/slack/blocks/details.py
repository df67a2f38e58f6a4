"""`/ticket show`: the card plus description, links, attachments and the latest messages.

A ticket can hold 8,000 characters of description and any number of 40,000-character
messages, while a message takes 50 blocks of 3,000 characters and Slack refuses block sets
much over ~13k characters in total (`msg_blocks_too_long`, CONTRACT.md §5). So everything is
excerpted, and the excerpt length of messages is whatever the rest leaves of one text budget.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import ContextBlock, DividerBlock, MarkdownTextObject, SectionBlock
from sqlalchemy import inspect

from bot.slack.blocks.card_actions import CardActions
from bot.slack.blocks.cards import card_blocks, ticket_fallback
from bot.slack.blocks.text import escape_mrkdwn, md, one_line, slack_date, user_label
from core.models import Attachment, Organization, Ticket, User
from core.services.queries import LinkedTicket, MessageView, TicketDetails

DEFAULT_MESSAGES = 8
MAX_MESSAGES = 30  # card (≤5) + 5 detail blocks + 30 messages stays below 50 blocks
TEXT_BUDGET = 11_000  # total characters of text, safely under Slack's ~13k refusal
DESCRIPTION_MAX = 1_000
LINKS_MAX = 10
LINK_TITLE_MAX = 100
ATTACHMENTS_MAX = 10
ATTACHMENT_NAME_MAX = 80
URL_MAX = 500
NAME_MAX = 60
REACTIONS_MAX = 5
EMOJI_NAME_MAX = 30
EXCERPT_MIN = 100
SECTION_MAX = 3000
# A Slack emoji name (with optional skin tone) that renders as an emoji; others are quoted.
_EMOJI_NAME = re.compile(rf"^[a-z0-9_+'\-]{{1,{EMOJI_NAME_MAX}}}(::skin-tone-[2-6])?$")


def text_size(value: Any) -> int:
    """Characters of every `text` string in a block structure (what the budget counts)."""
    if isinstance(value, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else text_size(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(text_size(v) for v in value)
    return 0


def ticket_details(
    details: TicketDetails, actions: CardActions, *, messages: int = DEFAULT_MESSAGES
) -> dict[str, Any]:
    """`{"text", "blocks"}` for `/ticket show`: at most 50 blocks whatever the content."""
    ticket = details.ticket
    blocks = card_blocks(ticket, actions)
    blocks.append(_section(_description(ticket)))
    if details.links:
        blocks.append(_section(_links(details.links)))
    if details.attachments:
        blocks.append(_section(_attachments(details.attachments)))
    visible = [m for m in details.messages if not m.message.is_deleted]
    blocks.append(DividerBlock().to_dict())
    left = max(0, TEXT_BUDGET - text_size(blocks) - 100)  # 100: the count line below
    rendered = _latest_messages(visible, _known_orgs(ticket), min(messages, MAX_MESSAGES), left)
    blocks.append(_context(_message_count(len(rendered), len(visible))))
    blocks.extend(_section(text) for text in rendered)
    return {"text": ticket_fallback(ticket), "blocks": blocks}


def _latest_messages(
    visible: list[MessageView], orgs: dict[int, Organization], wanted: int, budget: int
) -> list[str]:
    """The latest `wanted` messages, sharing `budget` characters; when that cannot give each
    a useful excerpt, fewer (the latest) are shown, but never none when there are some."""
    count = min(max(0, wanted), len(visible))
    while count > 0:
        share = budget // count
        rendered = [_message(view, orgs, share) for view in visible[-count:]]
        if count == 1 or sum(map(len, rendered)) <= budget:
            return rendered
        count -= 1
    return []


def _section(text: str) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def _context(text: str) -> dict[str, Any]:
    return ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()


def _description(ticket: Ticket) -> str:
    description = (ticket.description or "").strip()
    if not description:
        return "*Description*\n_No description._"
    return f"*Description*\n{md(description, DESCRIPTION_MAX)}"


def _links(links: list[LinkedTicket]) -> str:
    lines = ["*Linked tickets*"]
    for link in links[:LINKS_MAX]:
        title = md(one_line(link.ticket.title), LINK_TITLE_MAX)
        lines.append(f"• {link.kind.value.capitalize()}: *{link.ticket.display_id}* · {title}")
    if len(links) > LINKS_MAX:
        lines.append(f"…and {len(links) - LINKS_MAX} more")
    return "\n".join(lines)


def _attachment(attachment: Attachment) -> str:
    name = md(one_line(attachment.name) or "file", ATTACHMENT_NAME_MAX)
    url = attachment.url or ""
    linkable = (
        url.startswith(("https://", "http://"))
        and len(url) <= URL_MAX
        and not any(ch in url for ch in "<>| \n\t")
    )
    return f"<{escape_mrkdwn(url)}|{name}>" if linkable else name


def _attachments(attachments: list[Attachment]) -> str:
    lines = ["*Attachments*"]
    lines.extend(f"• {_attachment(a)}" for a in attachments[:ATTACHMENTS_MAX])
    if len(attachments) > ATTACHMENTS_MAX:
        lines.append(f"…and {len(attachments) - ATTACHMENTS_MAX} more")
    return "\n".join(lines)


def _message_count(shown: int, total: int) -> str:
    if total == 0:
        return "No messages yet."
    noun = "message" if total == 1 else "messages"
    if shown == total:
        return f"Showing all {total} {noun}."
    return f"Showing last {shown} of {total} {noun}. The ticket's thread has them all."


def _known_orgs(ticket: Ticket) -> dict[int, Organization]:
    orgs = (ticket.requester_org, ticket.assigned_org, ticket.escalated_from_org)
    return {org.id: org for org in orgs if org is not None}


def _author_org(org_id: int, author: User, orgs: dict[int, Organization]) -> str:
    """The author's org name from the orgs the ticket has loaded, never by lazy loading."""
    org = orgs.get(org_id)
    if org is None and author.org_id == org_id and "org" not in inspect(author).unloaded:
        org = author.org
    return org.name if org is not None else "another org"


def _reactions(counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [
        f":{name}: {n}" if _EMOJI_NAME.match(name) else f"`{md(name, EMOJI_NAME_MAX)}` {n}"
        for name, n in ranked[:REACTIONS_MAX]
    ]
    if len(ranked) > REACTIONS_MAX:
        shown.append(f"+{len(ranked) - REACTIONS_MAX} more")
    return "  ".join(shown)


def _message(view: MessageView, orgs: dict[int, Organization], share: int) -> str:
    """Author · org · time · markers, the body excerpt, then reaction counts."""
    message = view.message
    meta = [
        f"*{md(user_label(view.author), NAME_MAX)}*",
        md(one_line(_author_org(message.author_org_id, view.author, orgs)), NAME_MAX),
        slack_date(message.created_at),
    ]
    if message.is_internal:
        meta.append("🔒 internal note")
    if message.reply_to_id is not None:
        meta.append("↩️ reply")
    if message.edited_at is not None:
        meta.append("_edited_")
    head = " · ".join(meta)
    tail = _reactions(view.reactions)
    fixed = len(head) + 1 + (len(tail) + 1 if tail else 0)
    body_max = min(max(share - fixed, EXCERPT_MIN), SECTION_MAX - fixed)
    text = (message.body or "").strip()
    body = md(text, body_max) if text else "_(empty)_"
    return "\n".join([head, body, tail] if tail else [head, body])
