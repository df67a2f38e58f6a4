"""Block Kit ticket details and lists (bot/slack/blocks): messages, links, attachments,
the 25-row cap, and the longest content still within Slack's limits. Pure tests.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from bot.slack.blocks import ticket_details, ticket_list
from bot.slack.blocks.card_actions import NO_ACTIONS, CardActions, actions_for_org
from bot.slack.blocks.details import text_size
from bot.slack.ids import Action
from core.models import Attachment, LinkKind, Message, Organization, Ticket, User
from core.rules.stages import TRANSITIONS, Stage
from core.services.queries import LinkedTicket, MessageView, TicketDetails
from tests.support.blocks import (
    LONG_NAME,
    LONG_TITLE,
    NOW,
    PARTNER,
    SUB,
    action_ids,
    assert_no_live_markup,
    assert_valid_message,
    long_text,
    longest_ticket,
    org,
    texts,
    ticket,
    user,
)


# -- details ----------------------------------------------------------------------------------
def message_view(i: int, author: User, body: str, **kwargs: Any) -> MessageView:
    message = Message(
        id=i,
        ticket_id=12,
        author_id=author.id,
        author_org_id=author.org_id,
        body=body,
        is_internal=kwargs.pop("internal", False),
        created_at=NOW + timedelta(minutes=i),
        source_channel="slack",
        **kwargs,
    )
    return MessageView(message, author, kwargs.get("reactions", {}))


def details_of(t: Ticket, messages: list[MessageView], **kwargs: Any) -> TicketDetails:
    return TicketDetails(
        ticket=t,
        messages=messages,
        links=kwargs.get("links", []),
        subscriber_ids=set(),
        attachments=kwargs.get("attachments", []),
    )


def test_details_show_messages_links_and_attachments():
    t = ticket()
    ana, bo = user(1, SUB, "Ana"), user(2, PARTNER, "Bo")
    msgs = [
        message_view(1, ana, "Hello <@U1>"),
        message_view(2, bo, "Looking into it", internal=True, edited_at=NOW),
    ]
    msgs[1].reactions = {"eyes": 2, "white_check_mark": 1}
    other = ticket(13, title="Parent issue")
    files = [Attachment(id=1, name="log.txt", url="https://files.example/log.txt?a=1&b=2")]
    payload = ticket_details(
        details_of(t, msgs, links=[LinkedTicket(LinkKind.PARENT, other)], attachments=files),
        actions_for_org(PARTNER, t),
    )
    assert_valid_message(payload)
    assert_no_live_markup(payload)
    shown = "\n".join(texts(payload))
    assert "It started smoking." in shown
    assert "Showing all 2 messages." in shown
    assert "*Ana* · Contoso" in shown
    assert "Hello &lt;@U1&gt;" in shown
    assert "🔒 internal note" in shown
    assert "_edited_" in shown
    assert ":eyes: 2" in shown
    assert ":white_check_mark: 1" in shown
    assert "Parent: *TKT-13* · Parent issue" in shown
    assert "<https://files.example/log.txt?a=1&amp;b=2|log.txt>" in shown
    assert action_ids(payload) == [Action.ASSIGN_TO_ME, Action.CHANGE_STAGE, Action.ESCALATE]


@pytest.mark.parametrize("count", [8, 30, 1000])
def test_details_with_the_longest_content_fit(count: int):
    t = longest_ticket()
    author = user(50, t.requester_org, LONG_NAME)
    stranger = user(51, org(77, LONG_NAME), LONG_NAME)  # org not among the ticket's loaded ones
    reactions = {f"emoji_{i}_" + "x" * 80: i for i in range(30)}
    msgs = [
        message_view(i, author if i % 3 else stranger, long_text(40_000), internal=i % 2 == 0)
        for i in range(100)
    ]
    for m in msgs:
        m.reactions = reactions
    links = [LinkedTicket(LinkKind.RELATED, longest_ticket(200 + i)) for i in range(40)]
    files = [
        Attachment(id=i, name=LONG_NAME + ".txt", url="https://f.example/" + "p" * 3000)
        for i in range(40)
    ]
    payload = ticket_details(
        details_of(t, msgs, links=links, attachments=files),
        CardActions(True, TRANSITIONS[Stage.QUEUED], True, True),
        messages=count,
    )
    assert_valid_message(payload)
    assert_no_live_markup(payload)
    assert len(payload["blocks"]) <= 50
    assert text_size(payload["blocks"]) <= 12_000  # Slack refuses ~13k (msg_blocks_too_long)
    note = re.search(r"Showing last (\d+) of 100 messages", "".join(texts(payload)))
    assert note is not None
    assert 5 <= int(note.group(1)) <= min(count, 30)  # fewer when the excerpts would not fit
    assert len(payload["blocks"]) == 10 + int(note.group(1))
    assert "…and 30 more" in "".join(texts(payload))


def test_details_show_many_short_messages_up_to_the_requested_count():
    ana = user(1, SUB, "Ana")
    msgs = [message_view(i, ana, f"ok {i}") for i in range(40)]
    msgs[-1].reactions = {"+1::skin-tone-2": 3, "not an emoji <@U1>": 1}
    payload = ticket_details(details_of(ticket(), msgs), NO_ACTIONS, messages=30)
    assert_valid_message(payload)
    assert_no_live_markup(payload)
    shown = "".join(texts(payload))
    assert "Showing last 30 of 40 messages." in shown
    assert "ok 10" in shown
    assert "ok 9" not in shown
    assert ":+1::skin-tone-2: 3" in shown
    assert "`not an emoji &lt;@U1&gt;` 1" in shown


def test_details_without_messages():
    payload = ticket_details(details_of(ticket(description=""), []), NO_ACTIONS)
    assert_valid_message(payload)
    assert "No messages yet." in "".join(texts(payload))
    assert "_No description._" in "".join(texts(payload))


# -- lists ------------------------------------------------------------------------------------
def test_list_rows_have_view_buttons():
    tickets = [ticket(i, title=f"Issue {i}") for i in (3, 2, 1)]
    payload = ticket_list(tickets, heading="Open tickets", empty_text="None.", more_hint=None)
    assert_valid_message(payload)
    rows = [b for b in payload["blocks"] if b.get("accessory")]
    assert [r["accessory"]["value"] for r in rows] == ["3", "2", "1"]
    assert {r["accessory"]["action_id"] for r in rows} == {Action.SHOW_TICKET}
    assert "*TKT-3* · Issue 3" in rows[0]["text"]["text"]
    assert payload["text"] == "Open tickets: 3 tickets"


def test_list_rows_follow_every_change_and_are_callers_own():
    row = ticket(7, title="Printer")
    first = ticket_list([row], heading="Open", empty_text="-", more_hint=None)
    first["blocks"][1]["text"]["text"] = "scribbled on by a caller"
    again = ticket_list([row], heading="Open", empty_text="-", more_hint=None)
    assert "*TKT-7* · Printer" in again["blocks"][1]["text"]["text"]
    row.title, row.needs_response = "Printer on fire", True
    row.assigned_org = Organization(
        id=PARTNER.id, slug=PARTNER.slug, name="Renamed Org", kind=PARTNER.kind
    )
    changed = ticket_list([row], heading="Open", empty_text="-", more_hint=None)
    text = changed["blocks"][1]["text"]["text"]
    assert "Printer on fire" in text
    assert "Renamed Org" in text
    assert "needs response" in text


def test_list_caps_at_25_and_says_how_to_see_more():
    tickets = [longest_ticket(i) for i in range(1, 131)]
    payload = ticket_list(tickets, heading=LONG_TITLE, empty_text="None.", more_hint=None)
    assert_valid_message(payload)
    assert_no_live_markup(payload)
    assert sum(1 for b in payload["blocks"] if b.get("accessory")) == 25
    note = payload["blocks"][-1]
    assert note["type"] == "context"
    assert "Showing 25 of 130." in note["elements"][0]["text"]
    assert "/ticket search" in note["elements"][0]["text"]


def test_list_empty_and_hint():
    empty = ticket_list([], heading="Search: <x>", empty_text="No match.", more_hint=None)
    assert_valid_message(empty)
    assert empty["blocks"][1]["text"]["text"] == "No match."
    assert empty["text"] == "Search: &lt;x&gt;: No match."
    paged = ticket_list([ticket()], heading="Mine", empty_text="-", more_hint="Next: `page 2`")
    assert paged["blocks"][-1]["elements"][0]["text"] == "Next: `page 2`"
