"""chat.*: messages, threads, ephemerals and permalinks.

Rules beyond the catalogue (CONTRACT.md §5, §6, harness check 2):
- content: `text`, `blocks`, `attachments` or `markdown_text`, else `no_text`;
  `markdown_text` with `text`/`blocks` gives `markdown_text_conflict`;
- `thread_ts` must be a message in that channel (`thread_not_found`) and a parent, not a
  reply (`cannot_reply_to_message`);
- the bot posts only where it is a member, or in public channels with `chat:write.public`;
- `username`/`icon_*` take effect only with `chat:write.customize` (Slack ignores them
  silently otherwise);
- the bot may only update or delete its own messages; ephemerals are not updatable.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from ..blockkit import check_message_blocks
from ..context import CallContext, SlackError, invalid_arguments, truthy
from ..records import Channel, Team

POST_TEXT_TRUNCATE = 40_000  # chat.postMessage truncates longer text (no error)
UPDATE_TEXT_MAX = 4_000  # chat.update: "The `text` field cannot exceed 4,000 characters."
EPHEMERAL_TEXT_MAX = 40_000
MARKDOWN_TEXT_MAX = 12_000
MAX_ATTACHMENTS = 100


def message_content(ctx: CallContext, *, text_max: int | None = None) -> dict[str, Any]:
    """The checked content arguments of a chat.* call, ready to store on a message."""
    text = ctx.str_arg("text")
    markdown_text = ctx.str_arg("markdown_text")
    blocks = ctx.json_arg("blocks", error="invalid_blocks_format")
    attachments = ctx.json_arg("attachments", error="invalid_attachments")
    if markdown_text is not None and (text is not None or blocks is not None):
        raise SlackError("markdown_text_conflict")
    if not (text or blocks or attachments or markdown_text):
        raise SlackError("no_text")
    if markdown_text is not None and len(markdown_text) > MARKDOWN_TEXT_MAX:
        raise SlackError("msg_too_long")
    if text is not None and text_max is not None and len(text) > text_max:
        raise SlackError("msg_too_long")
    content: dict[str, Any] = {}
    if text is not None or markdown_text is not None:
        content["text"] = text if text is not None else markdown_text
    if blocks is not None:
        content["blocks"] = checked_blocks(blocks)
    if attachments is not None:
        if not isinstance(attachments, list):
            raise SlackError("invalid_attachments")
        if len(attachments) > MAX_ATTACHMENTS:
            raise SlackError("too_many_attachments")
        content["attachments"] = attachments
    metadata = ctx.json_arg("metadata", error="invalid_metadata_format")
    if metadata is not None:
        content["metadata"] = metadata
    return content


def checked_blocks(blocks: Any) -> list[dict[str, Any]]:
    """Blocks that pass the §5 limits, with a block_id on each as Slack assigns them."""
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    violations = check_message_blocks(blocks)
    if violations:
        error = invalid_arguments(*map(str, violations), error="invalid_blocks")
        error.extra["errors"] = [str(v) for v in violations]
        raise error
    stored = copy.deepcopy(blocks)
    for block in stored:
        block.setdefault("block_id", secrets.token_urlsafe(4))
    return stored


def writable_channel(ctx: CallContext, target: str | None) -> Channel:
    """The channel the bot may post into, resolving a user id to the App Home DM."""
    team = ctx.bot_team
    target = target or ""
    user = ctx.state.users.get(target)
    if user is not None and target[:1] in ("U", "W"):
        if (
            not ctx.state.manifest.get("features", {})
            .get("app_home", {})
            .get("messages_tab_enabled", True)
        ):
            raise SlackError("messages_tab_disabled")
        return ctx.state.dm_channel_for(team, target)
    channel = ctx.channel_by_id(target)
    if channel.is_archived:
        raise SlackError("is_archived")
    if team.bot_user_id not in channel.members and not (
        channel.conversation_type == "public_channel" and ctx.granted("chat:write.public")
    ):
        raise SlackError("not_in_channel")
    return channel


def thread_parent(ctx: CallContext, channel: Channel) -> str | None:
    """The `thread_ts` argument, checked to be a parent message in `channel`."""
    thread_ts = ctx.str_arg("thread_ts")
    if thread_ts is None:
        return None
    parent = ctx.state.find_message(channel, thread_ts)
    if parent is None:
        raise SlackError("thread_not_found")
    if parent.get("thread_ts") not in (None, parent["ts"]):
        raise SlackError("cannot_reply_to_message")
    return thread_ts


def bot_message(team: Team, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "text": "",
        **content,
        "user": team.bot_user_id,
        "bot_id": team.bot_id,
        "app_id": team.app_id,
        "team": team.id,
        "bot_profile": team.bot_profile(),
    }


def own_message(ctx: CallContext, channel: Channel, ts_arg: str, cant: str) -> dict[str, Any]:
    message = ctx.state.find_message(channel, ctx.str_arg(ts_arg))
    if message is None:
        raise SlackError("message_not_found")
    if message.get("bot_id") != ctx.bot_team.bot_id:
        raise SlackError(cant)
    return message


def post_message(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    channel = writable_channel(ctx, ctx.str_arg("channel"))
    content = message_content(ctx)
    if len(content.get("text", "")) > POST_TEXT_TRUNCATE:
        content["text"] = content["text"][:POST_TEXT_TRUNCATE]
    message = bot_message(team, content)
    thread_ts = thread_parent(ctx, channel)
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
        if truthy(ctx.arg("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
    if ctx.granted("chat:write.customize"):
        if ctx.str_arg("username"):
            message["username"] = ctx.str_arg("username")
        if ctx.str_arg("icon_emoji"):
            message["icons"] = {"emoji": ctx.str_arg("icon_emoji")}
        elif ctx.str_arg("icon_url"):
            message["icons"] = {"image_64": ctx.str_arg("icon_url")}
    stored = ctx.state.append_message(channel, message)
    return {"channel": channel.id, "ts": stored["ts"], "message": copy.deepcopy(stored)}


def post_ephemeral(ctx: CallContext) -> dict[str, Any]:
    team = ctx.bot_team
    channel = writable_channel(ctx, ctx.str_arg("channel"))
    user = ctx.str_arg("user") or ""
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    message = bot_message(team, message_content(ctx, text_max=EPHEMERAL_TEXT_MAX))
    message["ts"] = ctx.state.next_ts()
    thread_ts = thread_parent(ctx, channel)
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    channel.ephemerals.setdefault(user, []).append(message)
    return {"message_ts": message["ts"]}


def update(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    if channel.is_archived:
        raise SlackError("is_inactive")
    message = own_message(ctx, channel, "ts", "cant_update_message")
    message.update(message_content(ctx, text_max=UPDATE_TEXT_MAX))
    message["edited"] = {"user": ctx.bot_team.bot_user_id, "ts": ctx.state.next_ts()}
    return {
        "channel": channel.id,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


def delete(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    message = own_message(ctx, channel, "ts", "cant_delete_message")
    ctx.state.remove_message(channel, message)
    return {"channel": channel.id, "ts": message["ts"]}


def get_permalink(ctx: CallContext) -> dict[str, Any]:
    channel = ctx.channel()
    message = ctx.state.find_message(channel, ctx.str_arg("message_ts"))
    if message is None:
        raise SlackError("message_not_found")
    p_ts = "p" + message["ts"].replace(".", "")
    link = f"https://{ctx.bot_team.domain}.slack.com/archives/{channel.id}/{p_ts}"
    if message.get("thread_ts") not in (None, message["ts"]):
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


HANDLERS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
