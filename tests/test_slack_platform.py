"""The running app honours Slack's platform contract (CONTRACT.md §1–3, §7–8, §10–11).

Black-box: signed (or forged) requests go over real HTTP to the `serve` web app, Socket Mode
envelopes over the fake's websocket; Web API calls land on the fake Slack (`tests/fakeslack`),
which checks them against Slack's catalogue and the scopes `manifest.yml` grants. Tests that
run the app use the `slack_env` / `engine` fixtures, so they run on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import json
import logging
import re
import signal
import time
from argparse import Namespace
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.processes import serve
from bot.slack.app import SlackMode, create_runtime, installation_store
from bot.slack.identity import SlackIdentity, not_mapped_text
from bot.slack.ids import Action, Block, Shortcut, input_action
from bot.slack.scopes import BOT_SCOPES
from core.config import Settings
from core.models import OrgEmailDomain, Ticket, TicketSubscriber, User
from core.services import tickets
from tests.fakeslack import AppResponse, FakeSlack, payloads
from tests.fakeslack.catalog import (
    known_methods,
    load_manifest,
    manifest_bot_scopes,
    required_bot_scopes,
)
from tests.fakeslack.signing import FORM, JSON
from tests.support.slack_env import (
    BOT_TOKENS,
    HOME_TEAM,
    SIGNING_SECRET,
    SlackEnv,
    flatten_text,
    free_port,
    populate_fake,
    start_env,
)
from tests.support.world import build_world
from tests.test_manifest import (
    BOT_METHODS,
    CODE_CALLS,
    handled_events,
    subscribed_event_type,
    web_api_calls,
)

CARL, FAY, GUS, AMY, ANA = "U0CARL", "U0FAY", "U0GUS", "U0AMY", "U0ANA"
NORTH, GLOBEX, ACME = "T0NORTH", "T0GLOB", "T0ACME"
CONTOSO_CHANNEL = "C0CONTIX"
HOME_TOKEN = BOT_TOKENS[HOME_TEAM]

ACK_LIMIT_S = 3.0
SLOW_SLACK_S = 5.0
SLACK_ENV_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_STATE_SECRET",
    "SLACK_API_URL",
)


# -- helpers ---------------------------------------------------------------------------------------
def make_settings(monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine, **values: str) -> Settings:
    """Settings from exactly `values`: no `.env`, no SLACK_* from the outer environment."""
    for name in SLACK_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=engine.url.render_as_string(hide_password=False),
        **values,
    )


def create_values(title: str, severity: str = "medium") -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` of a filled-in create modal."""
    return {
        Block.TITLE.value: {input_action(Block.TITLE): payloads.plain_input(title)},
        Block.SEVERITY.value: {input_action(Block.SEVERITY): payloads.static_choice(severity)},
    }


async def open_create_modal(env: SlackEnv, user: str, text: str = "new") -> dict[str, Any]:
    await env.command(user, text)
    views = await env.eventually(lambda: env.slack.open_views(user))
    return views[-1]


def submission(env: SlackEnv, user: str, view: dict[str, Any], title: str) -> dict[str, Any]:
    return payloads.view_submission(
        env.slack, team=env.team_of(user), user=user, view=view, values=create_values(title)
    )


def envelope(
    env: SlackEnv, event: dict[str, Any], *, team: str, installed_team: str | None = None
) -> dict[str, Any]:
    return payloads.event_callback(env.slack, event, team=team, installed_team=installed_team)


def home_opened(env: SlackEnv, user: str) -> dict[str, Any]:
    """App Home opened by `user` (a Slack Connect user: their team, our installation)."""
    event = payloads.app_home_opened_event(env.slack, user=user)
    return envelope(env, event, team=env.team_of(user), installed_team=HOME_TEAM)


async def ticket_titles(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(Ticket.title).order_by(Ticket.id)))


async def poll(probe: Callable[[], Any], within: float = 10.0) -> Any:
    """Call (and await, if async) `probe` until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


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


# -- §2 ack within 3 s while Slack is slow; trigger_id used once -----------------------------------
async def test_every_surface_acks_within_3s_while_the_web_api_takes_5s(
    slack_env: SlackEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, fake = slack_env, slack_env.slack
    view = await open_create_modal(env, CARL)  # while Slack is still fast
    assert (await env.sender.event(home_opened(env, CARL))).status == 200
    home = await env.eventually(lambda: fake.home_view(CARL))
    calls_before = len(fake.calls())  # the fake records a call as it answers it

    # When each Web API request reached the fake (before its 5 s delay).
    arrivals: list[tuple[float, str]] = []
    pick = fake.faults.pick

    def recording_pick(method: str) -> Any:
        arrivals.append((time.time(), method))
        return pick(method)

    monkeypatch.setattr(fake.faults, "pick", recording_pick)
    fake.inject(delay=SLOW_SLACK_S, rate=1.0)

    list_form = payloads.slash_command(
        fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="list"
    )
    new_form = payloads.slash_command(
        fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="new Slow Slack"
    )
    click = payloads.block_actions(
        fake,
        team=NORTH,
        user=CARL,
        actions=[payloads.button(Action.MARK_ALL_READ.value, "all")],
        view=home,
    )
    surfaces: list[tuple[str, Callable[[], Awaitable[AppResponse]], str | None]] = [
        ("/ticket list", lambda: env.sender.slash_command(list_form), None),
        ("/ticket new", lambda: env.sender.slash_command(new_form), "views.open"),
        ("block_actions", lambda: env.sender.interactivity(click), "views.publish"),
        (
            "view_submission",
            lambda: env.sender.interactivity(submission(env, CARL, view, "Filed while slow")),
            "chat.postEphemeral",
        ),
        ("event", lambda: env.sender.event(home_opened(env, CARL)), "views.publish"),
    ]
    sent_at: dict[str, float] = {}
    acked_at: dict[str, float] = {}
    for name, send, follow_up in surfaces:
        seen = len(arrivals)
        sent_at[name] = time.time()
        response = await send()
        acked_at[name] = time.time()
        assert response.status == 200, f"{name}: {response.status} {response.text}"
        assert response.elapsed < ACK_LIMIT_S, f"{name} acked after {response.elapsed:.2f}s"
        if follow_up is None:
            await env.responses(list_form)
        else:  # the listener goes on after the ack; wait for its call before the next request
            await env.eventually(lambda seen=seen: len(arrivals) > seen)
        assert all(t >= sent_at[name] for t, _ in arrivals[seen:])

    assert [m for _, m in arrivals] == [f for _, _, f in surfaces if f is not None]
    # Bolt answers once ack() was called while the listener runs on, so a follow-up call may
    # start a few ms before the answer is on the wire. What must hold: no ack waited for a
    # Web API call. The fake records a call when it answers it, 5 s after it arrived; every
    # such answer comes after the ack of the request that caused the call.
    await poll(lambda: len(fake.calls()) == calls_before + len(arrivals), within=15.0)
    answered = fake.calls()[calls_before:]
    followed = [(name, f) for name, _, f in surfaces if f is not None]
    for call, (name, method), (arrived, _) in zip(answered, followed, arrivals, strict=True):
        assert call.method == method
        assert call.time - arrived >= SLOW_SLACK_S - 0.05, f"{name}: {method} was not slow"
        assert call.time > acked_at[name], f"{name}: the ack waited for {method}"
    assert await ticket_titles(env.sessions) == ["Filed while slow"]


def _trigger_surfaces(env: SlackEnv) -> dict[str, Callable[[], Awaitable[str]]]:
    """Ways to open a modal; each sends its request and returns the trigger_id it carried."""
    fake = env.slack

    async def command(text: str) -> str:
        form = await env.command(CARL, text)
        return form["trigger_id"]

    async def interaction(payload: dict[str, Any]) -> str:
        assert (await env.sender.interactivity(payload)).status == 200
        return str(payload["trigger_id"])

    def message_shortcut(callback_id: str) -> dict[str, Any]:
        message = fake.add_message(CONTOSO_CHANNEL, CARL, "Badge reader broken\nSince Monday")
        return payloads.message_shortcut(
            fake,
            team=NORTH,
            user=CARL,
            channel=CONTOSO_CHANNEL,
            message=message,
            callback_id=callback_id,
        )

    return {
        "/ticket new": lambda: command("new Printer jam"),
        "/ticket": lambda: command(""),
        "global shortcut": lambda: interaction(
            payloads.global_shortcut(fake, team=NORTH, user=CARL, callback_id=Shortcut.NEW_TICKET)
        ),
        "create from message": lambda: interaction(message_shortcut(Shortcut.CREATE_FROM_MESSAGE)),
        "add to ticket": lambda: interaction(message_shortcut(Shortcut.ADD_TO_TICKET)),
    }


@pytest.mark.parametrize(
    "surface", ["/ticket new", "/ticket", "global shortcut", "create from message", "add to ticket"]
)
async def test_trigger_id_is_exchanged_exactly_once(slack_env: SlackEnv, surface: str) -> None:
    env, fake = slack_env, slack_env.slack
    trigger_id = await _trigger_surfaces(env)[surface]()
    await env.eventually(lambda: fake.open_views(CARL))
    # A listener's work ends with views.open; a second use would follow it at once.
    await asyncio.sleep(0.2)
    uses = [
        c
        for c in fake.calls()
        if trigger_id in (c.args.get("trigger_id"), c.args.get("interactivity_pointer"))
    ]
    assert [(c.method, c.ok) for c in uses] == [("views.open", True)]
    assert fake.triggers[trigger_id].used


# -- shutdown: work acked before it still happens --------------------------------------------------
async def test_closing_the_app_finishes_work_it_already_acked(
    slack_env: SlackEnv, engine: AsyncEngine
) -> None:
    """Slack was told the command arrived, so stopping must not drop it, nor leave its
    transaction (and its locks) open on a connection nobody will use again."""
    env = slack_env
    ticket = await env.world.act("carl", tickets.create, title="Subscribe me")
    form = await env.command(CARL, f"subscribe {ticket.display_id}")  # returns once acked
    await env.runner.cleanup()
    await env.runtime.close()

    assert env.runtime.work.running == 0
    assert "You'll get a DM" in flatten_text(env.slack.response_url_posts(form["response_url"])[0])
    async with env.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TicketSubscriber)) == 1
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_work_still_running_at_the_deadline_is_cancelled(
    slack_env: SlackEnv, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    env, fake = slack_env, slack_env.slack
    slow_publish = fake.inject("views.publish", delay=SLOW_SLACK_S)
    assert (await env.sender.event(home_opened(env, CARL))).status == 200
    await poll(lambda: slow_publish.fired)  # the listener now waits on Slack

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="bot.slack.listener_work"):
        await env.runtime.work.finish(deadline=0.2)

    assert time.monotonic() - started < SLOW_SLACK_S / 2
    assert env.runtime.work.running == 0
    assert "cancelling 1 Slack listener(s) still running" in caplog.text
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


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


# -- §8 Slack Connect ------------------------------------------------------------------------------
async def test_slack_connect_user_in_the_directory_gets_their_own_orgs_answers(
    slack_env: SlackEnv,
) -> None:
    env, fake = slack_env, slack_env.slack
    assert env.team_of(CARL) == NORTH != HOME_TEAM  # carl is in the partner's workspace
    await env.world.act("carl", tickets.create, title="Contoso printer")
    await env.world.act("fay", tickets.create, title="Fabrikam badge reader")

    listing = await env.reply_text(await env.command(CARL, "list"))
    assert "Open tickets visible to Contoso" in listing
    assert "Contoso printer" in listing
    assert "Fabrikam" not in listing

    view = await open_create_modal(env, CARL, "new VPN drops")
    assert view["app_installed_team_id"] == HOME_TEAM
    response = await env.sender.interactivity(submission(env, CARL, view, "VPN drops"))
    assert (response.status, response.text) == (200, "")
    [created] = await env.eventually(
        lambda: [
            m
            for m in fake.ephemerals(CONTOSO_CHANNEL, CARL)
            if str(m.get("text")).startswith("Created")
        ]
    )
    assert created["text"] == "Created TKT-3: VPN drops"
    async with env.sessions() as session:
        ticket = await session.get_one(Ticket, 3)
        assert ticket.title == "VPN drops"
        assert ticket.requester_org_id == env.world.org_ids["contoso"]
        assert ticket.assigned_org_id == env.world.org_ids["northwind"]

    # An event from the other side: envelope team_id is carl's, authorizations[0] ours.
    event = home_opened(env, CARL)
    assert (event["team_id"], event["authorizations"][0]["team_id"]) == (NORTH, HOME_TEAM)
    assert (await env.sender.event(event)).status == 200
    home = flatten_text(await env.eventually(lambda: fake.home_view(CARL)))
    assert "Contoso" in home
    assert "VPN drops" in home
    assert "Fabrikam" not in home

    assert {c.token for c in fake.calls()} == {HOME_TOKEN}
    assert all(c.ok for c in fake.calls())


async def _add_email_domain(env: SlackEnv, slug: str, domain: str) -> None:
    async with env.sessions.begin() as session:
        session.add(OrgEmailDomain(org_id=env.world.org_ids[slug], domain=domain))


async def test_unknown_external_user_with_a_known_domain_joins_that_org_as_member(
    slack_env: SlackEnv,
) -> None:
    env, fake = slack_env, slack_env.slack
    await _add_email_domain(env, "contoso", "contoso-corp.example")
    fake.add_user(
        NORTH,
        "U0NEWBIE",
        "newbie",
        "Newbie@Contoso-Corp.example",
        real_name="Nora Newbie",
        visible_to=[HOME_TEAM],
    )
    await env.world.act("carl", tickets.create, title="Contoso printer")

    first = await env.reply_text(await env.command("U0NEWBIE", "list", channel=CONTOSO_CHANNEL))
    assert "Open tickets visible to Contoso" in first
    assert "Contoso printer" in first
    [lookup] = fake.calls("users.info")
    assert (lookup.args["user"], lookup.token, lookup.ok) == ("U0NEWBIE", HOME_TOKEN, True)
    async with env.sessions() as session:
        user = await session.scalar(select(User).where(User.slack_user == "U0NEWBIE"))
        assert user is not None
        assert (user.email, user.name, user.slack_team) == (
            "newbie@contoso-corp.example",
            "Nora Newbie",
            NORTH,
        )
        assert user.org_id == env.world.org_ids["contoso"]
        assert not user.is_support_rep
        assert not user.is_admin

    again = await env.reply_text(await env.command("U0NEWBIE", "list", channel=CONTOSO_CHANNEL))
    assert "Contoso printer" in again
    assert len(fake.calls("users.info")) == 1  # mapped now: a database lookup


@pytest.mark.parametrize("case", ["no_domain_matches", "two_orgs_match", "user_not_visible"])
async def test_unmappable_external_user_is_told_how_to_be_added_and_looked_up_once(
    slack_env: SlackEnv, case: str
) -> None:
    env, fake = slack_env, slack_env.slack
    await _add_email_domain(env, "contoso", "contoso-corp.example")
    await _add_email_domain(env, "fabrikam", "shared.example")
    await _add_email_domain(env, "contoso", "shared.example")
    email, visible_to = {
        "no_domain_matches": ("stranger@elsewhere.example", [HOME_TEAM]),
        "two_orgs_match": ("stranger@shared.example", [HOME_TEAM]),
        # The domain would match, but Slack will not show us the user.
        "user_not_visible": ("stranger@contoso-corp.example", []),
    }[case]
    fake.add_user(NORTH, "U0STRANGER", "stranger", email, visible_to=visible_to)
    expected = not_mapped_text(SlackIdentity(team=NORTH, user="U0STRANGER"))

    listing = await env.command("U0STRANGER", "list", channel=CONTOSO_CHANNEL)
    [answer] = await env.responses(listing)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == expected
    assert "nothing was recorded" in expected
    assert "add you" in expected

    # Within the negative cache: no second users.info, and nothing is filed.
    filing = await env.command("U0STRANGER", "new Please help", channel=CONTOSO_CHANNEL)
    assert await env.reply_text(filing) == expected
    [lookup] = fake.calls("users.info")
    assert lookup.args["user"] == "U0STRANGER"
    assert lookup.error == ("user_not_visible" if case == "user_not_visible" else None)
    assert fake.calls("views.open") == []
    assert await ticket_titles(env.sessions) == []
    async with env.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(User).where(User.slack_user == "U0STRANGER")
        )
        assert count == 0


# -- §8 OAuth: two workspaces, one token each ------------------------------------------------------
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
STATE_SECRET = "oauth-state-secret"
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def oauth_env(
    fake_slack: FakeSlack,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[SlackEnv]:
    fake_slack.oauth_client = (CLIENT_ID, CLIENT_SECRET)  # oauth.v2.access checks them
    settings = make_settings(
        monkeypatch,
        engine,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_STATE_SECRET=STATE_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    env = await start_env(fake_slack, engine, sessions, settings=settings)
    assert env.runtime.mode == SlackMode.OAUTH
    yield env
    await env.close()


async def begin_install(http: aiohttp.ClientSession, env: SlackEnv) -> dict[str, str]:
    """GET /slack/install as a browser: the authorize URL's query, and the state cookie."""
    async with http.get(f"{env.base_url}/slack/install", allow_redirects=False) as resp:
        assert resp.status in (200, 302)
        page = await resp.text()
        url = resp.headers.get("Location")
        cookie = resp.headers["Set-Cookie"]
    if url is None:
        found = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page)
        assert found is not None, page
        url = html.unescape(found.group(1))
    assert url.startswith("https://slack.com/oauth/v2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    assert cookie.startswith(f"{STATE_COOKIE}={query['state']};")
    return query


async def finish_install(
    http: aiohttp.ClientSession, env: SlackEnv, *, code: str, state: str
) -> tuple[int, str]:
    """Slack redirects the browser (which holds the state cookie) back with code and state."""
    async with http.get(
        f"{env.base_url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
        allow_redirects=False,
    ) as resp:
        return resp.status, await resp.text()


async def test_oauth_install_in_two_workspaces_then_uninstall(
    oauth_env: SlackEnv, engine: AsyncEngine
) -> None:
    env, fake = oauth_env, oauth_env.slack
    store = installation_store(env.settings, engine)
    fake.add_oauth_code("code-north", NORTH)
    fake.add_oauth_code("code-globex", GLOBEX)

    async def bot_token(team: str) -> str | None:
        bot = await store.async_find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot is not None else None

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        north, globex = await begin_install(http, env), await begin_install(http, env)
        assert north["client_id"] == CLIENT_ID
        assert north["scope"].split(",") == list(BOT_SCOPES)
        raw, _, signature = north["state"].rpartition(".")
        assert raw
        assert re.fullmatch(r"[0-9a-f]{32}", signature)
        assert north["state"] != globex["state"]

        # Forged states are refused before the code is exchanged.
        for forged in (raw, f"{raw}.{'0' * 32}", "made-up-state.0123456789abcdef0123456789abcdef"):
            status, _ = await finish_install(http, env, code="code-north", state=forged)
            assert status == 401, forged
        assert fake.calls("oauth.v2.access") == []
        assert await bot_token(NORTH) is None

        for code, query in (("code-north", north), ("code-globex", globex)):
            status, page = await finish_install(http, env, code=code, state=query["state"])
            assert status == 200, page
        replay, _ = await finish_install(http, env, code="code-north", state=north["state"])
        assert replay == 401  # a state is single-use

    assert [c.ok for c in fake.calls("oauth.v2.access")] == [True, True]
    assert await bot_token(NORTH) == BOT_TOKENS[NORTH]
    assert await bot_token(GLOBEX) == BOT_TOKENS[GLOBEX]
    assert await bot_token(ACME) is None

    async def open_modal(user: str) -> str | None:
        """`/ticket new` as `user`: the token of the views.open it caused, if any."""
        before = len(fake.calls("views.open"))
        form = await env.command(user, "new Hello")
        await env.eventually(
            lambda: (
                len(fake.calls("views.open")) > before
                or fake.response_url_posts(form["response_url"])
            )
        )
        opened = fake.calls("views.open")[before:]
        return opened[0].token if opened and opened[0].ok else None

    assert await open_modal(CARL) == BOT_TOKENS[NORTH]
    assert await open_modal(GUS) == BOT_TOKENS[GLOBEX]

    async def not_installed_answer(user: str) -> str:
        calls_before = len(fake.calls())
        form = await env.command(user, "list")
        text = await env.reply_text(form)
        assert len(fake.calls()) == calls_before  # no token, so no Web API call
        return text

    assert "reinstall" in await not_installed_answer(AMY)  # acme never installed

    uninstalled = payloads.event_callback(fake, payloads.app_uninstalled_event(), team=NORTH)
    assert (await env.sender.event(uninstalled)).status == 200
    await poll(lambda: _gone(bot_token(NORTH)))
    assert "reinstall" in await not_installed_answer(CARL)
    assert await open_modal(GUS) == BOT_TOKENS[GLOBEX]  # the other workspace is untouched

    revoked = payloads.event_callback(
        fake, payloads.tokens_revoked_event(bot=[fake.teams[GLOBEX].bot_user_id]), team=GLOBEX
    )
    assert (await env.sender.event(revoked)).status == 200
    await poll(lambda: _gone(bot_token(GLOBEX)))
    assert "reinstall" in await not_installed_answer(GUS)


async def _gone(token: Awaitable[str | None]) -> bool:
    return await token is None


# -- Socket Mode, and no Slack at all: through `threadline serve` ----------------------------------
@contextlib.asynccontextmanager
async def running_serve(
    engine: AsyncEngine, settings: Settings, *, no_worker: bool = False
) -> AsyncIterator[str]:
    """`threadline serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    args = Namespace(host="127.0.0.1", port=port, no_worker=no_worker)
    task = asyncio.create_task(serve(engine, settings, args))
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                if task.done():
                    task.result()  # serve stopped: raise its error
                    raise AssertionError("serve returned before serving")
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.get(f"{base_url}/healthz") as resp:
                        return resp.status == 200
                return False

            await poll(healthy)
        yield base_url
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10.0)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


APP_TOKEN = "xapp-1-A0THREADLINE-1-socketsecret"


async def test_socket_mode_slash_command_is_acked_and_answered(
    fake_slack: FakeSlack,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_slack
    populate_fake(fake)
    fake.add_app_token(APP_TOKEN)
    await build_world(sessions)
    settings = make_settings(
        monkeypatch,
        engine,
        SLACK_APP_TOKEN=APP_TOKEN,
        SLACK_BOT_TOKEN=HOME_TOKEN,
        SLACK_API_URL=fake.api_url,
    )
    async with running_serve(engine, settings, no_worker=True) as base_url:
        await fake.socket_mode.wait_connected(within=10.0)
        [connect] = fake.calls("apps.connections.open")
        assert (connect.token, connect.ok) == (APP_TOKEN, True)

        form = payloads.slash_command(
            fake, team=NORTH, user=CARL, channel=CONTOSO_CHANNEL, text="help"
        )
        started = time.monotonic()
        ack = await fake.socket_send(
            payloads.socket_envelope("slash_commands", form), within=ACK_LIMIT_S
        )
        assert time.monotonic() - started < ACK_LIMIT_S
        assert "envelope_id" in ack

        posts = await poll(lambda: fake.response_url_posts(form["response_url"]))
        assert posts[0]["response_type"] == "ephemeral"
        assert "/ticket new" in flatten_text(posts[0])

        # Socket Mode: no HTTP events endpoint.
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{base_url}/slack/events", data="{}") as resp,
        ):
            assert resp.status == 404


HINTS = {
    "nothing": (
        {},
        "Slack is not configured. Add SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (one "
        "workspace), or SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode), or "
        "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_SIGNING_SECRET "
        "(multi-workspace OAuth).",
    ),
    "bot token only": (
        {"SLACK_BOT_TOKEN": "xoxb-1"},
        "Single-workspace install is partly configured: add SLACK_SIGNING_SECRET.",
    ),
    "signing secret only": (
        {"SLACK_SIGNING_SECRET": "s"},
        "Single-workspace install is partly configured: add SLACK_BOT_TOKEN.",
    ),
    "app token only": (
        {"SLACK_APP_TOKEN": "xapp-1"},
        "Socket Mode is partly configured: add SLACK_BOT_TOKEN.",
    ),
    "oauth client id only": (
        {"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"},
        "OAuth install is partly configured: add SLACK_CLIENT_SECRET, SLACK_STATE_SECRET.",
    ),
}


@pytest.mark.parametrize("configured", list(HINTS))
async def test_without_slack_settings_create_runtime_says_what_to_add(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    configured: str,
) -> None:
    values, hint = HINTS[configured]
    settings = make_settings(monkeypatch, engine, **values)
    with caplog.at_level(logging.WARNING, logger="bot.slack.app"):
        assert create_runtime(settings, sessions, engine) is None
    assert [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"] == [hint]


async def test_serve_without_slack_still_serves_health(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(monkeypatch, engine)
    caplog.set_level(logging.INFO)
    async with running_serve(engine, settings) as base_url, aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/healthz") as resp:
            assert (resp.status, await resp.json()) == (200, {"status": "ok"})
        async with http.get(f"{base_url}/readyz") as resp:
            assert resp.status == 200
        async with http.post(f"{base_url}/slack/events", data="{}") as resp:
            assert resp.status == 404
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.slack.app"]
    assert warnings == [HINTS["nothing"][1]]
