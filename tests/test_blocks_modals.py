"""Block Kit modals (bot/slack/blocks): create and add-to-ticket, org pickers of every size,
prefills and private_metadata within Slack's limits. Pure tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.blocks import TicketPrefill, add_to_ticket_modal, create_ticket_modal
from bot.slack.ids import Block, input_action
from bot.slack.ids import View as Callback
from tests.support.blocks import (
    LONG_NAME,
    LONG_TITLE,
    assert_no_live_markup,
    assert_valid_view,
    long_text,
    longest_ticket,
)


# -- modals -----------------------------------------------------------------------------------
def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_create_modal_inputs():
    view = create_ticket_modal(org_options=None, prefill=TicketPrefill(), private_metadata="{}")
    assert_valid_view(view)
    assert view["callback_id"] == Callback.CREATE_TICKET
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "New ticket",
        "Create",
        "Cancel",
    )
    blocks = inputs(view)
    expected = [Block.TITLE, Block.DESCRIPTION, Block.SEVERITY, Block.SUBTYPE, Block.PART]
    assert list(blocks) == [*expected, Block.TAGS]
    for block_id, block in blocks.items():
        assert block["element"]["action_id"] == input_action(Block(block_id))
    assert blocks[Block.TITLE]["element"]["max_length"] == 200
    assert not blocks[Block.TITLE].get("optional")
    description = blocks[Block.DESCRIPTION]
    assert description["optional"]
    assert description["element"]["multiline"]
    assert description["element"]["max_length"] == 3000
    assert "3,000" in description["hint"]["text"]
    assert blocks[Block.SEVERITY]["element"]["initial_option"]["value"] == "medium"
    assert blocks[Block.SUBTYPE]["optional"]
    assert blocks[Block.PART]["optional"]
    assert "comma" in blocks[Block.TAGS]["hint"]["text"]


def test_create_modal_prefill_with_the_longest_content():
    prefill = TicketPrefill(
        title=LONG_TITLE + " and more", description=long_text(40_000), severity="blocker"
    )
    view = create_ticket_modal(org_options=None, prefill=prefill, private_metadata="x" * 3000)
    assert_valid_view(view)
    blocks = inputs(view)
    assert len(blocks[Block.TITLE]["element"]["initial_value"]) <= 200
    assert len(blocks[Block.DESCRIPTION]["element"]["initial_value"]) <= 3000
    assert "shortened" in blocks[Block.DESCRIPTION]["hint"]["text"]
    assert blocks[Block.SEVERITY]["element"]["initial_option"]["value"] == "blocker"


def test_create_modal_org_picker_small():
    options = [(f"org{i}", f"Org {i}") for i in range(50)]
    prefill = TicketPrefill(for_org="org7")
    view = create_ticket_modal(org_options=options, prefill=prefill, private_metadata="")
    assert_valid_view(view)
    picker = inputs(view)[Block.ORG]
    assert not picker.get("optional")
    element = picker["element"]
    assert element["action_id"] == input_action(Block.ORG)
    assert [o["value"] for o in element["options"]] == [slug for slug, _ in options]
    assert element["initial_option"]["value"] == "org7"


def test_create_modal_150_orgs_use_option_groups_with_every_org():
    options = [(f"org{i:03d}", f"{LONG_NAME[:5]} {i} " + "n" * 190) for i in range(150)]
    view = create_ticket_modal(
        org_options=options, prefill=TicketPrefill(for_org="org149"), private_metadata=""
    )
    assert_valid_view(view)
    element = inputs(view)[Block.ORG]["element"]
    groups = element["option_groups"]
    assert all(len(g["options"]) <= 100 for g in groups)
    values = [o["value"] for g in groups for o in g["options"]]
    assert sorted(values) == sorted(slug for slug, _ in options)
    assert element["initial_option"]["value"] == "org149"


def test_create_modal_caps_huge_org_lists_keeping_the_prefilled_one():
    options = [(f"org{i:04d}", f"Org {i}") for i in range(700)]
    view = create_ticket_modal(
        org_options=options, prefill=TicketPrefill(for_org="org0699"), private_metadata=""
    )
    assert_valid_view(view)
    picker = inputs(view)[Block.ORG]
    values = [o["value"] for g in picker["element"]["option_groups"] for o in g["options"]]
    assert len(values) == 500
    assert "org0699" in values
    assert "500 of 700" in picker["hint"]["text"]


def test_modal_refuses_oversized_private_metadata():
    with pytest.raises(ValueError, match="private_metadata"):
        create_ticket_modal(org_options=None, prefill=TicketPrefill(), private_metadata="x" * 3001)
    with pytest.raises(ValueError, match="private_metadata"):
        add_to_ticket_modal(tickets=[], quoted_text="", private_metadata="x" * 3001)


def test_add_to_ticket_modal():
    tickets = [longest_ticket(i) for i in range(1, 151)]
    view = add_to_ticket_modal(
        tickets=tickets, quoted_text=long_text(40_000), private_metadata="C1:123.456"
    )
    assert_valid_view(view)
    assert_no_live_markup(view)
    assert view["callback_id"] == Callback.ADD_TO_TICKET
    assert view["submit"]["text"] == "Add"
    picker = inputs(view)[Block.TICKET]
    options = picker["element"]["options"]
    assert picker["element"]["action_id"] == input_action(Block.TICKET)
    assert [o["value"] for o in options] == [str(i) for i in range(1, 101)]
    assert options[0]["text"]["text"].startswith("TKT-1 · ")
    assert "100 of 150" in picker["hint"]["text"]
    assert view["blocks"][-1]["type"] == "context"


def test_add_to_ticket_modal_without_tickets_has_no_submit():
    view = add_to_ticket_modal(tickets=[], quoted_text="hi <@U1>", private_metadata="")
    assert_valid_view(view)
    assert_no_live_markup(view)
    assert "submit" not in view
    assert not inputs(view)
