"""`/ticket help`: every subcommand of SPEC §4 with its syntax, stage short forms, filters.

Kept as one mrkdwn constant so the text a user reads is greppable and reviewable in one
place; `help_message` only splits it into sections that fit Slack's 3,000 characters.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.slack.blocks.text import md
from bot.slack.ids import SLASH_COMMAND
from core.rules.stages import SHORT_FORMS

SECTION_MAX = 3000
PREFIX_MAX = 500

_C = SLASH_COMMAND
_STAGES = "\n".join(f"• `{short}` {stage.value}" for short, stage in SHORT_FORMS.items())

HELP_TEXT = f"""*Threadline: `{_C}` commands*
• `{_C}` or `{_C} new [title]`: open the form to create a ticket
• `{_C} list [open|mine|all]`: list tickets (default `open`)
• `{_C} show TKT-n`: a ticket with its latest messages
• `{_C} assign TKT-n @user|me`: set the owner
• `{_C} stage TKT-n STAGE`: move to another stage (name or short form)
• `{_C} severity TKT-n LEVEL`: set severity: `low`, `medium`, `high` or `blocker`
• `{_C} escalate TKT-n [reason]`: hand a partner's ticket to the platform team
• `{_C} deescalate TKT-n [reason]`: return an escalated ticket to the partner
• `{_C} note TKT-n text`: add an internal note, seen only by your org
• `{_C} link TKT-n TKT-m`: link two related tickets
• `{_C} tag TKT-n +a -b`: add tag `a`, remove tag `b`
• `{_C} subscribe TKT-n` / `{_C} unsubscribe TKT-n`: follow or stop following a ticket
• `{_C} search words`: find tickets by title, description or messages
• `{_C} export csv|json [filters]`: download tickets as a file
• `{_C} help`: this list

*Stages* (type the name or its short form)
{_STAGES}

*Export filters*
`{_C} export csv|json [stage:S] [state:open|in_progress|closed] [severity:L] [tag:T] \
[org:SLUG] [since:YYYY-MM-DD]`
For example `{_C} export csv state:open severity:high since:2024-01-01`.

*Shortcuts*
On any message, *Create ticket* files it as a new ticket and *Add to ticket* adds it to one.
Replies in a ticket's thread become ticket messages, shared with every involved org."""


def _chunks(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Paragraphs packed into as few sections as fit `limit` characters each."""
    chunks: list[str] = []
    for paragraph in text.split("\n\n"):
        if chunks and len(chunks[-1]) + 2 + len(paragraph) <= limit:
            chunks[-1] += "\n\n" + paragraph
        else:
            chunks.append(paragraph[:limit])
    return chunks


def help_message(prefix: str | None = None) -> dict[str, Any]:
    """`{"text", "blocks"}` of the help, optionally after `prefix` (e.g. "I didn't
    understand `foo`."). The prefix is escaped: it often echoes what the user typed."""
    sections = _chunks(HELP_TEXT)
    lead = md(prefix.strip(), PREFIX_MAX) if prefix and prefix.strip() else None
    if lead:
        sections.insert(0, lead)
    blocks = [SectionBlock(text=MarkdownTextObject(text=s)).to_dict() for s in sections]
    fallback = f"{lead} " if lead else ""
    return {"text": f"{fallback}Threadline `{_C}` commands.", "blocks": blocks}
