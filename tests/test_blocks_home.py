"""Block Kit Home tab and help (bot/slack/blocks): notifications unread first, every
subcommand, stage and export filter in the help. Pure tests.
"""

from __future__ import annotations

from datetime import timedelta

from bot.slack.blocks import HELP_TEXT, help_message, home_view
from bot.slack.ids import Action
from core.models import Notification
from core.rules.stages import SHORT_FORMS
from tests.support.blocks import (
    LONG_NAME,
    LONG_TITLE,
    NOW,
    assert_no_live_markup,
    assert_valid_message,
    assert_valid_view,
    long_text,
    longest_ticket,
    texts,
    ticket,
)


# -- home -------------------------------------------------------------------------------------
def notification(i: int, *, read: bool, summary: str = "", title: str = "Printer") -> Notification:
    return Notification(
        id=i,
        user_id=1,
        ticket_id=i,
        event_id=f"e{i}",
        event="message.posted",
        summary=summary or f"Ana: update {i}",
        payload={"display_id": f"TKT-{i}", "title": title},
        created_at=NOW - timedelta(minutes=i),
        read_at=NOW if read else None,
    )


def test_home_lists_unread_first_with_mark_read_buttons():
    notes = [notification(i, read=i % 2 == 0) for i in range(1, 5)]
    view = home_view(
        notifications=notes, unread=2, queue=[ticket(5)], org_open=[], org_name="Contoso"
    )
    assert_valid_view(view)
    assert view["type"] == "home"
    sections = [b for b in view["blocks"] if b["type"] == "section"]
    assert sections[0]["accessory"]["action_id"] == Action.MARK_ALL_READ
    rows = [s for s in sections if "TKT-" in s["text"]["text"] and "Ana:" in s["text"]["text"]]
    assert [r["text"]["text"].split("*")[1] for r in rows] == ["TKT-1", "TKT-3", "TKT-2", "TKT-4"]
    marks = [r.get("accessory", {}).get("value") for r in rows]
    assert marks == ["1", "3", None, None]
    assert all(r["accessory"]["action_id"] == Action.MARK_READ for r in rows[:2])
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["🔔 Notifications", "📥 My queue", "🏢 Contoso open tickets"]
    assert "No open tickets." in "".join(texts(view))


def test_home_without_unread_has_no_mark_all_button():
    view = home_view(notifications=[], unread=0, queue=[], org_open=[], org_name="X")
    assert_valid_view(view)
    assert Action.MARK_ALL_READ not in str(view)


def test_home_with_the_longest_content_fits():
    notes = [
        notification(i, read=i >= 40, summary=long_text(40_000), title=LONG_TITLE)
        for i in range(100)
    ]
    queue = [longest_ticket(i) for i in range(120)]
    view = home_view(
        notifications=notes, unread=40, queue=queue, org_open=queue, org_name=LONG_NAME
    )
    assert_valid_view(view)
    assert_no_live_markup(view)
    assert len(view["blocks"]) <= 100
    shown = "".join(texts(view))
    assert "80 older notifications not shown (20 unread)." in shown
    assert "Showing 20 of 120." in shown
    assert "/ticket list mine" in shown
    assert "/ticket list open" in shown


# -- help -------------------------------------------------------------------------------------
def test_help_lists_every_subcommand_stage_and_export_filter():
    for sub in (
        "new [title]",
        "list [open|mine|all]",
        "show TKT-n",
        "assign TKT-n @user|me",
        "stage TKT-n STAGE",
        "severity TKT-n LEVEL",
        "escalate TKT-n [reason]",
        "deescalate TKT-n [reason]",
        "note TKT-n text",
        "link TKT-n TKT-m",
        "tag TKT-n +a -b",
        "subscribe TKT-n",
        "unsubscribe TKT-n",
        "search words",
        "export csv|json",
        "help",
    ):
        assert f"/ticket {sub}" in HELP_TEXT
    for short, stage in SHORT_FORMS.items():
        assert f"`{short}` {stage.value}" in HELP_TEXT
    assert (
        "[stage:S] [state:open|in_progress|closed] [severity:L] [tag:T] [org:SLUG] "
        "[since:YYYY-MM-DD]"
    ) in HELP_TEXT


def test_help_message_with_escaped_prefix():
    plain_help = help_message()
    assert_valid_message(plain_help)
    payload = help_message("I didn't understand `<!channel>`.")
    assert_valid_message(payload)
    assert_no_live_markup(payload)
    assert payload["blocks"][0]["text"]["text"] == "I didn't understand `&lt;!channel&gt;`."
    assert len(payload["blocks"]) == len(plain_help["blocks"]) + 1
