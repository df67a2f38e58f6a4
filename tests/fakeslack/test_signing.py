"""Signed requests reach a real Bolt app over HTTP, and Socket Mode reaches a real client.

A minimal `slack_bolt.async_app.AsyncApp` (not Threadline) runs on 127.0.0.1 against the
fake; the sender's payloads must pass Bolt's signature check and drive the fake's state
(trigger_ids, response_urls, modal stack) the way Slack would.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack.catalog import SELF_TEST_SCOPES

from . import FakeSlack, SlackRequestSender, payloads

pytestmark = pytest.mark.asyncio

SECRET = "test-signing-secret"
CREATE_MODAL = {
    "type": "modal",
    "callback_id": "create",
    "title": {"type": "plain_text", "text": "New ticket"},
    "submit": {"type": "plain_text", "text": "Create"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Wait for work a listener does after its ack."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


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


@pytest_asyncio.fixture
async def seen(slack: FakeSlack) -> AsyncIterator[dict[str, Any]]:
    """Runs a tiny Bolt app; yields what its listeners saw (plus its `url`)."""
    seen: dict[str, Any] = {"events": []}
    bolt = AsyncApp(
        client=AsyncWebClient(token="xoxb-north", base_url=slack.api_url), signing_secret=SECRET
    )

    @bolt.command("/ticket")
    async def ticket(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=CREATE_MODAL)

    @bolt.view("create")
    async def create(ack: Any, view: dict[str, Any]) -> None:
        seen["title"] = view["state"]["values"]["title"]["value"]["value"]
        await ack()

    @bolt.shortcut("create_ticket_from_message")
    async def shortcut(ack: Any, respond: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        await respond(f"Ticket from: {shortcut['message']['text']}")

    @bolt.event("reaction_added")
    async def reaction(event: dict[str, Any], context: Any, request: Any) -> None:
        retry_num = request.headers.get("x-slack-retry-num", [None])[0]  # Bolt keeps lists
        seen["events"].append((event["reaction"], retry_num))

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(bolt.web_app(path="/slack/events"))
    await runner.setup()
    await web.SockSite(runner, sock).start()
    seen["url"] = f"http://127.0.0.1:{sock.getsockname()[1]}/slack/events"
    yield seen
    await runner.cleanup()


@pytest_asyncio.fixture
async def sender(slack: FakeSlack, seen: dict[str, Any]) -> AsyncIterator[SlackRequestSender]:
    async with SlackRequestSender(seen["url"], SECRET, slack=slack) as sender:
        yield sender


async def test_command_opens_modal_and_submission_closes_it(
    slack: FakeSlack, seen: dict[str, Any], sender: SlackRequestSender
) -> None:
    form = payloads.slash_command(
        slack, team="T0NORTH", user="U0NED", channel="C0NWTIX", text="new"
    )
    answer = await sender.slash_command(form)
    assert answer.status == 200
    assert answer.elapsed < 3.0
    [modal] = slack.open_views("U0NED")
    submission = payloads.view_submission(
        slack,
        team="T0NORTH",
        user="U0NED",
        view=modal,
        values={"title": {"value": payloads.plain_input("Printer")}},
    )
    assert (await sender.interactivity(submission)).status == 200
    assert seen["title"] == "Printer"
    assert slack.open_views("U0NED") == []


async def test_message_shortcut_responds_via_response_url(
    slack: FakeSlack, sender: SlackRequestSender
) -> None:
    message = slack.add_message("C0NWTIX", "U0NED", "printer on fire")
    payload = payloads.message_shortcut(
        slack, team="T0NORTH", user="U0NED", channel="C0NWTIX", message=message
    )
    assert (await sender.interactivity(payload)).status == 200
    await eventually(lambda: bool(slack.ephemerals("C0NWTIX", "U0NED")))
    assert [e["text"] for e in slack.ephemerals("C0NWTIX", "U0NED")] == [
        "Ticket from: printer on fire"
    ]


async def test_events_and_retries_carry_their_headers(
    slack: FakeSlack, seen: dict[str, Any], sender: SlackRequestSender
) -> None:
    message = slack.add_message("C0NWTIX", "U0NED", "hello")
    event = payloads.reaction_event(
        slack, user="U0NED", reaction="eyes", channel="C0NWTIX", ts=message["ts"]
    )
    envelope = payloads.event_callback(slack, event, team="T0NORTH")
    assert event["item_user"] == "U0NED"
    assert envelope["authorizations"][0]["user_id"] == "UBOT1"
    assert (await sender.event(envelope)).status == 200
    assert (await sender.event(envelope, retry_num=1, retry_reason="http_timeout")).status == 200
    await eventually(lambda: len(seen["events"]) == 2)  # Bolt runs event listeners after the ack
    assert sorted(seen["events"], key=str) == [("eyes", "1"), ("eyes", None)]


async def test_forged_and_stale_requests_are_rejected(
    slack: FakeSlack, seen: dict[str, Any], sender: SlackRequestSender
) -> None:
    event = payloads.reaction_event(
        slack, user="U0NED", reaction="eyes", channel="C0NWTIX", ts="1.2"
    )
    body = payloads.event_callback(slack, event, team="T0NORTH")
    raw = json.dumps(body)
    forged = await sender.post(raw, "application/json", signature="v0=" + "0" * 64)
    stale = await sender.post(raw, "application/json", timestamp="1000000000")
    unsigned = await sender.post(raw, "application/json", signed=False)
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    assert seen["events"] == []
    assert (await sender.ssl_check()).status == 200


async def test_socket_mode_round_trip(slack: FakeSlack) -> None:
    slack.add_app_token("xapp-1-A0THREADLINE-1-secret")
    web_client = AsyncWebClient(base_url=slack.api_url)
    client = SocketModeClient(
        "xapp-1-A0THREADLINE-1-secret", web_client=web_client, auto_reconnect_enabled=False
    )

    async def ack(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"seen": request.type})
        )

    client.socket_mode_request_listeners.append(ack)
    await client.connect()  # type: ignore[no-untyped-call]
    try:
        envelope = payloads.socket_envelope(
            "events_api", {"type": "event_callback"}, retry_attempt=1, retry_reason="timeout"
        )
        answer = await slack.socket_send(envelope)
        assert answer["payload"] == {"seen": "events_api"}
    finally:
        await client.close()  # type: ignore[no-untyped-call]
