"""reactions.*: the bot's emoji reactions on a message (one per name; `already_reacted`,
`no_reaction` as on Slack)."""

from __future__ import annotations

from typing import Any

from ..context import CallContext, SlackError


def _reacted_message(ctx: CallContext) -> tuple[dict[str, Any], str]:
    if ctx.arg("channel") is None or ctx.arg("timestamp") is None:
        raise SlackError("no_item_specified")
    channel = ctx.channel()
    message = ctx.state.find_message(channel, ctx.str_arg("timestamp"))
    if message is None:
        raise SlackError("message_not_found")
    name = ctx.str_arg("name") or ""
    if not name or ":" in name or " " in name:
        raise SlackError("invalid_name")
    if channel.is_archived:
        raise SlackError("is_archived")
    return message, name


def reactions_add(ctx: CallContext) -> dict[str, Any]:
    message, name = _reacted_message(ctx)
    user = ctx.bot_team.bot_user_id
    reactions: list[dict[str, Any]] = message.setdefault("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None:
        entry = {"name": name, "users": [], "count": 0}
        reactions.append(entry)
    if user in entry["users"]:
        raise SlackError("already_reacted")
    entry["users"].append(user)
    entry["count"] = len(entry["users"])
    return {}


def reactions_remove(ctx: CallContext) -> dict[str, Any]:
    message, name = _reacted_message(ctx)
    user = ctx.bot_team.bot_user_id
    reactions: list[dict[str, Any]] = message.get("reactions", [])
    entry = next((r for r in reactions if r["name"] == name), None)
    if entry is None or user not in entry["users"]:
        raise SlackError("no_reaction")
    entry["users"].remove(user)
    entry["count"] = len(entry["users"])
    if not entry["users"]:
        reactions.remove(entry)
    return {}


HANDLERS = {
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
