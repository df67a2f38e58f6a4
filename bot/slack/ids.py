"""Every Slack identifier the app owns: commands, callback ids, action ids, block ids.

Listeners and renderers both import from here, so a renamed id cannot silently break the
wiring between a button and its handler.
"""

from __future__ import annotations

from enum import StrEnum

SLASH_COMMAND = "/ticket"


class Shortcut(StrEnum):
    CREATE_FROM_MESSAGE = "create_ticket_from_message"
    ADD_TO_TICKET = "add_to_ticket"
    NEW_TICKET = "new_ticket"


class View(StrEnum):
    """`callback_id` of each modal."""

    CREATE_TICKET = "ticket_create"
    ADD_TO_TICKET = "ticket_add_message"


class Action(StrEnum):
    """`action_id` of each interactive element."""

    ASSIGN_TO_ME = "ticket_assign_me"
    CHANGE_STAGE = "ticket_change_stage"
    ESCALATE = "ticket_escalate"
    DEESCALATE = "ticket_deescalate"
    SHOW_TICKET = "ticket_show"
    MARK_READ = "home_mark_read"
    MARK_ALL_READ = "home_mark_all_read"
    ORG_PICKER = "create_org_picker"


class Block(StrEnum):
    """`block_id` of each modal input; view_submission errors are keyed by these."""

    TITLE = "title"
    DESCRIPTION = "description"
    SEVERITY = "severity"
    PART = "part"
    TAGS = "tags"
    SUBTYPE = "subtype"
    ORG = "org"
    TICKET = "ticket"
    NOTE = "note"


# Inside every input block the element's action_id is the block id plus this suffix.
INPUT_SUFFIX = "_input"


def input_action(block: Block) -> str:
    return f"{block.value}{INPUT_SUFFIX}"


# block_id of a ticket card's actions block is this prefix, ":" and the ticket id, so a
# message with several cards (or a re-rendered card) keeps unique, traceable block ids.
CARD_ACTIONS_BLOCK = "ticket_actions"
