"""Inbound payloads as Slack sends them: slash commands, interactivity, Events API envelopes.

Key sets follow the java-slack-sdk shape samples (`json-logs/samples/app-backend/*`,
`samples/events/*`) and bolt-python's fixtures (CONTRACT.md §6). trigger_ids and
response_urls come from the fake, so the app's follow-up calls are checked as well.
Builders take the `FakeSlack` to look up names, domains and the installation's bot user.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeSlack

API_APP_ID = "A0THREADLINE"
VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack; still sent
_CHANNEL_TYPES = {
    "public_channel": "channel",
    "private_channel": "group",
    "im": "im",
    "mpim": "mpim",
}


def _team(slack: FakeSlack, team_id: str) -> dict[str, Any]:
    team = slack.teams.get(team_id)
    return {"id": team_id, "domain": team.domain if team else team_id.lower()}


def _user(slack: FakeSlack, user_id: str) -> dict[str, Any]:
    user = slack.users[user_id]
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}


def _channel(slack: FakeSlack, channel_id: str) -> dict[str, Any]:
    return {"id": channel_id, "name": slack.channels[channel_id].name or "directmessage"}


def _interaction(slack: FakeSlack, kind: str, team: str, user: str) -> dict[str, Any]:
    """Keys every interaction payload has; shortcuts carry no `api_app_id` (see samples)."""
    payload = {
        "type": kind,
        "token": VERIFICATION_TOKEN,
        "team": _team(slack, team),
        "user": _user(slack, user),
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": slack.new_trigger_id(user, team),
    }
    if kind not in ("message_action", "shortcut"):
        payload["api_app_id"] = API_APP_ID
    return payload


# -- slash command and shortcuts --------------------------------------------------------------
def slash_command(
    slack: FakeSlack,
    *,
    team: str,
    user: str,
    channel: str,
    text: str = "",
    command: str = "/ticket",
) -> dict[str, str]:
    """The form fields of a slash command invocation."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        "team_domain": _team(slack, team)["domain"],
        "channel_id": channel,
        "channel_name": _channel(slack, channel)["name"],
        "user_id": user,
        "user_name": slack.users[user].name,
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": slack.new_response_url(team=team, channel=channel, user=user),
        "trigger_id": slack.new_trigger_id(user, team),
    }


def message_shortcut(
    slack: FakeSlack,
    *,
    team: str,
    user: str,
    channel: str,
    message: dict[str, Any],
    callback_id: str = "create_ticket_from_message",
) -> dict[str, Any]:
    """A message shortcut (`message_action`) on `message` (e.g. from `slack.add_message`)."""
    return {
        **_interaction(slack, "message_action", team, user),
        "callback_id": callback_id,
        "action_ts": slack.next_ts(),
        "channel": _channel(slack, channel),
        "message_ts": message["ts"],
        "message": copy.deepcopy(message),
        "response_url": slack.new_response_url(team=team, channel=channel, user=user),
    }


def global_shortcut(
    slack: FakeSlack, *, team: str, user: str, callback_id: str = "new_ticket"
) -> dict[str, Any]:
    return {
        **_interaction(slack, "shortcut", team, user),
        "callback_id": callback_id,
        "action_ts": slack.next_ts(),
    }


# -- block_actions and view_submission ----------------------------------------------------------
def button(
    action_id: str, value: str = "", *, block_id: str = "actions", text: str = "Button"
) -> dict[str, Any]:
    """One `actions[]` entry for a clicked button."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "action_ts": "1700000000.000001",
    }


def selected_option(
    action_id: str, value: str, *, block_id: str, text: str | None = None
) -> dict[str, Any]:
    """One `actions[]` entry for a static_select choice."""
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": block_id,
        "selected_option": option,
        "action_ts": "1700000000.000001",
    }


def block_actions(
    slack: FakeSlack,
    *,
    team: str,
    user: str,
    actions: list[dict[str, Any]],
    channel: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    is_ephemeral: bool = False,
) -> dict[str, Any]:
    """A click in a message (`channel` + `message`) or in a view (`view` from the fake)."""
    payload = {**_interaction(slack, "block_actions", team, user), "actions": actions}
    if message is not None and channel is not None:
        container = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": is_ephemeral,
        }
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        payload.update(
            container=container,
            channel=_channel(slack, channel),
            message=copy.deepcopy(message),
            state={"values": {}},
            response_url=slack.new_response_url(
                team=team,
                channel=channel,
                user=user,
                message_ts=message["ts"],
                thread_ts=message.get("thread_ts"),
            ),
        )
    elif view is not None:
        payload.update(
            container={"type": "view", "view_id": view["id"]},
            view=copy.deepcopy(view),
            state=copy.deepcopy(view.get("state") or {"values": {}}),
        )
    return payload


def plain_input(value: str) -> dict[str, Any]:
    """A `state.values[block][action]` entry for a plain_text_input."""
    return {"type": "plain_text_input", "value": value}


def static_choice(value: str, text: str | None = None) -> dict[str, Any]:
    """A `state.values[block][action]` entry for a static_select."""
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def view_submission(
    slack: FakeSlack,
    *,
    team: str,
    user: str,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    """Submitting `view` (as `slack.open_views(user)[-1]`) with `state.values`."""
    submitted = copy.deepcopy(view)
    submitted["state"] = {"values": copy.deepcopy(values)}
    return {
        **_interaction(slack, "view_submission", team, user),
        "view": submitted,
        "response_urls": [],
    }


# -- Events API -----------------------------------------------------------------------------
def event_callback(
    slack: FakeSlack,
    event: dict[str, Any],
    *,
    team: str,
    installed_team: str | None = None,
    event_id: str | None = None,
    is_ext_shared_channel: bool = False,
) -> dict[str, Any]:
    """The envelope; `installed_team` differs from `team` for Slack Connect deliveries."""
    auth_team = installed_team or team
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team,
        "context_team_id": team,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(slack.clock.wall()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": auth_team,
                "user_id": slack.teams[auth_team].bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def message_event(slack: FakeSlack, message: dict[str, Any], *, channel: str) -> dict[str, Any]:
    """A `message` event for a stored message (plain post, thread reply or bot post)."""
    event = copy.deepcopy(message)
    for later in ("reactions", "reply_count", "reply_users", "reply_users_count", "latest_reply"):
        event.pop(later, None)  # state the message gained after it was posted
    event.update(
        channel=channel,
        channel_type=_CHANNEL_TYPES[slack.channels[channel].conversation_type],
        event_ts=message["ts"],
    )
    return event


def message_changed_event(
    slack: FakeSlack, *, channel: str, message: dict[str, Any], previous_message: dict[str, Any]
) -> dict[str, Any]:
    """`message_changed`: `message` is the edited message (the bot's own for unfurls)."""
    edited = {
        **copy.deepcopy(message),
        "edited": {"user": message.get("user"), "ts": slack.next_ts()},
    }
    ts = slack.next_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": _CHANNEL_TYPES[slack.channels[channel].conversation_type],
        "message": edited,
        "previous_message": copy.deepcopy(previous_message),
        "event_ts": ts,
        "ts": ts,
    }


def message_deleted_event(
    slack: FakeSlack, *, channel: str, previous_message: dict[str, Any]
) -> dict[str, Any]:
    ts = slack.next_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": _CHANNEL_TYPES[slack.channels[channel].conversation_type],
        "deleted_ts": previous_message["ts"],
        "previous_message": copy.deepcopy(previous_message),
        "event_ts": ts,
        "ts": ts,
    }


def reaction_event(
    slack: FakeSlack,
    *,
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    added: bool = True,
) -> dict[str, Any]:
    """`reaction_added` / `reaction_removed`; `item_user` only when the item has an author."""
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": slack.next_ts(),
    }
    item = slack.message(channel, ts)
    if item is not None and item.get("user"):
        event["item_user"] = item["user"]
    return event


def app_home_opened_event(slack: FakeSlack, *, user: str, tab: str = "home") -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": slack.dm_channel(user) or "D0APPHOME",
        "tab": tab,
        "event_ts": slack.next_ts(),
    }
    view = slack.home_view(user)
    if view is not None:
        event["view"] = view
    return event


def member_joined_channel_event(
    slack: FakeSlack, *, user: str, channel: str, inviter: str | None = None
) -> dict[str, Any]:
    conversation = slack.channels[channel]
    event = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "G" if conversation.is_private else "C",
        "team": slack.users[user].team_id,
        "event_ts": slack.next_ts(),
    }
    if inviter is not None:
        event["inviter"] = inviter
    return event


def app_uninstalled_event() -> dict[str, Any]:
    return {"type": "app_uninstalled"}


def tokens_revoked_event(*, bot: Sequence[str] = (), oauth: Sequence[str] = ()) -> dict[str, Any]:
    """`tokens_revoked`: user ids whose bot / user tokens were revoked."""
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}}


def socket_envelope(
    kind: str,
    payload: dict[str, Any],
    *,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """A Socket Mode envelope: kind is `events_api`, `slash_commands` or `interactive`."""
    envelope: dict[str, Any] = {
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind != "events_api",
    }
    if kind == "events_api":
        envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
    return envelope
