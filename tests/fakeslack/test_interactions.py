"""Views, trigger_ids, response_urls, file uploads and OAuth against the real Slack clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakeslack.catalog import SELF_TEST_SCOPES

from . import FakeSlack

pytestmark = pytest.mark.asyncio

MODAL = {
    "type": "modal",
    "callback_id": "create",
    "title": {"type": "plain_text", "text": "New ticket"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
}
HOME = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Queue"}}],
}


@pytest_asyncio.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(client_id="111.222", client_secret="s3cret") as fake:
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


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        await call
    return str(raised.value.response["error"])


async def test_trigger_id_is_single_use_and_expires(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    trigger = slack.new_trigger_id("U0NED", "T0NORTH")
    await client.views_open(trigger_id=trigger, view=MODAL)
    assert [v["callback_id"] for v in slack.open_views("U0NED")] == ["create"]
    assert (
        await error_of(client.views_open(trigger_id=trigger, view=MODAL)) == "exchanged_trigger_id"
    )
    late = slack.new_trigger_id("U0NED", "T0NORTH")
    slack.clock.advance(3.5)
    assert await error_of(client.views_open(trigger_id=late, view=MODAL)) == "expired_trigger_id"
    assert await error_of(client.views_open(trigger_id="1.2.3", view=MODAL)) == "invalid_trigger_id"


async def test_modal_stack_and_updates(slack: FakeSlack, client: AsyncWebClient) -> None:
    opened = await client.views_open(trigger_id=slack.new_trigger_id("U0NED"), view=MODAL)
    for _ in range(2):
        await client.views_push(trigger_id=slack.new_trigger_id("U0NED"), view=MODAL)
    push = client.views_push(trigger_id=slack.new_trigger_id("U0NED"), view=MODAL)
    assert await error_of(push) == "push_limit_reached"
    view_id, old_hash = opened["view"]["id"], opened["view"]["hash"]
    loaded = {**MODAL, "title": {"type": "plain_text", "text": "TKT-1"}}
    updated = await client.views_update(view_id=view_id, hash=old_hash, view=loaded)
    assert slack.open_views("U0NED")[0]["title"]["text"] == "TKT-1"
    stale = client.views_update(view_id=view_id, hash=old_hash, view=MODAL)
    assert await error_of(stale) == "hash_conflict"
    assert updated["view"]["hash"] != old_hash
    assert await error_of(client.views_update(view_id="V0NOPE", view=MODAL)) == "not_found"


async def test_view_submission_acks_change_the_stack(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    await client.views_open(trigger_id=slack.new_trigger_id("U0NED"), view=MODAL)
    slack.apply_view_submission_ack("U0NED", {"response_action": "errors", "errors": {"t": "bad"}})
    assert len(slack.open_views("U0NED")) == 1
    slack.apply_view_submission_ack("U0NED", {"response_action": "push", "view": MODAL})
    assert len(slack.open_views("U0NED")) == 2
    slack.apply_view_submission_ack("U0NED", None)
    assert len(slack.open_views("U0NED")) == 1
    slack.apply_view_submission_ack("U0NED", {"response_action": "clear"})
    assert slack.open_views("U0NED") == []


async def test_home_tab_publish_and_hash_conflict(slack: FakeSlack, client: AsyncWebClient) -> None:
    first = await client.views_publish(user_id="U0NED", view=HOME)
    second = await client.views_publish(user_id="U0NED", view=HOME, hash=first["view"]["hash"])
    assert second["view"]["id"] == first["view"]["id"]
    stale = client.views_publish(user_id="U0NED", view=HOME, hash=first["view"]["hash"])
    assert await error_of(stale) == "hash_conflict"
    assert slack.home_view("U0NED")["hash"] == second["view"]["hash"]  # type: ignore[index]
    modal_as_home = client.views_publish(user_id="U0NED", view=MODAL)
    assert await error_of(modal_as_home) == "invalid_arguments"


async def test_files_upload_v2_round_trip(slack: FakeSlack, client: AsyncWebClient) -> None:
    root = await client.chat_postMessage(channel="C0NWTIX", text="export")
    csv = "id,title\nTKT-1,Printer on fire\n"
    done = await client.files_upload_v2(
        channel="C0NWTIX",
        thread_ts=root["ts"],
        content=csv,
        filename="tickets.csv",
        title="Tickets",
    )
    [upload] = slack.uploaded_files("C0NWTIX")
    assert done["file"]["id"] == upload.id
    assert slack.file_content(upload.id).decode() == csv
    [reply] = slack.messages("C0NWTIX", thread_ts=root["ts"])
    assert reply["files"][0]["name"] == "tickets.csv"
    not_member = client.files_upload_v2(channel="C0NOPE", content=csv, filename="t.csv")
    assert await error_of(not_member) == "channel_not_found"


async def test_response_url_posts_and_use_limit(slack: FakeSlack) -> None:
    root = slack.add_message("C0NWTIX", "U0NED", "card")
    url = slack.new_response_url(
        team="T0NORTH", channel="C0NWTIX", user="U0NED", message_ts=root["ts"]
    )
    hook = AsyncWebhookClient(url)
    assert (await hook.send(text="only you")).status_code == 200
    assert (await hook.send(text="everyone", response_type="in_channel")).status_code == 200
    assert [e["text"] for e in slack.ephemerals("C0NWTIX", "U0NED")] == ["only you"]
    assert [m["text"] for m in slack.messages("C0NWTIX")] == ["card", "everyone"]
    bad = await hook.send(blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}])
    assert bad.status_code == 400
    await hook.send(text="card v2", replace_original=True)
    assert slack.message("C0NWTIX", root["ts"])["text"] == "card v2"  # type: ignore[index]
    assert (await hook.send(text="fifth")).status_code == 200
    assert (await hook.send(text="sixth")).status_code == 404
    assert len(slack.response_url_posts(url)) == 5


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_code_exchange(slack: FakeSlack) -> None:
    slack.add_oauth_code("code-1", "T0NORTH")
    anonymous = AsyncWebClient(base_url=slack.api_url)
    grant = await anonymous.oauth_v2_access(
        client_id="111.222", client_secret="s3cret", code="code-1"
    )
    assert (grant["access_token"], grant["team"]["id"], grant["bot_user_id"]) == (
        "xoxb-north",
        "T0NORTH",
        "UBOT1",
    )
    assert "chat:write" in grant["scope"].split(",")
    reuse = anonymous.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="code-1")
    assert await error_of(reuse) == "invalid_code"
    slack.add_oauth_code("code-2", "T0NORTH")
    wrong = anonymous.oauth_v2_access(client_id="111.222", client_secret="nope", code="code-2")
    assert await error_of(wrong) == "bad_client_secret"
