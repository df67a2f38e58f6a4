"""The fake Slack answers the real AsyncWebClient as Slack's contract says.

Each test drives `slack_sdk.web.async_client.AsyncWebClient` against `FakeSlack` and asserts
on the answer and on the state a Slack user would see.
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
        fake.add_team(
            "T0PLAT",
            bot_token="xoxb-plat",
            bot_user_id="UBOT2",
            bot_id="B02",
            scopes=SELF_TEST_SCOPES,
        )
        fake.add_user("T0NORTH", "U0NED", "ned", "ned@northwind.example")
        fake.add_user("T0PLAT", "U0ANA", "ana", "ana@revampd.example")
        fake.add_user("T0PLAT", "U0EVE", "eve", "eve@revampd.example")
        fake.add_channel("T0NORTH", "C0NWTIX", "nw-tickets", members=["UBOT1", "U0NED"])
        fake.add_channel("T0NORTH", "C0GENERAL", "general", members=["U0NED"])
        fake.add_channel("T0NORTH", "C0SECRET", "secret", is_private=True, members=["U0NED"])
        fake.add_channel("T0NORTH", "C0OLD", "old", members=["UBOT1"], is_archived=True)
        fake.add_channel(
            "T0PLAT",
            "C0SHARED",
            "ext-northwind",
            members=["UBOT1", "U0ANA"],
            shared_with=["T0NORTH"],
        )
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-north", base_url=slack.api_url)


async def slack_error(call: Any) -> dict[str, Any]:
    """The body of the SlackApiError a call raises (fails the test if it succeeds)."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return dict(raised.value.response.data)


# -- messages -----------------------------------------------------------------------------------
async def test_post_thread_reply_update_delete(slack: FakeSlack, client: AsyncWebClient) -> None:
    root = await client.chat_postMessage(channel="C0NWTIX", text="TKT-1 opened")
    reply = await client.chat_postMessage(channel="C0NWTIX", text="on it", thread_ts=root["ts"])
    assert float(reply["ts"]) > float(root["ts"])
    assert reply["message"]["bot_id"] == "B01"
    assert [m["text"] for m in slack.messages("C0NWTIX")] == ["TKT-1 opened"]
    assert [m["text"] for m in slack.messages("C0NWTIX", thread_ts=root["ts"])] == ["on it"]
    assert slack.messages("C0NWTIX")[0]["reply_count"] == 1

    await client.chat_update(channel="C0NWTIX", ts=root["ts"], text="TKT-1 in progress")
    assert slack.messages("C0NWTIX")[0]["text"] == "TKT-1 in progress"
    await client.chat_delete(channel="C0NWTIX", ts=reply["ts"])
    assert slack.messages("C0NWTIX", thread_ts=root["ts"]) == []


async def test_thread_ts_must_be_a_parent_in_that_channel(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    root = await client.chat_postMessage(channel="C0NWTIX", text="root")
    reply = await client.chat_postMessage(channel="C0NWTIX", text="r", thread_ts=root["ts"])
    missing = client.chat_postMessage(channel="C0NWTIX", text="x", thread_ts="1.000001")
    assert (await slack_error(missing))["error"] == "thread_not_found"
    nested = client.chat_postMessage(channel="C0NWTIX", text="x", thread_ts=reply["ts"])
    assert (await slack_error(nested))["error"] == "cannot_reply_to_message"


async def test_channel_access_rules(slack: FakeSlack, client: AsyncWebClient) -> None:
    async def error(channel: str) -> str:
        return str(
            (await slack_error(client.chat_postMessage(channel=channel, text="hi")))["error"]
        )

    assert await error("C0GENERAL") == "not_in_channel"
    assert await error("C0SECRET") == "channel_not_found"  # private, bot not a member
    assert await error("C0OLD") == "is_archived"
    assert await error("C0NOPE") == "channel_not_found"
    await client.conversations_join(channel="C0GENERAL")
    await client.chat_postMessage(channel="C0GENERAL", text="hi")
    await client.chat_postMessage(channel="C0SHARED", text="shared")  # Slack Connect, same id
    assert slack.messages("C0SHARED")[0]["team"] == "T0NORTH"


async def test_author_fields_need_chat_write_customize(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    slack.teams["T0NORTH"].scopes.add("chat:write.customize")
    await client.chat_postMessage(
        channel="C0NWTIX", text="relayed", username="Ana", icon_emoji=":ana:"
    )
    assert slack.messages("C0NWTIX")[0]["username"] == "Ana"
    slack.teams["T0NORTH"].scopes.discard("chat:write.customize")
    await client.chat_postMessage(channel="C0NWTIX", text="plain", username="Ana")
    assert "username" not in slack.messages("C0NWTIX")[1]


async def test_ephemeral_is_per_user_and_not_updatable(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    sent = await client.chat_postEphemeral(channel="C0NWTIX", user="U0NED", text="only you")
    assert [m["text"] for m in slack.ephemerals("C0NWTIX", "U0NED")] == ["only you"]
    assert slack.messages("C0NWTIX") == []
    update = client.chat_update(channel="C0NWTIX", ts=sent["message_ts"], text="x")
    assert (await slack_error(update))["error"] == "message_not_found"
    stranger = client.chat_postEphemeral(channel="C0NWTIX", user="U0ANA", text="x")
    assert (await slack_error(stranger))["error"] == "user_not_in_channel"


async def test_permalink_and_reactions(slack: FakeSlack, client: AsyncWebClient) -> None:
    human = slack.add_message("C0NWTIX", "U0NED", "printer on fire")
    link = await client.chat_getPermalink(channel="C0NWTIX", message_ts=human["ts"])
    assert link["permalink"].endswith(f"/archives/C0NWTIX/p{human['ts'].replace('.', '')}")
    await client.reactions_add(channel="C0NWTIX", timestamp=human["ts"], name="eyes")
    assert slack.reactions("C0NWTIX", human["ts"]) == {"eyes": ["UBOT1"]}
    again = client.reactions_add(channel="C0NWTIX", timestamp=human["ts"], name="eyes")
    assert (await slack_error(again))["error"] == "already_reacted"
    await client.reactions_remove(channel="C0NWTIX", timestamp=human["ts"], name="eyes")
    gone = client.reactions_remove(channel="C0NWTIX", timestamp=human["ts"], name="eyes")
    assert (await slack_error(gone))["error"] == "no_reaction"
    foreign = client.chat_update(channel="C0NWTIX", ts=human["ts"], text="x")
    assert (await slack_error(foreign))["error"] == "cant_update_message"


async def test_dm_channel_is_stable(slack: FakeSlack, client: AsyncWebClient) -> None:
    first = await client.conversations_open(users="U0NED")
    second = await client.conversations_open(users="U0NED")
    assert first["channel"]["id"] == second["channel"]["id"]
    assert first["channel"]["id"].startswith("D")
    await client.chat_postMessage(channel=first["channel"]["id"], text="TKT-1 assigned to you")
    assert [m["text"] for m in slack.dm_messages("U0NED")] == ["TKT-1 assigned to you"]


# -- catalogue checks ---------------------------------------------------------------------------
async def test_unknown_method_is_404(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.api_call("chat.postMessagee", json={"channel": "C0NWTIX", "text": "x"})
    assert raised.value.response.status_code == 404
    assert raised.value.response["error"] == "unknown_method"


async def test_missing_required_args(client: AsyncWebClient) -> None:
    no_channel = client.api_call("chat.postMessage", json={"text": "x"})
    assert (await slack_error(no_channel))["error"] == "channel_not_found"
    with pytest.warns(UserWarning, match="`text` argument is missing"):
        assert (await slack_error(client.chat_postMessage(channel="C0NWTIX")))["error"] == "no_text"
    no_ts = await slack_error(
        client.api_call("conversations.replies", params={"channel": "C0NWTIX"})
    )
    assert no_ts["error"] == "invalid_arguments"
    assert no_ts["response_metadata"]["messages"] == ["[ERROR] missing required field: ts"]


async def test_json_body_is_ignored_where_slack_ignores_it(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    assert (await client.users_info(user="U0NED"))["user"]["name"] == "ned"
    as_json = client.api_call("users.info", json={"user": "U0NED"})  # users.info takes no JSON
    assert (await slack_error(as_json))["error"] == "user_not_found"
    assert slack.calls("users.info")[-1].json_body


async def test_missing_scope_names_needed_and_provided(slack: FakeSlack) -> None:
    slack.add_team(
        "T0MIN", bot_token="xoxb-min", bot_user_id="UBOT3", bot_id="B03", scopes=["commands"]
    )
    slack.add_channel("T0MIN", "C0MIN", "min", members=["UBOT3"])
    minimal = AsyncWebClient(token="xoxb-min", base_url=slack.api_url)
    body = await slack_error(minimal.chat_postMessage(channel="C0MIN", text="x"))
    assert body == {
        "ok": False,
        "error": "missing_scope",
        "needed": "chat:write",
        "provided": "commands",
    }
    info = await slack_error(minimal.conversations_info(channel="C0MIN"))
    assert info["needed"] == "channels:read"  # per conversation type (public channel)


async def test_authentication_errors(slack: FakeSlack) -> None:
    bad = AsyncWebClient(token="xoxb-nope", base_url=slack.api_url)
    assert (await slack_error(bad.auth_test()))["error"] == "invalid_auth"
    anonymous = AsyncWebClient(base_url=slack.api_url)
    assert (await slack_error(anonymous.auth_test()))["error"] == "not_authed"
    slack.revoke_token("xoxb-plat")
    revoked = AsyncWebClient(token="xoxb-plat", base_url=slack.api_url)
    assert (await slack_error(revoked.auth_test()))["error"] == "token_revoked"


async def test_auth_test_identifies_the_bot(client: AsyncWebClient) -> None:
    me = await client.auth_test()
    assert (me["team_id"], me["user_id"], me["bot_id"]) == ("T0NORTH", "UBOT1", "B01")
    assert me.headers["x-oauth-scopes"]


# -- users --------------------------------------------------------------------------------------
async def test_user_visibility_and_email_scope(slack: FakeSlack, client: AsyncWebClient) -> None:
    ana = await client.users_info(user="U0ANA")  # other team, shares C0SHARED
    assert ana["user"]["profile"]["email"] == "ana@revampd.example"
    assert (await slack_error(client.users_info(user="U0EVE")))["error"] == "user_not_visible"
    assert (await slack_error(client.users_info(user="U0NOBODY")))["error"] == "user_not_found"
    slack.teams["T0NORTH"].scopes.discard("users:read.email")
    assert "email" not in (await client.users_info(user="U0NED"))["user"]["profile"]


async def test_lookup_by_email(client: AsyncWebClient) -> None:
    assert (await client.users_lookupByEmail(email="NED@northwind.example"))["user"][
        "id"
    ] == "U0NED"
    assert (await slack_error(client.users_lookupByEmail(email="x@y.z")))[
        "error"
    ] == "users_not_found"


async def test_content_rules(slack: FakeSlack, client: AsyncWebClient) -> None:
    root = await client.chat_postMessage(channel="C0NWTIX", text="card")
    too_long = client.chat_update(channel="C0NWTIX", ts=root["ts"], text="x" * 4001)
    assert (await slack_error(too_long))["error"] == "msg_too_long"
    both = client.chat_postMessage(channel="C0NWTIX", text="a", markdown_text="**a**")
    assert (await slack_error(both))["error"] == "markdown_text_conflict"
    await client.chat_postMessage(channel="C0NWTIX", text="y" * 40_001)
    assert len(slack.messages("C0NWTIX")[-1]["text"]) == 40_000  # truncated, as Slack does


# -- conversations ------------------------------------------------------------------------------
async def test_conversation_lookups(slack: FakeSlack, client: AsyncWebClient) -> None:
    shared = (await client.conversations_info(channel="C0SHARED"))["channel"]
    assert (shared["is_ext_shared"], shared["is_member"]) == (True, True)
    assert (await client.conversations_members(channel="C0NWTIX"))["members"] == ["U0NED", "UBOT1"]
    root = slack.add_message("C0NWTIX", "U0NED", "question")
    slack.add_message("C0NWTIX", "U0NED", "details", thread_ts=root["ts"])
    thread = await client.conversations_replies(channel="C0NWTIX", ts=root["ts"], limit=1)
    assert [m["text"] for m in thread["messages"]] == ["question"]
    assert thread["has_more"] is True
    cursor = thread["response_metadata"]["next_cursor"]
    rest = await client.conversations_replies(channel="C0NWTIX", ts=root["ts"], cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["details"]
    assert (await slack_error(client.team_info()))["needed"] == "team:read"  # not in manifest
    slack.teams["T0NORTH"].scopes.add("team:read")
    assert (await client.team_info(team="T0PLAT"))["team"]["id"] == "T0PLAT"  # via C0SHARED
    joined = await client.conversations_join(channel="C0NWTIX")
    assert joined["warning"] == "already_in_channel"
