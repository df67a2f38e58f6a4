"""Payload builders produce Slack's shapes: no key Slack never sends, every key an app reads.

`SAMPLE_KEYS` are the top-level keys of the java-slack-sdk shape samples
(`shared/slack/java-slack-sdk-json-logs/samples`, commit 86ff7ca9), which list every key
Slack has been seen to send; a builder key outside them is an invented key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.fakeslack.catalog import SELF_TEST_SCOPES

from . import FakeSlack, payloads

pytestmark = pytest.mark.asyncio

SAMPLE_KEYS = {
    # app-backend/slash-commands/SlashCommandPayload.json
    "slash_command": {
        "api_app_id", "channel_id", "channel_name", "command", "enterprise_id", "enterprise_name",
        "is_enterprise_install", "response_url", "team_domain", "team_id", "text", "token",
        "trigger_id", "user_id", "user_name",
    },
    # app-backend/interactive-components/MessageShortcutPayload.json
    "message_action": {
        "action_ts", "callback_id", "channel", "enterprise", "is_enterprise_install", "message",
        "message_ts", "response_url", "team", "token", "trigger_id", "type", "user",
    },
    # bolt-python tests/scenario_tests_async/test_shortcut.py global shortcut body
    "shortcut": {
        "action_ts", "callback_id", "enterprise", "is_enterprise_install", "team", "token",
        "trigger_id", "type", "user",
    },
    # app-backend/interactive-components/BlockActionPayload.json
    "block_actions": {
        "actions", "api_app_id", "app_unfurl", "bot_access_token", "channel", "container",
        "enterprise", "function_data", "interactivity", "is_enterprise_install", "message",
        "response_url", "state", "team", "token", "trigger_id", "type", "user", "view",
    },
    # app-backend/views/ViewSubmissionPayload.json + `response_urls` (bolt-python fixture)
    "view_submission": {
        "api_app_id", "bot_access_token", "enterprise", "function_data", "interactivity",
        "is_cleared", "is_enterprise_install", "team", "token", "trigger_id", "type", "user",
        "view", "response_urls",
    },
    # events/ReactionAddedPayload.json (envelope)
    "event_callback": {
        "api_app_id", "authorizations", "context_enterprise_id", "context_team_id",
        "enterprise_id", "event", "event_context", "event_id", "event_time",
        "is_ext_shared_channel", "team_id", "token", "type",
    },
    "message": {
        "attachments", "blocks", "bot_id", "bot_profile", "channel", "channel_type",
        "client_msg_id", "edited", "event_ts", "metadata", "parent_user_id", "team", "text",
        "thread_ts", "ts", "type", "user",
    },
    "message_changed": {
        "channel", "channel_type", "event_ts", "hidden", "message", "previous_message",
        "subtype", "ts", "type",
    },
    "message_deleted": {
        "channel", "channel_type", "deleted_ts", "event_ts", "hidden", "previous_message",
        "subtype", "ts", "type",
    },
    "reaction_added": {"event_ts", "item", "item_user", "reaction", "type", "user"},
    "member_joined_channel": {
        "channel", "channel_type", "enterprise", "event_ts", "inviter", "team", "type", "user",
    },
    "app_home_opened": {"channel", "event_ts", "tab", "type", "user", "view"},
    "tokens_revoked": {"tokens", "type"},
    "app_uninstalled": {"type"},
}  # fmt: skip


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


def built(slack: FakeSlack) -> dict[str, dict[str, Any]]:
    root = slack.add_message("C0NWTIX", "U0NED", "printer on fire")
    reply = slack.add_message("C0NWTIX", "U0NED", "still burning", thread_ts=root["ts"])
    root = slack.message("C0NWTIX", root["ts"]) or {}
    team, user, channel = "T0NORTH", "U0NED", "C0NWTIX"
    view = {"id": "V1", "state": {"values": {}}}
    return {
        "slash_command": payloads.slash_command(slack, team=team, user=user, channel=channel),
        "message_action": payloads.message_shortcut(
            slack, team=team, user=user, channel=channel, message=root
        ),
        "shortcut": payloads.global_shortcut(slack, team=team, user=user),
        "block_actions": payloads.block_actions(
            slack, team=team, user=user, actions=[payloads.button("assign_me", "TKT-1")],
            channel=channel, message=root,
        ),
        "view_submission": payloads.view_submission(
            slack, team=team, user=user, view=view, values={}
        ),
        "event_callback": payloads.event_callback(
            slack, payloads.app_uninstalled_event(), team=team
        ),
        "message": payloads.message_event(slack, root, channel=channel),
        "thread reply": payloads.message_event(slack, reply, channel=channel),
        "message_changed": payloads.message_changed_event(
            slack, channel=channel, message=root, previous_message=root
        ),
        "message_deleted": payloads.message_deleted_event(
            slack, channel=channel, previous_message=reply
        ),
        "reaction_added": payloads.reaction_event(
            slack, user=user, reaction="eyes", channel=channel, ts=root["ts"]
        ),
        "member_joined_channel": payloads.member_joined_channel_event(
            slack, user=user, channel=channel
        ),
        "app_home_opened": payloads.app_home_opened_event(slack, user=user),
        "tokens_revoked": payloads.tokens_revoked_event(bot=["UBOT1"]),
        "app_uninstalled": payloads.app_uninstalled_event(),
    }  # fmt: skip


async def test_builders_use_only_keys_slack_sends(slack: FakeSlack) -> None:
    for name, payload in built(slack).items():
        sample = SAMPLE_KEYS["message" if name == "thread reply" else name]
        assert set(payload) <= sample, f"{name}: invented keys {set(payload) - sample}"


async def test_thread_reply_event_points_at_its_parent(slack: FakeSlack) -> None:
    payloads_by_name = built(slack)
    root, reply = payloads_by_name["message"], payloads_by_name["thread reply"]
    assert reply["thread_ts"] == root["ts"] != reply["ts"]
    assert reply["parent_user_id"] == "U0NED"
    assert reply["channel_type"] == "channel"


async def test_interactions_carry_fake_trigger_and_response_url(slack: FakeSlack) -> None:
    form = built(slack)["slash_command"]
    assert form["trigger_id"] in slack.triggers
    assert form["response_url"].startswith(slack.base_url + "hooks/")


async def test_socket_envelopes(slack: FakeSlack) -> None:
    event = payloads.socket_envelope("events_api", {}, retry_attempt=2, retry_reason="timeout")
    assert (event["retry_attempt"], event["accepts_response_payload"]) == (2, False)
    command = payloads.socket_envelope("slash_commands", {})
    assert command["accepts_response_payload"] is True
    assert "retry_attempt" not in command
