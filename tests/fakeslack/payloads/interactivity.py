"""Slash commands, shortcuts, block actions and view submissions, as Slack posts them.

trigger_ids and response_urls come from the fake, so the app's follow-up calls are checked
as well.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .common import API_APP_ID, VERIFICATION_TOKEN, channel_ref, team_ref, user_ref

if TYPE_CHECKING:
    from ..server import FakeSlack


def _interaction(slack: FakeSlack, kind: str, team: str, user: str) -> dict[str, Any]:
    """Keys every interaction payload has; shortcuts carry no `api_app_id` (see samples)."""
    payload = {
        "type": kind,
        "token": VERIFICATION_TOKEN,
        "team": team_ref(slack, team),
        "user": user_ref(slack, user),
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
        "team_domain": team_ref(slack, team)["domain"],
        "channel_id": channel,
        "channel_name": channel_ref(slack, channel)["name"],
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
        "channel": channel_ref(slack, channel),
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
            channel=channel_ref(slack, channel),
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
