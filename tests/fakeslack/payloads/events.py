"""Events API envelopes and the events inside them; Socket Mode envelopes."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .common import API_APP_ID, VERIFICATION_TOKEN

if TYPE_CHECKING:
    from ..server import FakeSlack

_CHANNEL_TYPES = {
    "public_channel": "channel",
    "private_channel": "group",
    "im": "im",
    "mpim": "mpim",
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
