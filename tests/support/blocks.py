"""Model objects built in memory for the Block Kit tests, and the checks every rendered
surface goes through: the fake Slack's validator (CONTRACT.md §5), slack_sdk's model
validators, and no live mentions or links from user text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block as SlackBlock
from slack_sdk.models.views import View as SlackView

from bot.slack.blocks import parse_stage_value
from bot.slack.ids import Action
from core.models import Organization, OrgKind, Ticket, TicketInvolvedOrg, TicketTag, User
from core.rules.stages import Stage
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
