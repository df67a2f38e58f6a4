"""Block Kit rendering: pure functions from loaded domain objects to Slack payload dicts.

No Slack calls and no database access happen here (relationships are `lazy="raise"`), so
every surface is unit-tested against Slack's limits with in-memory objects.
"""

from bot.slack.blocks.cards import parse_stage_value, stage_value, ticket_card
from bot.slack.blocks.details import ticket_details
from bot.slack.blocks.help import HELP_TEXT, help_message
from bot.slack.blocks.home import home_view
from bot.slack.blocks.lists import ticket_list
from bot.slack.blocks.modals import TicketPrefill, add_to_ticket_modal, create_ticket_modal
from bot.slack.blocks.text import (
    escape_mrkdwn,
    org_label,
    severity_label,
    slack_date,
    stage_label,
    truncate,
    user_label,
)

__all__ = [
    "HELP_TEXT",
    "TicketPrefill",
    "add_to_ticket_modal",
    "create_ticket_modal",
    "escape_mrkdwn",
    "help_message",
    "home_view",
    "org_label",
    "parse_stage_value",
    "severity_label",
    "slack_date",
    "stage_label",
    "stage_value",
    "ticket_card",
    "ticket_details",
    "ticket_list",
    "truncate",
    "user_label",
]
