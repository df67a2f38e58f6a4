"""Fake `response_url`s (hooks.slack.com): where the app answers commands and actions.

A response_url is usable 5 times within 30 minutes (CONTRACT.md §2). A POST is JSON with
`text`/`blocks`, `response_type` (`ephemeral` default | `in_channel`), `replace_original`,
`delete_original`, `thread_ts`. Every POST is recorded; its effect is applied to the
fake's channels so tests assert on what the user sees.
"""

from __future__ import annotations

import copy
from typing import Any

from .blockkit import check_message_blocks
from .records import ResponseUrl
from .state import SlackState

MAX_USES = 5
TTL_SECONDS = 30 * 60


class ResponseUrls:
    """Issues response URLs and applies the messages POSTed to them."""

    def __init__(self, state: SlackState) -> None:
        self.state = state
        self.by_id: dict[str, ResponseUrl] = {}

    def new(
        self,
        *,
        team: str,
        channel: str,
        user: str,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """A URL on the fake; `message_ts` is the message the interaction came from."""
        hook_id = self.state.new_id("H")
        url = f"{self.state.base_url}hooks/{hook_id}"
        self.by_id[hook_id] = ResponseUrl(
            hook_id, url, team, channel, user, message_ts, thread_ts, self.state.clock.now()
        )
        return url

    def posts(self, url: str) -> list[dict[str, Any]]:
        """Bodies POSTed to `url`, oldest first."""
        hook_id = url.rstrip("/").rsplit("/", 1)[-1]
        return copy.deepcopy(self.by_id[hook_id].posts)

    def receive(self, hook_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        """Apply one POST; returns (HTTP status, JSON body) as Slack would answer."""
        hook = self.by_id.get(hook_id)
        if hook is None:
            return 404, {"ok": False, "error": "invalid_url"}
        if self.state.clock.now() - hook.created_at > TTL_SECONDS:
            return 404, {"ok": False, "error": "expired_url"}
        if len(hook.posts) >= MAX_USES:
            return 404, {"ok": False, "error": "used_url"}
        if not isinstance(body, dict):
            return 400, {"ok": False, "error": "invalid_payload"}
        hook.posts.append(copy.deepcopy(body))
        if body.get("blocks") is not None:
            violations = check_message_blocks(body["blocks"])
            if violations:
                return 400, {
                    "ok": False,
                    "error": "invalid_blocks",
                    "errors": list(map(str, violations)),
                }
        if body.get("delete_original"):
            self._delete_original(hook)
            return 200, {"ok": True}
        if not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return 400, {"ok": False, "error": "no_text"}
        self._deliver(hook, body)
        return 200, {"ok": True}

    def _content(self, hook: ResponseUrl, body: dict[str, Any]) -> dict[str, Any]:
        team = self.state.teams[hook.team_id]
        return {
            "type": "message",
            "text": body.get("text", ""),
            **{k: body[k] for k in ("blocks", "attachments") if body.get(k) is not None},
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "app_id": team.app_id,
            "team": team.id,
        }

    def _deliver(self, hook: ResponseUrl, body: dict[str, Any]) -> None:
        channel = self.state.channels[hook.channel_id]
        message = self._content(hook, body)
        thread_ts = body.get("thread_ts") or hook.thread_ts
        if thread_ts:
            message["thread_ts"] = thread_ts
        if body.get("replace_original") and hook.message_ts:
            original = self.state.find_message(channel, hook.message_ts)
            if original is not None:
                original.update({k: v for k, v in message.items() if k != "thread_ts"})
                return
            for ephemeral in channel.ephemerals.get(hook.user_id, []):
                if ephemeral["ts"] == hook.message_ts:
                    ephemeral.update(message)
                    return
        if body.get("response_type") == "in_channel":
            self.state.append_message(channel, message)
        else:
            message["ts"] = self.state.next_ts()
            channel.ephemerals.setdefault(hook.user_id, []).append(message)

    def _delete_original(self, hook: ResponseUrl) -> None:
        channel = self.state.channels[hook.channel_id]
        original = self.state.find_message(channel, hook.message_ts)
        if original is not None:
            self.state.remove_message(channel, original)
            return
        ephemerals = channel.ephemerals.get(hook.user_id, [])
        channel.ephemerals[hook.user_id] = [e for e in ephemerals if e["ts"] != hook.message_ts]
