"""The app honours Slack's request contract (CONTRACT.md §1, §3, §7): forged requests get 401
and change nothing, every subscribed event gets a 2xx, and the manifest matches the code
(scopes of every Web API call, subscribed events are the handled ones).

Black-box: signed (or forged) requests go over real HTTP to the `serve` web app; Web API
calls land on the fake Slack, which checks them against Slack's catalogue and the scopes
`manifest.yml` grants. On SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.slack.scopes import BOT_SCOPES
from tests.fakeslack import AppResponse, payloads
from tests.fakeslack.catalog import (
    known_methods,
    load_manifest,
    manifest_bot_scopes,
    required_bot_scopes,
)
from tests.fakeslack.signing import FORM, JSON
from tests.support.slack_env import HOME_TEAM, SlackEnv
from tests.support.slack_platform import (
    ANA,
    CARL,
    CONTOSO_CHANNEL,
    NORTH,
    envelope,
    home_opened,
    open_create_modal,
    submission,
    ticket_titles,
)
from tests.test_manifest import (
    BOT_METHODS,
    CODE_CALLS,
    handled_events,
    subscribed_event_type,
    web_api_calls,
)

# -- §1 request verification -----------------------------------------------------------------------
FORGERIES = [
    "bad_signature",
    "other_secret",
    "tampered_body",
    "stale_timestamp",
    "future_timestamp",
    "no_headers",
    "no_signature",
    "no_timestamp",
]


async def send_forged(env: SlackEnv, body: str, content_type: str, forgery: str) -> AppResponse:
    sender, now = env.sender, int(time.time())
    match forgery:
        case "bad_signature":
            return await sender.post(body, content_type, signature="v0=" + "0" * 64)
        case "other_secret":
            other = SignatureVerifier("not-the-signing-secret")
            forged = other.generate_signature(timestamp=str(now), body=body)
            return await sender.post(body, content_type, signature=forged)
        case "tampered_body":
            # Signed for one user, then rewritten to act as another.
            headers = sender.signed_headers(body)
            tampered = body.replace(CARL, "U0CORA")
            assert tampered != body
            return await sender.post(tampered, content_type, signed=False, headers=headers)
        case "stale_timestamp":  # a correctly signed replay, 301 s old
            return await sender.post(body, content_type, timestamp=str(now - 301))
        case "future_timestamp":
            return await sender.post(body, content_type, timestamp=str(now + 310))
        case "no_headers":
            return await sender.post(body, content_type, signed=False)
        case "no_signature":
            headers = {"X-Slack-Request-Timestamp": str(now)}
            return await sender.post(body, content_type, signed=False, headers=headers)
        case "no_timestamp":
            signature = sender.signed_headers(body)["X-Slack-Signature"]
            headers = {"X-Slack-Signature": signature}
            return await sender.post(body, content_type, signed=False, headers=headers)
    raise AssertionError(forgery)


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_unverified_requests_get_401_and_change_nothing(
    slack_env: SlackEnv, forgery: str
) -> None:
    env, fake = slack_env, slack_env.slack
    view = await open_create_modal(env, CARL)
    calls_before = len(fake.calls())
    form = payloads.slash_command(fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="list")
    forged = {
        "command": (urlencode(form), FORM),
        "view_submission": (
            urlencode({"payload": json.dumps(submission(env, CARL, view, "Forged ticket"))}),
            FORM,
        ),
        "event": (json.dumps(home_opened(env, CARL)), JSON),
    }
    for kind, (body, content_type) in forged.items():
        response = await send_forged(env, body, content_type, forgery)
        assert response.status == 401, f"{kind}: {response.status} {response.text}"
        assert response.json() == {"error": "invalid request"}

    # The same requests, correctly signed, do have effects: the forged ones were refused.
    control = payloads.slash_command(
        fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="list"
    )
    assert (await env.sender.slash_command(control)).status == 200
    ok = await env.sender.interactivity(submission(env, CARL, view, "Real ticket"))
    assert ok.status == 200
    assert (await env.sender.event(home_opened(env, CARL))).status == 200
    await env.responses(control)
    await env.eventually(lambda: fake.calls("chat.postEphemeral") and fake.calls("views.publish"))

    assert await ticket_titles(env.sessions) == ["Real ticket"]
    assert fake.response_url_posts(form["response_url"]) == []
    assert sorted(c.method for c in fake.calls()[calls_before:]) == [
        "chat.postEphemeral",
        "views.publish",
    ]


async def test_ssl_check_and_url_verification(slack_env: SlackEnv) -> None:
    env, fake = slack_env, slack_env.slack
    calls_before = len(fake.calls())

    probe = await env.sender.ssl_check()
    assert (probe.status, probe.text) == (200, "")

    challenge = await env.sender.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7")
    assert challenge.status == 200
    assert challenge.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7"}

    body = json.dumps({"type": "url_verification", "challenge": "forged", "token": "x"})
    forged = await env.sender.post(body, JSON, signature="v0=" + "0" * 64)
    assert forged.status == 401

    assert len(fake.calls()) == calls_before
    assert await ticket_titles(env.sessions) == []


# -- §3 every subscribed event has a listener ------------------------------------------------------
def subscribed_events() -> list[str]:
    return list(load_manifest()["settings"]["event_subscriptions"]["bot_events"])


def _message_in(env: SlackEnv, channel: str, user: str) -> dict[str, Any]:
    message = env.slack.add_message(channel, user, "Printer on fire again")
    return payloads.message_event(env.slack, message, channel=channel)


def _private_channel(env: SlackEnv) -> str:
    bot = env.slack.teams[HOME_TEAM].bot_user_id
    env.slack.add_channel(
        HOME_TEAM, "G0PRIVTIX", "private-tickets", is_private=True, members=[ANA, bot]
    )
    return "G0PRIVTIX"


def _reaction(env: SlackEnv, *, added: bool) -> dict[str, Any]:
    message = env.slack.add_message(CONTOSO_CHANNEL, CARL, "Printer on fire")
    return payloads.reaction_event(
        env.slack,
        user=CARL,
        reaction="eyes",
        channel=CONTOSO_CHANNEL,
        ts=message["ts"],
        added=added,
    )


# Manifest subscription -> (event as Slack sends it, team of the envelope).
EVENT_BUILDERS: dict[str, Callable[[SlackEnv], tuple[dict[str, Any], str]]] = {
    "app_home_opened": lambda env: (payloads.app_home_opened_event(env.slack, user=CARL), NORTH),
    "app_uninstalled": lambda env: (payloads.app_uninstalled_event(), HOME_TEAM),
    "tokens_revoked": lambda env: (
        payloads.tokens_revoked_event(bot=[env.slack.teams[HOME_TEAM].bot_user_id]),
        HOME_TEAM,
    ),
    "message.channels": lambda env: (_message_in(env, CONTOSO_CHANNEL, CARL), NORTH),
    "message.groups": lambda env: (_message_in(env, _private_channel(env), ANA), HOME_TEAM),
    "reaction_added": lambda env: (_reaction(env, added=True), NORTH),
    "reaction_removed": lambda env: (_reaction(env, added=False), NORTH),
    "member_joined_channel": lambda env: (
        payloads.member_joined_channel_event(env.slack, user=CARL, channel=CONTOSO_CHANNEL),
        NORTH,
    ),
}


@pytest.mark.parametrize("subscription", subscribed_events())
async def test_every_subscribed_event_gets_a_2xx(slack_env: SlackEnv, subscription: str) -> None:
    builder = EVENT_BUILDERS.get(subscription)
    assert builder is not None, f"no payload builder for subscribed event {subscription}"
    event, team = builder(slack_env)
    assert event["type"] == subscribed_event_type(subscription)
    response = await slack_env.sender.event(
        envelope(slack_env, event, team=team, installed_team=HOME_TEAM)
    )
    assert 200 <= response.status < 300, f"{subscription}: {response.status} {response.text}"


# -- §7 manifest <-> code --------------------------------------------------------------------------
def test_the_code_scan_sees_the_bot_web_api_calls() -> None:
    where = {(c.method, c.where.split(":")[0]) for c in CODE_CALLS}
    assert ("auth.test", "bot/slack/authorization.py") in where  # start-up warm-up
    assert ("users.info", "bot/slack/identity.py") in where
    assert ("chat.postEphemeral", "bot/slack/listeners/replies.py") in where
    assert ("files.completeUploadExternal", "bot/slack/exports.py") in where  # files_upload_v2
    unknown = {c.method: c.where for c in CODE_CALLS if c.method not in known_methods()}
    assert unknown == {}, "calls of methods Slack does not have (or has retired)"

    snippet = (
        "async def f(client, app):\n"
        "    await client.chat_postMessage(channel='C1', text='x', username='Ana')\n"
        "    await client.files_upload_v2(channel='C1', content='x')\n"
        "    await client.api_call('reactions.add', json={})\n"
        "    await client.conversations_open(users='U1')\n"
        "    body.get('event')\n"
    )
    calls = web_api_calls([("snippet.py", snippet)])
    assert [c.method for c in calls] == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "reactions.add",
        "conversations.open",
    ]
    assert calls[0].keywords == {"channel", "text", "username"}


def test_every_web_api_method_the_code_calls_has_its_scope_in_the_manifest() -> None:
    granted = manifest_bot_scopes()
    missing = {
        f"{call.method} ({call.where})": sorted(
            required_bot_scopes(call.method, BOT_METHODS[call.method]) - granted
        )
        for call in CODE_CALLS
        if required_bot_scopes(call.method, BOT_METHODS[call.method]) - granted
    }
    assert missing == {}


def test_bot_scopes_constant_is_the_manifest_grant() -> None:
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)
    assert set(BOT_SCOPES) == manifest_bot_scopes()


def test_subscribed_events_are_exactly_the_handled_events() -> None:
    subscribed = {subscribed_event_type(e) for e in subscribed_events()}
    assert subscribed == handled_events()
