"""Modals: create a ticket, and add a Slack message to an existing ticket.

Every input's `block_id` is a `Block` and its `action_id` is `input_action(block)`, so the
view_submission handler reads `state.values[block][input_action(block)]` and returns errors
keyed by the same `Block` without knowing anything about layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block as SlackBlock,
)
from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.blocks.text import md, one_line, plain, severity_label, truncate
from bot.slack.ids import Block, input_action
from bot.slack.ids import View as Callback
from core.models import Severity, Subtype, Ticket
from core.models.tickets import TITLE_MAX

INPUT_MAX = 3000  # Slack's max_length ceiling for plain_text_input
PART_MAX = 100  # Ticket.part column
TAGS_INPUT_MAX = 1000
OPTION_TEXT_MAX = 75
OPTIONS_MAX = 100  # per static_select, and per option group
ORG_OPTIONS_MAX = 500  # across option groups: keeps the view far below 250 kB
PRIVATE_METADATA_MAX = 3000
QUOTE_MAX = 2000

SUBTYPE_LABELS = {
    Subtype.QUESTION: "Question",
    Subtype.BUG: "Bug",
    Subtype.FEATURE_REQUEST: "Feature request",
    Subtype.INCIDENT: "Incident",
}


@dataclass(frozen=True)
class TicketPrefill:
    """What the create modal starts with: from `/ticket new [title]` or a message shortcut."""

    title: str = ""
    description: str = ""
    for_org: str | None = None
    severity: Severity = Severity.MEDIUM


def _check_metadata(private_metadata: str) -> None:
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(
            f"private_metadata is {len(private_metadata)} characters; Slack allows "
            f"{PRIVATE_METADATA_MAX}. Keep ids in it, not content."
        )


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=plain(text, OPTION_TEXT_MAX)))


def _org_option(slug: str, name: str) -> Option:
    name = one_line(name) or slug
    suffix = f" ({slug})"
    if len(suffix) > OPTION_TEXT_MAX // 2:
        return _option(slug, name)
    return _option(slug, truncate(name, OPTION_TEXT_MAX - len(suffix)) + suffix)


def _org_select(
    org_options: Sequence[tuple[str, str]], selected: str | None
) -> tuple[StaticSelectElement, str | None]:
    """A static select of the orgs, and a hint when the list had to be grouped or capped.

    Up to 100 orgs: plain options. More: option groups of ≤100, A–Z by name (still a static
    select, so no options-load endpoint is needed). Beyond 500 the rest is left out, keeping
    the prefilled org, and the hint says so.
    """
    orgs = list(dict(org_options).items())  # one option per slug
    total = len(orgs)
    if total > ORG_OPTIONS_MAX:
        keep = [o for o in orgs if o[0] == selected][:1]
        orgs = keep + [o for o in orgs if o[0] != selected][: ORG_OPTIONS_MAX - len(keep)]
    options = {slug: _org_option(slug, name) for slug, name in orgs}
    initial = options.get(selected) if selected else None
    element_args: dict[str, Any] = {
        "action_id": input_action(Block.ORG),
        "placeholder": PlainTextObject(text="Pick an organization"),
        "initial_option": initial,
    }
    hint = None
    if len(orgs) <= OPTIONS_MAX:
        element_args["options"] = list(options.values())
    else:
        ordered = sorted(orgs, key=lambda o: (one_line(o[1]).casefold(), o[0]))
        chunks = [ordered[i : i + OPTIONS_MAX] for i in range(0, len(ordered), OPTIONS_MAX)]
        element_args["option_groups"] = [
            OptionGroup(
                label=PlainTextObject(text=_group_label(chunk)),
                options=[options[slug] for slug, _ in chunk],
            )
            for chunk in chunks
        ]
        hint = "Organizations are grouped A–Z by name; type to filter."
    if total > len(orgs):
        hint = (
            f"Showing {len(orgs)} of {total} organizations; type to filter. Not listed? "
            "Ask a member of that organization to file the ticket."
        )
    return StaticSelectElement(**element_args), hint


def _group_label(chunk: Sequence[tuple[str, str]]) -> str:
    first, last = (truncate(one_line(chunk[i][1]) or chunk[i][0], 30) for i in (0, -1))
    return plain(f"{first} – {last}", OPTION_TEXT_MAX)


def create_ticket_modal(
    *,
    org_options: Sequence[tuple[str, str]] | None,
    prefill: TicketPrefill,
    private_metadata: str,
) -> dict[str, Any]:
    """The create modal (`View.CREATE_TICKET`). `org_options` = (slug, name) pairs, given
    only to platform members who may file for another org; empty or None shows no picker."""
    _check_metadata(private_metadata)
    blocks: list[SlackBlock] = []
    if org_options:
        element, hint = _org_select(org_options, prefill.for_org)
        blocks.append(
            InputBlock(
                block_id=Block.ORG.value,
                label=PlainTextObject(text="Organization"),
                element=element,
                hint=PlainTextObject(text=hint) if hint else None,
            )
        )
    title = truncate(one_line(prefill.title), TITLE_MAX) if prefill.title.strip() else None
    blocks.append(
        InputBlock(
            block_id=Block.TITLE.value,
            label=PlainTextObject(text="Title"),
            element=PlainTextInputElement(
                action_id=input_action(Block.TITLE),
                placeholder=PlainTextObject(text="What is wrong, in one line"),
                initial_value=title,
                max_length=TITLE_MAX,
            ),
        )
    )
    description = prefill.description.strip()
    hint = (
        "Up to 3,000 characters: Slack's limit for a text box. "
        "Add more as messages or files once the ticket exists."
    )
    if len(description) > INPUT_MAX:
        hint += " The prefilled text was shortened to fit."
    blocks.append(
        InputBlock(
            block_id=Block.DESCRIPTION.value,
            label=PlainTextObject(text="Description"),
            optional=True,
            hint=PlainTextObject(text=hint),
            element=PlainTextInputElement(
                action_id=input_action(Block.DESCRIPTION),
                multiline=True,
                initial_value=truncate(description, INPUT_MAX) if description else None,
                max_length=INPUT_MAX,
            ),
        )
    )
    severities = {s: _option(s.value, severity_label(s)) for s in Severity}
    blocks.append(
        InputBlock(
            block_id=Block.SEVERITY.value,
            label=PlainTextObject(text="Severity"),
            element=StaticSelectElement(
                action_id=input_action(Block.SEVERITY),
                options=list(severities.values()),
                initial_option=severities[Severity(prefill.severity)],
            ),
        )
    )
    blocks.append(
        InputBlock(
            block_id=Block.SUBTYPE.value,
            label=PlainTextObject(text="Type"),
            optional=True,
            element=StaticSelectElement(
                action_id=input_action(Block.SUBTYPE),
                placeholder=PlainTextObject(text="Question, bug, …"),
                options=[_option(s.value, label) for s, label in SUBTYPE_LABELS.items()],
            ),
        )
    )
    blocks.append(_text_input(Block.PART, "Part", PART_MAX, "The product area, e.g. Billing"))
    blocks.append(
        _text_input(Block.TAGS, "Tags", TAGS_INPUT_MAX, "Space or comma separated, e.g. login, sso")
    )
    view = View(
        type="modal",
        callback_id=Callback.CREATE_TICKET.value,
        title=PlainTextObject(text="New ticket"),
        submit=PlainTextObject(text="Create"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )
    return view.to_dict()


def _text_input(block: Block, label: str, max_length: int, hint: str) -> InputBlock:
    return InputBlock(
        block_id=block.value,
        label=PlainTextObject(text=label),
        optional=True,
        hint=PlainTextObject(text=hint),
        element=PlainTextInputElement(action_id=input_action(block), max_length=max_length),
    )


def add_to_ticket_modal(
    *, tickets: Sequence[Ticket], quoted_text: str, private_metadata: str
) -> dict[str, Any]:
    """The "Add to ticket" modal (`View.ADD_TO_TICKET`): pick one of up to 100 tickets
    (the caller passes the most relevant first) and see the message that will be added."""
    _check_metadata(private_metadata)
    blocks: list[SlackBlock] = []
    shown = list(tickets[:OPTIONS_MAX])
    if shown:
        hint = None
        if len(tickets) > OPTIONS_MAX:
            hint = f"Showing {OPTIONS_MAX} of {len(tickets)} tickets; type to filter."
        blocks.append(
            InputBlock(
                block_id=Block.TICKET.value,
                label=PlainTextObject(text="Ticket"),
                hint=PlainTextObject(text=hint) if hint else None,
                element=StaticSelectElement(
                    action_id=input_action(Block.TICKET),
                    placeholder=PlainTextObject(text="Pick a ticket"),
                    options=[
                        _option(str(t.id), f"{t.display_id} · {one_line(t.title)}") for t in shown
                    ],
                ),
            )
        )
    else:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="There is no open ticket you can add this message to. "
                    "Use the *Create ticket* shortcut on the message instead."
                )
            )
        )
    quoted = quoted_text.strip()
    body = md(quoted, QUOTE_MAX) if quoted else "_(no text: files only)_"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"*Message to add:*\n{body}")]))
    view = View(
        type="modal",
        callback_id=Callback.ADD_TO_TICKET.value,
        title=PlainTextObject(text="Add to ticket"),
        submit=PlainTextObject(text="Add") if shown else None,
        close=PlainTextObject(text="Cancel"),
        private_metadata=private_metadata,
        blocks=blocks,
    )
    return view.to_dict()
