"""What a user would see in the fake Slack: the queries tests assert on.

`messages(channel)`, `dm_messages(user)`, `ephemerals(channel, user)`, `home_view(user)`,
`open_views(user)`, `reactions(channel, ts)`, `uploaded_files()`. Queries return copies, so
a test cannot change the fake's state by accident. `SlackState` (state.py) holds the data
and extends this class.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .records import UploadedFile

if TYPE_CHECKING:
    from .records import Channel, User, View


class StateInspection:
    """Read-only views of `SlackState`'s data, as Slack would show them to a user."""

    channels: dict[str, Channel]
    users: dict[str, User]
    dm_ids: dict[tuple[str, str], str]
    views: dict[str, View]
    view_stacks: dict[str, list[str]]
    home_views: dict[str, str]
    files: dict[str, UploadedFile]

    if TYPE_CHECKING:  # SlackState's lookup of a message by ts (parent or reply)

        def find_message(self, channel: Channel, ts: str | None) -> dict[str, Any] | None: ...

    def messages(self, channel: str, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Channel-level messages (no replies unless broadcast), or a thread's replies only."""
        stored = self.channels[channel].messages
        if thread_ts is None:
            selected = [
                m
                for m in stored
                if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
            ]
        else:
            selected = [
                m for m in stored if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
            ]
        return copy.deepcopy(selected)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One stored message by ts (parent or reply), or None if absent or deleted."""
        found = self.find_message(self.channels[channel], ts)
        return copy.deepcopy(found)

    def ephemerals(self, channel: str, user: str) -> list[dict[str, Any]]:
        """Ephemeral messages shown to `user` in `channel` (chat.postEphemeral, response_url)."""
        return copy.deepcopy(self.channels[channel].ephemerals.get(user, []))

    def dm_channel(self, user: str, team: str | None = None) -> str | None:
        """The DM channel id the fake gave for `user` (team defaults to the user's own)."""
        return self.dm_ids.get((team or self.users[user].team_id, user))

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        """Every message any bot sent `user` by DM, oldest first."""
        found = [
            m
            for (_, dm_user), channel_id in self.dm_ids.items()
            if dm_user == user
            for m in self.channels[channel_id].messages
        ]
        return copy.deepcopy(sorted(found, key=lambda m: m["ts"]))

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        """Reactions on a message: emoji name -> users, as reactions.get would show them."""
        message = self.find_message(self.channels[channel], ts) or {}
        return {r["name"]: list(r["users"]) for r in message.get("reactions", [])}

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The Home tab view last published for `user`."""
        view_id = self.home_views.get(user)
        return copy.deepcopy(self.views[view_id].as_api()) if view_id else None

    def open_views(self, user: str) -> list[dict[str, Any]]:
        """The modal stack `user` sees, bottom first (at most 3)."""
        return [copy.deepcopy(self.views[v].as_api()) for v in self.view_stacks.get(user, [])]

    def uploaded_files(self, channel: str | None = None) -> list[UploadedFile]:
        """Completed uploads, optionally only those shared to `channel`."""
        done = [f for f in self.files.values() if f.completed]
        return [f for f in done if channel is None or any(c == channel for c, _ in f.shares)]
