"""Block Kit renderers (bot/blocks): Slack's limits, buttons per permission, escaping.

Pure tests: model objects are built in memory, every rendered surface goes through the fake
Slack's validator (CONTRACT.md §5) and through slack_sdk's own model validators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bot.slack.blocks.details import text_size
from bot.slack.blocks.text import md
from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View as SlackView

from bot.slack.blocks import (
    HELP_TEXT,
    TicketPrefill,
    add_to_ticket_modal,
    create_ticket_modal,
    escape_mrkdwn,
    help_message,
    home_view,
    parse_stage_value,
    severity_label,
    slack_date,
    stage_label,
    ticket_card,
    ticket_details,
    ticket_list,
    truncate,
    user_label,
)
from bot.slack.blocks.card_actions import NO_ACTIONS, CardActions, actions_for_org
from bot.slack.ids import Action, Block, input_action
from bot.slack.ids import View as Callback
from core.models import (
    Attachment,
    LinkKind,
    Message,
    Notification,
    Organization,
    OrgKind,
    Ticket,
    TicketInvolvedOrg,
    TicketTag,
    User,
)
from core.rules.stages import SHORT_FORMS, TRANSITIONS, Stage
from core.services.queries import LinkedTicket, MessageView, TicketDetails
from tests.fakeslack.blockkit import check_message_blocks, check_view, view_too_large

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NASTY = "<!channel> & <@U1> 🔥 "
LONG_TITLE = (NASTY * 20)[:200]
LONG_NAME = ("Ünïcødé & <Sons> " * 20)[:200]


def long_text(n: int) -> str:
    return ("line with <!here> & <https://x.example|link>\n" * (n // 40 + 1))[:n]


# -- builders ---------------------------------------------------------------------------------
def org(id: int, name: str = "", kind: OrgKind = OrgKind.PARTNER) -> Organization:
    return Organization(id=id, slug=f"org{id}", name=name or f"Org {id}", kind=kind)


PLATFORM = org(1, "Revampd Support", OrgKind.PLATFORM)
PARTNER = org(2, "Northwind IT", OrgKind.PARTNER)
SUB = org(3, "Contoso", OrgKind.SUB_ORG)


def user(id: int, of: Organization, name: str = "") -> User:
    return User(id=id, name=name or f"User {id}", email=f"u{id}@x.example", org_id=of.id, org=of)


def ticket(
    id: int = 12,
    *,
    title: str = "Printer on fire",
    stage: Stage = Stage.QUEUED,
    requester: Organization = SUB,
    assigned: Organization = PARTNER,
    owner: User | None = None,
    escalated_from: Organization | None = None,
    tags: tuple[str, ...] = ("hardware",),
    description: str = "It started smoking.",
    needs_response: bool = False,
) -> Ticket:
    t = Ticket(
        id=id,
        title=title,
        description=description,
        severity="high",
        stage=stage.value,
        requester_org_id=requester.id,
        assigned_org_id=assigned.id,
        escalated_from_org_id=escalated_from.id if escalated_from else None,
        owner_id=owner.id if owner else None,
        needs_response=needs_response,
    )
    t.requester_org = requester
    t.assigned_org = assigned
    t.escalated_from_org = escalated_from
    t.owner = owner
    involved = {requester.id, assigned.id} | ({escalated_from.id} if escalated_from else set())
    t.involved = [TicketInvolvedOrg(org_id=i) for i in sorted(involved)]
    t.tag_rows = [TicketTag(tag=tag) for tag in tags]
    return t


def longest_ticket(id: int = 12, **kwargs: Any) -> Ticket:
    big = [org(10 + i, LONG_NAME) for i in range(3)]
    return ticket(
        id,
        title=LONG_TITLE,
        requester=big[0],
        assigned=big[1],
        escalated_from=big[2],
        owner=user(99, big[1], LONG_NAME),
        tags=tuple(f"{i:03d}-" + "t" * 60 for i in range(200)),
        description=long_text(8000),
        needs_response=True,
        **kwargs,
    )


# -- checks -----------------------------------------------------------------------------------
def assert_valid_message(payload: dict[str, Any]) -> None:
    assert set(payload) == {"text", "blocks"}
    assert 0 < len(payload["text"]) <= 4000  # chat.update's limit on `text`
    assert check_message_blocks(payload["blocks"]) == []
    for block in payload["blocks"]:
        assert SlackBlock.parse(block).to_dict() == block  # slack_sdk validates on to_dict


def assert_valid_view(view: dict[str, Any]) -> None:
    assert check_view(view) == []
    assert not view_too_large(view)
    parsed = SlackView(**view)
    parsed.validate_json()
    assert parsed.to_dict() == view


def texts(value: Any, kind: str | None = None) -> Iterator[str]:
    """Every text object's text (of `kind` if given), anywhere in a payload."""
    if isinstance(value, dict):
        if isinstance(value.get("text"), str) and kind in (None, value.get("type")):
            yield value["text"]
        for v in value.values():
            yield from texts(v, kind)
    elif isinstance(value, list):
        for v in value:
            yield from texts(v, kind)


def assert_no_live_markup(payload: dict[str, Any]) -> None:
    """User text never becomes a mention or link: no `<!channel>`, `<@U1>`, `<https://x`."""
    for text in [*texts(payload, "mrkdwn"), payload.get("text", "")]:
        for raw in ("<!channel>", "<@U1>", "<!here>", "<https://x.example"):
            assert raw not in text


def elements(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def action_ids(payload: dict[str, Any]) -> list[str]:
    return [e["action_id"] for e in elements(payload)]


def stage_options(payload: dict[str, Any]) -> list[tuple[int, Stage]]:
    select = next(e for e in elements(payload) if e["action_id"] == Action.CHANGE_STAGE)
    return [parse_stage_value(o["value"]) for o in select["options"]]


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
