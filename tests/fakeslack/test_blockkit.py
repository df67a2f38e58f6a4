"""Block Kit limits (CONTRACT.md §5): one violation per limit class, answered as Slack does.

Messages answer `invalid_blocks` with `[ERROR] <rule> [json-pointer:...]` messages; views
answer `invalid_arguments` (or `view_too_large`). The last limit in each case passes, the
next one fails, so an off-by-one in the fake fails a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack.catalog import SELF_TEST_SCOPES

from . import FakeSlack

pytestmark = pytest.mark.asyncio


def text(n: int, kind: str = "mrkdwn") -> dict[str, Any]:
    return {"type": kind, "text": "x" * n}


def section(n: int = 1) -> dict[str, Any]:
    return {"type": "section", "text": text(n)}


def button(label: int = 1, value: int = 1, action_id: int = 1) -> dict[str, Any]:
    return {
        "type": "button",
        "text": text(label, "plain_text"),
        "value": "v" * value,
        "action_id": "a" * action_id,
    }


def option(label: int = 1, value: int = 1) -> dict[str, Any]:
    return {"text": text(label, "plain_text"), "value": "v" * value}


def select(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "actions", "elements": [{"type": "static_select", "options": options}]}


def input_block(label: int = 1, placeholder: int = 1) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "title",
        "label": text(label, "plain_text"),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "placeholder": text(placeholder, "plain_text"),
        },
    }


# (ok blocks, failing blocks, json-pointer of the failure, rule)
MESSAGE_CASES = {
    "blocks per message": (
        [section()] * 50,
        [section()] * 51,
        "/blocks",
        "no more than 50 items allowed",
    ),
    "section text": (
        [section(3000)],
        [section(3001)],
        "/blocks/0/text/text",
        "must be less than 3001",
    ),
    "section fields count": (
        [{"type": "section", "fields": [text(1)] * 10}],
        [{"type": "section", "fields": [text(1)] * 11}],
        "/blocks/0/fields",
        "no more than 10 items",
    ),
    "section field length": (
        [{"type": "section", "fields": [text(2000)]}],
        [{"type": "section", "fields": [text(2001)]}],
        "/blocks/0/fields/0/text",
        "must be less than 2001",
    ),
    "header length": (
        [{"type": "header", "text": text(150, "plain_text")}],
        [{"type": "header", "text": text(151, "plain_text")}],
        "/blocks/0/text/text",
        "must be less than 151",
    ),
    "header is plain_text": (
        [{"type": "header", "text": text(1, "plain_text")}],
        [{"type": "header", "text": text(1, "mrkdwn")}],
        "/blocks/0/text/type",
        "must be a valid enum value",
    ),
    "context elements": (
        [{"type": "context", "elements": [text(1)] * 10}],
        [{"type": "context", "elements": [text(1)] * 11}],
        "/blocks/0/elements",
        "no more than 10 items",
    ),
    "actions elements": (
        [{"type": "actions", "elements": [button()] * 25}],
        [{"type": "actions", "elements": [button()] * 26}],
        "/blocks/0/elements",
        "no more than 25 items",
    ),
    "button text": (
        [{"type": "actions", "elements": [button(label=75)]}],
        [{"type": "actions", "elements": [button(label=76)]}],
        "/blocks/0/elements/0/text/text",
        "must be less than 76",
    ),
    "button value": (
        [{"type": "actions", "elements": [button(value=2000)]}],
        [{"type": "actions", "elements": [button(value=2001)]}],
        "/blocks/0/elements/0/value",
        "must be less than 2001",
    ),
    "action_id": (
        [{"type": "actions", "elements": [button(action_id=255)]}],
        [{"type": "actions", "elements": [button(action_id=256)]}],
        "/blocks/0/elements/0/action_id",
        "must be less than 256",
    ),
    "block_id": (
        [{**section(), "block_id": "b" * 255}],
        [{**section(), "block_id": "b" * 256}],
        "/blocks/0/block_id",
        "must be less than 256",
    ),
    "unique block_id": (
        [{**section(), "block_id": "a"}, {**section(), "block_id": "b"}],
        [{**section(), "block_id": "a"}, {**section(), "block_id": "a"}],
        "/blocks/1/block_id",
        "duplicate block_id",
    ),
    "option text": (
        [select([option(label=75)])],
        [select([option(label=76)])],
        "/blocks/0/elements/0/options/0/text/text",
        "must be less than 76",
    ),
    "option value": (
        [select([option(value=150)])],
        [select([option(value=151)])],
        "/blocks/0/elements/0/options/0/value",
        "must be less than 151",
    ),
    "static select options": (
        [select([option()] * 100)],
        [select([option()] * 101)],
        "/blocks/0/elements/0/options",
        "no more than 100 items",
    ),
    "input label": (
        [input_block(label=2000)],
        [input_block(label=2001)],
        "/blocks/0/label/text",
        "less than 2001",
    ),
    "placeholder": (
        [input_block(placeholder=150)],
        [input_block(placeholder=151)],
        "/blocks/0/element/placeholder/text",
        "must be less than 151",
    ),
    "empty text": (
        [section(1)],
        [section(0)],
        "/blocks/0/text/text",
        "must be more than 0 characters",
    ),
    "known block type": (
        [{"type": "divider"}],
        [{"type": "sparkles"}],
        "/blocks/0/type",
        "valid enum value",
    ),
}


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_team(
            "T0NORTH",
            bot_token="xoxb-north",
            bot_user_id="UBOT1",
            bot_id="B01",
            scopes=SELF_TEST_SCOPES,
        )
        fake.add_user("T0NORTH", "U0NED", "ned")
        fake.add_channel("T0NORTH", "C0NWTIX", "nw-tickets", members=["UBOT1", "U0NED"])
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-north", base_url=slack.api_url)


@pytest.mark.parametrize(
    ("ok", "bad", "pointer", "rule"), MESSAGE_CASES.values(), ids=MESSAGE_CASES.keys()
)
async def test_message_block_limit(
    client: AsyncWebClient, ok: Any, bad: Any, pointer: str, rule: str
) -> None:
    await client.chat_postMessage(channel="C0NWTIX", text="fallback", blocks=ok)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0NWTIX", text="fallback", blocks=bad)
    body = raised.value.response.data
    assert body["error"] == "invalid_blocks"
    [message] = [
        m for m in body["response_metadata"]["messages"] if f"[json-pointer:{pointer}]" in m
    ]
    assert message.startswith("[ERROR] ")
    assert rule in message


def modal(**overrides: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": "create",
        "title": text(24, "plain_text"),
        "submit": text(24, "plain_text"),
        "close": text(24, "plain_text"),
        "private_metadata": "m" * 3000,
        "blocks": [input_block()],
    }
    view.update(overrides)
    return {k: v for k, v in view.items() if v is not None}


VIEW_CASES = {
    "title": (modal(title=text(25, "plain_text")), "/view/title/text"),
    "submit": (modal(submit=text(25, "plain_text")), "/view/submit/text"),
    "close": (modal(close=text(25, "plain_text")), "/view/close/text"),
    "submit required with input": (modal(submit=None), "/view/submit"),
    "private_metadata": (modal(private_metadata="m" * 3001), "/view/private_metadata"),
    "callback_id": (modal(callback_id="c" * 256), "/view/callback_id"),
    "blocks per view": (modal(blocks=[section()] * 101), "/view/blocks"),
}


async def test_valid_modal_opens(slack: FakeSlack, client: AsyncWebClient) -> None:
    trigger_id = slack.new_trigger_id("U0NED", "T0NORTH")
    opened = await client.views_open(trigger_id=trigger_id, view=modal(blocks=[section()] * 100))
    assert opened["view"]["id"].startswith("V")


@pytest.mark.parametrize(("view", "pointer"), VIEW_CASES.values(), ids=VIEW_CASES.keys())
async def test_view_limit(
    slack: FakeSlack, client: AsyncWebClient, view: dict[str, Any], pointer: str
) -> None:
    trigger_id = slack.new_trigger_id("U0NED", "T0NORTH")
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=trigger_id, view=view)
    body = raised.value.response.data
    assert body["error"] == "invalid_arguments"
    assert any(f"[json-pointer:{pointer}]" in m for m in body["response_metadata"]["messages"])


async def test_view_too_large(client: AsyncWebClient) -> None:
    huge = modal(blocks=[section(3000) for _ in range(90)])  # ~270 kB, every block valid
    with pytest.raises(SlackApiError) as raised:
        await client.views_publish(user_id="U0NED", view={**huge, "type": "home"})
    assert raised.value.response["error"] == "view_too_large"
