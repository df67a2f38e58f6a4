"""Compact ticket lists: `/ticket list`, `/ticket search` and the App Home sections.

One section per ticket keeps a list scannable and within Slack's block caps; the full card is
one "View" press away.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.blocks.text import (
    md,
    one_line,
    org_label,
    plain,
    severity_label,
    stage_label,
    truncate,
    user_label,
)
from bot.slack.ids import Action
from core.models import Ticket

LIST_MAX = 25  # 1 header + 25 rows + 1 note stays far below the 50 blocks of a message
ROW_TITLE_MAX = 150
ROW_NAME_MAX = 80
HEADER_MAX = 150
DEFAULT_MORE_HINT = "Narrow it down with `/ticket list mine` or `/ticket search words`."
ROW_CACHE_SIZE = 4096


def ticket_row(ticket: Ticket) -> dict[str, Any]:
    """One ticket as a section: id and title, then stage · severity · org · owner, + View."""
    title = md(one_line(ticket.title), ROW_TITLE_MAX)
    details = " · ".join(
        [
            stage_label(ticket.stage),
            severity_label(ticket.severity),
            md(org_label(ticket.assigned_org), ROW_NAME_MAX),
            md(user_label(ticket.owner), ROW_NAME_MAX),
        ]
    )
    if ticket.needs_response:
        details += " · ⏳ needs response"
    text = f"*{ticket.display_id}* · {title}\n{details}"
    return copy.deepcopy(_row_blocks(ticket.id, text))  # a copy: callers may add to it


@functools.lru_cache(maxsize=ROW_CACHE_SIZE)
def _row_blocks(ticket_id: int, text: str) -> dict[str, Any]:
    """The row's Block Kit, a function of exactly these two. The same tickets are listed
    over and over (every App Home refresh, every `/ticket list`), and building a row through
    the Block Kit models costs some fifteen times what copying the built one does."""
    return SectionBlock(
        text=MarkdownTextObject(text=text),
        accessory=ButtonElement(
            text=PlainTextObject(text="View"),
            action_id=Action.SHOW_TICKET.value,
            value=str(ticket_id),
        ),
    ).to_dict()


def ticket_rows(
    tickets: Sequence[Ticket], *, limit: int, more_hint: str | None = None
) -> list[dict[str, Any]]:
    """At most `limit` rows, then a context line saying how many were left out and how to
    see them (`more_hint`, mrkdwn written by the caller, who escapes any user text in it)."""
    blocks = [ticket_row(t) for t in tickets[:limit]]
    hidden = len(tickets) - limit
    notes = []
    if hidden > 0:
        notes.append(f"Showing {limit} of {len(tickets)}.")
    if more_hint:
        notes.append(more_hint)
    elif hidden > 0:
        notes.append(DEFAULT_MORE_HINT)
    if notes:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=truncate(" ".join(notes), 3000))]
            ).to_dict()
        )
    return blocks


def ticket_list(
    tickets: Sequence[Ticket], *, heading: str, empty_text: str, more_hint: str | None
) -> dict[str, Any]:
    """`{"text", "blocks"}` of a list or search result.

    `heading` is plain text (cut to 150); `empty_text` and `more_hint` are mrkdwn the caller
    wrote (escape user words with `escape_mrkdwn`). `more_hint` is shown whenever given (the
    caller passes it when it knows more exist, e.g. a next page) and, with a default hint,
    whenever more than 25 tickets were passed.
    """
    header = HeaderBlock(text=PlainTextObject(text=plain(one_line(heading), HEADER_MAX)))
    blocks = [header.to_dict()]
    if not tickets:
        empty = truncate(empty_text, 3000)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=empty)).to_dict())
        summary = truncate(empty_text, 150)
    else:
        blocks.extend(ticket_rows(tickets, limit=LIST_MAX, more_hint=more_hint))
        summary = f"{len(tickets)} ticket" + ("" if len(tickets) == 1 else "s")
    return {"text": f"{md(one_line(heading), HEADER_MAX)}: {summary}", "blocks": blocks}
