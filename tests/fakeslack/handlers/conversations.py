"""conversations.*: channels and DMs, per calling team.

Every lookup is made as the calling workspace sees Slack: a Slack Connect channel is one id
visible to several teams, and a DM opens only with a user the team can see (`users.py`).
"""

from __future__ import annotations

import base64
from typing import Any

from ..context import CallContext, SlackError
from .users import visible_user

DEFAULT_PAGE = 100


def paginate(ctx: CallContext, items: list[Any]) -> tuple[list[Any], str]:
    """Slack cursor pagination: (page, next_cursor); the cursor is opaque to clients."""
    cursor = ctx.str_arg("cursor")
    try:
        start = (
            int(base64.urlsafe_b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
        )
        limit = int(ctx.arg("limit") or DEFAULT_PAGE)
    except ValueError:
        raise SlackError("invalid_cursor") from None
    if limit < 1:
        raise SlackError("invalid_limit")
    end = start + limit
    next_cursor = (
        base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    )
    return items[start:end], next_cursor


def conversations_open(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    if ctx.arg("channel") is not None:
        channel = ctx.channel()
        return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
    users = [u for u in (ctx.str_arg("users") or "").split(",") if u]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("fakeslack_not_implemented", detail="group DMs (mpim) are not modelled")
    ctx.require_conversation_scope("im")
    user = visible_user(ctx, users[0])
    if user.deleted:
        raise SlackError("user_disabled")
    existed = (team.id, user.id) in ctx.state.dm_ids
    channel = ctx.state.dm_channel_for(team, user.id)
    body: dict[str, Any] = {"channel": {"id": channel.id}}
    if existed:
        body.update(no_op=True, already_open=True)
    if ctx.arg("return_im") is not None:
        body["channel"] = channel.as_api(for_team=team)
    return body


def conversations_info(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    return {"channel": channel.as_api(for_team=ctx.bot_team)}


def conversations_join(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    channel = ctx.channel()
    if channel.conversation_type != "public_channel":
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if team.bot_user_id in channel.members:
        ctx.warnings.append("already_in_channel")
    channel.members.add(team.bot_user_id)
    return {"channel": channel.as_api(for_team=team)}


def conversations_members(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    page, next_cursor = paginate(ctx, sorted(channel.members))
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def conversations_replies(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    message = ctx.state.find_message(channel, ctx.str_arg("ts"))
    if message is None:
        raise SlackError("thread_not_found")
    parent_ts = message.get("thread_ts") or message["ts"]
    thread = [
        m for m in channel.messages if m["ts"] == parent_ts or m.get("thread_ts") == parent_ts
    ]
    page, next_cursor = paginate(ctx, thread)
    return {
        "messages": page,
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


def conversations_history(ctx: CallContext) -> dict[str, Any]:
    """Channel-level messages, newest first, between `oldest` and `latest` (exclusive)."""
    channel = ctx.channel()
    oldest = float(ctx.str_arg("oldest") or 0)
    latest = float(ctx.str_arg("latest") or "inf")
    with_metadata = str(ctx.arg("include_all_metadata") or "").lower() in ("1", "true")
    top_level = [
        _without_metadata(m, with_metadata)
        for m in reversed(channel.messages)
        if (not m.get("thread_ts") or m["thread_ts"] == m["ts"])
        and oldest < float(m["ts"]) < latest
    ]
    page, next_cursor = paginate(ctx, top_level)
    return {
        "messages": page,
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


def _without_metadata(message: dict[str, Any], keep: bool) -> dict[str, Any]:
    return message if keep else {k: v for k, v in message.items() if k != "metadata"}


HANDLERS = {
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.join": conversations_join,
    "conversations.members": conversations_members,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
}
