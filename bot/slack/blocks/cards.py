"""The ticket card (SPEC §4): the root message of every mirrored thread and of `/ticket show`.

The card shows only buttons the viewer may use (`CardActions`); the handler re-checks the
presser's rights anyway, so a stale card can never do more than its presser may.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack.blocks.card_actions import CardActions
from bot.slack.blocks.text import (
    md,
    one_line,
    org_label,
    plain,
    severity_label,
    stage_label,
    user_label,
)
from bot.slack.ids import CARD_ACTIONS_BLOCK, Action
from core.models import Ticket
from core.rules.stages import Stage, State

HEADER_MAX = 150
FIELD_NAME_MAX = 300  # org and user names inside a field: far below the 2,000 field limit
TAGS_MAX = 600  # the tag line is a summary; the full list is in `/ticket show` exports
FALLBACK_TITLE_MAX = 150
STAGE_VALUE_SEP = ":"


def stage_value(ticket_id: int, stage: Stage) -> str:
    """The option value of the stage select: `"<ticket id>:<stage>"`."""
    return f"{ticket_id}{STAGE_VALUE_SEP}{stage.value}"


def parse_stage_value(value: str) -> tuple[int, Stage]:
    """Inverse of `stage_value`; raises ValueError on anything else."""
    ticket_id, sep, stage = value.partition(STAGE_VALUE_SEP)
    if not sep or not ticket_id.isdigit():
        raise ValueError(f"not a stage option value: {value!r}")
    return int(ticket_id), Stage(stage)


def actions_block_id(ticket_id: int) -> str:
    return f"{CARD_ACTIONS_BLOCK}:{ticket_id}"


def ticket_fallback(ticket: Ticket) -> str:
    """Notification / screen-reader text of a card: id, title, stage, severity."""
    title = md(one_line(ticket.title), FALLBACK_TITLE_MAX)
    stage = stage_label(ticket.stage)
    return f"{ticket.display_id} · {title} — {stage} · {severity_label(ticket.severity)}"


def ticket_card(ticket: Ticket, actions: CardActions) -> dict[str, Any]:
    """`{"text", "blocks"}` for chat.postMessage / chat.update / respond."""
    return {"text": ticket_fallback(ticket), "blocks": card_blocks(ticket, actions)}


def card_blocks(ticket: Ticket, actions: CardActions) -> list[dict[str, Any]]:
    """The card's blocks (at most 5), also the top of `/ticket show`."""
    blocks: list[Block] = []
    title = one_line(ticket.title)
    heading = f"{ticket.display_id} · {title}"
    blocks.append(HeaderBlock(text=PlainTextObject(text=plain(heading, HEADER_MAX), emoji=True)))
    if len(heading) > HEADER_MAX:  # the header had to cut the title: show it whole below
        blocks.append(SectionBlock(text=MarkdownTextObject(text=md(title, 3000))))
    blocks.append(SectionBlock(fields=_fields(ticket)))
    context = _context(ticket)
    if context:
        blocks.append(ContextBlock(elements=context))
    if actions.any:
        blocks.append(_actions(ticket, actions))
    return [b.to_dict() for b in blocks]


def _field(name: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=f"*{name}*\n{value}")


def _fields(ticket: Ticket) -> list[MarkdownTextObject]:
    owner = md(user_label(ticket.owner), FIELD_NAME_MAX)
    assigned = md(org_label(ticket.assigned_org), FIELD_NAME_MAX)
    fields = [
        _field("Stage", stage_label(ticket.stage, short=True)),
        _field("Severity", severity_label(ticket.severity)),
        _field("Requester", md(org_label(ticket.requester_org), FIELD_NAME_MAX)),
        _field("Assigned to", f"{assigned}\n{owner}"),
    ]
    if ticket.escalated_from_org is not None:
        fields.append(
            _field("Escalated from", md(org_label(ticket.escalated_from_org), FIELD_NAME_MAX))
        )
    return fields


def tag_line(tags: list[str], limit: int = TAGS_MAX) -> str:
    """`` `a` `b` `` …, cut at whole tags with "+N more" so it never exceeds `limit`."""
    shown: list[str] = []
    used = 0
    for i, tag in enumerate(tags):
        piece = f"`{md(tag, 64 * 5)}`"
        rest = len(tags) - i - 1
        reserve = len(f" +{rest} more") if rest else 0
        if used + len(piece) + 1 + reserve > limit:
            shown.append(f"+{len(tags) - i} more")
            break
        shown.append(piece)
        used += len(piece) + 1
    return " ".join(shown)


def _context(ticket: Ticket) -> list[MarkdownTextObject]:
    elements = []
    if ticket.needs_response:
        elements.append(MarkdownTextObject(text="⏳ *Needs response* from the assigned org"))
    tags = ticket.tags
    if tags:
        elements.append(MarkdownTextObject(text=f"🏷️ {tag_line(tags)}"))
    return elements


def _actions(ticket: Ticket, actions: CardActions) -> ActionsBlock:
    value = str(ticket.id)
    elements: list[Any] = []
    if actions.assign_to_me:
        elements.append(
            ButtonElement(
                text=PlainTextObject(text="Assign to me"),
                action_id=Action.ASSIGN_TO_ME.value,
                value=value,
                style="primary",
            )
        )
    if actions.stages:
        closed = ticket.stage_enum.state == State.CLOSED
        elements.append(
            StaticSelectElement(
                placeholder=PlainTextObject(text="Reopen…" if closed else "Change stage…"),
                action_id=Action.CHANGE_STAGE.value,
                options=[
                    Option(
                        value=stage_value(ticket.id, stage),
                        text=PlainTextObject(text=stage_label(stage, short=True)),
                    )
                    for stage in actions.stages
                ],
            )
        )
    if actions.escalate:
        elements.append(
            ButtonElement(
                text=PlainTextObject(text="Escalate"),
                action_id=Action.ESCALATE.value,
                value=value,
                confirm=_confirm(
                    f"Escalate {ticket.display_id}?",
                    "The platform's support team becomes the assigned org. Your org stays "
                    "involved and keeps seeing every update.",
                    "Escalate",
                ),
            )
        )
    if actions.deescalate:
        back_to = ticket.escalated_from_org
        target = md(org_label(back_to), 150) if back_to is not None else "the partner"
        elements.append(
            ButtonElement(
                text=PlainTextObject(text="De-escalate"),
                action_id=Action.DEESCALATE.value,
                value=value,
                confirm=_confirm(
                    f"De-escalate {ticket.display_id}?",
                    f"The ticket goes back to {target}, which becomes the assigned org again.",
                    "De-escalate",
                ),
            )
        )
    return ActionsBlock(block_id=actions_block_id(ticket.id), elements=elements)


def _confirm(title: str, text: str, confirm: str) -> ConfirmObject:
    return ConfirmObject(
        title=PlainTextObject(text=title),
        text=MarkdownTextObject(text=text),
        confirm=PlainTextObject(text=confirm),
        deny=PlainTextObject(text="Cancel"),
    )
