"""Block Kit ticket cards (bot/slack/blocks): fields, buttons per permission, escaping, limits.

Pure tests: model objects are built in memory (tests/support/blocks.py) and every card goes
through the fake Slack's validator and slack_sdk's own.
"""

from __future__ import annotations

import pytest

from bot.slack.blocks import (
    escape_mrkdwn,
    parse_stage_value,
    severity_label,
    slack_date,
    stage_label,
    ticket_card,
    truncate,
    user_label,
)
from bot.slack.blocks.card_actions import NO_ACTIONS, CardActions, actions_for_org
from bot.slack.blocks.text import md
from bot.slack.ids import Action
from core.rules.stages import TRANSITIONS, Stage
from tests.support.blocks import (
    LONG_TITLE,
    NOW,
    PARTNER,
    PLATFORM,
    SUB,
    action_ids,
    assert_no_live_markup,
    assert_valid_message,
    elements,
    longest_ticket,
    org,
    stage_options,
    texts,
    ticket,
    user,
)


# -- text helpers -----------------------------------------------------------------------------
def test_escape_and_truncate_never_split_an_entity():
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 3) == "abc"
    for limit in range(1, 30):
        out = md("&" * 40, limit)
        assert len(out) <= limit
        assert out.rstrip("…").replace("&amp;", "") == ""


def test_labels_and_dates():
    assert stage_label(Stage.AWAITING_CUSTOMER_RESPONSE, short=True) == (
        "Awaiting customer response (ACR)"
    )
    assert severity_label("blocker") == "🔴 Blocker"
    assert len({severity_label(s) for s in ("low", "medium", "high", "blocker")}) == 4
    assert user_label(None) == "Unassigned"
    assert slack_date(NOW) == (
        f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} at {{time}}|2024-05-01 12:00 UTC>"
    )


# -- card -------------------------------------------------------------------------------------
def test_card_shows_the_spec_fields():
    rep = user(5, PARTNER, "Nia")
    t = ticket(owner=rep, escalated_from=None, needs_response=True, tags=("vpn", "sso"))
    card = ticket_card(t, NO_ACTIONS)
    assert_valid_message(card)
    shown = "\n".join(texts(card))
    for expected in ("TKT-12", "Printer on fire", "Queued (Q)", "🟠 High", "Contoso"):
        assert expected in shown
    for expected in ("Northwind IT", "Nia", "Needs response", "`vpn`", "`sso`"):
        assert expected in shown
    assert "Escalated from" not in shown
    assert not any(b["type"] == "actions" for b in card["blocks"])
    assert card["text"].startswith("TKT-12 · Printer on fire")


def test_assigned_partner_card_offers_assign_stages_and_escalate():
    t = ticket()
    card = ticket_card(t, actions_for_org(PARTNER, t))
    assert_valid_message(card)
    assert action_ids(card) == [Action.ASSIGN_TO_ME, Action.CHANGE_STAGE, Action.ESCALATE]
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    assert actions["block_id"] == "ticket_actions:12"
    buttons = {e["action_id"]: e for e in elements(card)}
    assert buttons[Action.ASSIGN_TO_ME]["value"] == "12"
    assert buttons[Action.ESCALATE]["value"] == "12"
    assert "confirm" in buttons[Action.ESCALATE]
    assert stage_options(card) == [(12, s) for s in TRANSITIONS[Stage.QUEUED]]


def test_platform_card_offers_deescalate_with_confirm_naming_the_partner():
    t = ticket(assigned=PLATFORM, escalated_from=PARTNER, stage=Stage.WORK_IN_PROGRESS)
    card = ticket_card(t, actions_for_org(PLATFORM, t))
    assert_valid_message(card)
    assert action_ids(card) == [Action.ASSIGN_TO_ME, Action.CHANGE_STAGE, Action.DEESCALATE]
    deescalate = elements(card)[-1]
    assert "Northwind IT" in deescalate["confirm"]["text"]["text"]
    assert "Escalated from" in "".join(texts(card))


def test_requester_card_offers_only_cancel_and_closed_only_reopen():
    open_card = ticket_card(t := ticket(), actions_for_org(SUB, t))
    assert action_ids(open_card) == [Action.CHANGE_STAGE]
    assert stage_options(open_card) == [(12, Stage.CANCELED)]
    closed = ticket(stage=Stage.RESOLVED)
    closed_card = ticket_card(closed, actions_for_org(SUB, closed))
    assert action_ids(closed_card) == [Action.CHANGE_STAGE]
    assert stage_options(closed_card) == [(12, Stage.WORK_IN_PROGRESS)]
    assert_valid_message(closed_card)


def test_uninvolved_org_gets_no_buttons():
    outsider = org(7, "Globex")
    card = ticket_card(t := ticket(), actions_for_org(outsider, t))
    assert action_ids(card) == []


@pytest.mark.parametrize("stage", list(Stage))
def test_stage_select_offers_exactly_the_allowed_transitions(stage: Stage):
    t = ticket(4242, stage=stage)
    card = ticket_card(t, CardActions(stages=TRANSITIONS[stage]))
    assert_valid_message(card)
    assert stage_options(card) == [(4242, s) for s in TRANSITIONS[stage]]
    select = elements(card)[0]
    labels = [o["text"]["text"] for o in select["options"]]
    assert labels == [stage_label(s, short=True) for s in TRANSITIONS[stage]]


def test_parse_stage_value_rejects_garbage():
    for bad in ("", "12", "x:queued", "12:nope"):
        with pytest.raises(ValueError):  # noqa: PT011
            parse_stage_value(bad)


def test_card_escapes_user_text_and_never_mentions():
    hostile = org(8, "<!channel> & <@U1>")
    t = ticket(title="<!channel> & <@U1>", requester=hostile, tags=())
    t.owner = user(9, PARTNER, "<@U1> & <!here>")
    card = ticket_card(t, actions_for_org(PARTNER, t))
    assert_valid_message(card)
    assert_no_live_markup(card)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in card["text"]
    assert "*Requester*\n&lt;!channel&gt; &amp; &lt;@U1&gt;" in list(texts(card, "mrkdwn"))


def test_card_with_the_longest_content_fits():
    t = longest_ticket()
    card = ticket_card(t, CardActions(True, TRANSITIONS[Stage.QUEUED], True, True))
    assert_valid_message(card)
    assert_no_live_markup(card)
    header = card["blocks"][0]
    assert header["type"] == "header"
    assert len(header["text"]["text"]) <= 150
    assert escape_mrkdwn(LONG_TITLE.strip()) in list(texts(card, "mrkdwn"))  # whole title
    tag_line = list(texts(card["blocks"][3]))[-1]
    assert tag_line.startswith("🏷️")
    assert tag_line.endswith(" more")
