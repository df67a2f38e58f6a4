"""The fake's world: setup (`add_*`) and lookups for handlers.

Tests arrange Slack with the `add_*` methods, let the app run, then assert on what a user
would see through the queries of `inspection.StateInspection`, which this class extends.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .catalog import MANIFEST_PATH, load_manifest
from .inspection import StateInspection
from .records import Channel, Clock, OAuthCode, Team, Trigger, UploadedFile, User, View

TRIGGER_TTL_SECONDS = 3.0


class SlackState(StateInspection):
    """Workspaces, users, conversations, messages, views, files and OAuth codes."""

    def __init__(self, manifest_path: Path | None = MANIFEST_PATH, clock: Clock | None = None):
        self.clock = clock or Clock()
        self.manifest: dict[str, Any] = load_manifest(manifest_path) if manifest_path else {}
        self.teams: dict[str, Team] = {}
        self.tokens: dict[str, Team] = {}
        self.app_tokens: set[str] = set()
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.dm_ids: dict[tuple[str, str], str] = {}
        self.views: dict[str, View] = {}
        self.view_stacks: dict[str, list[str]] = {}  # user -> modal view ids, bottom first
        self.home_views: dict[str, str] = {}  # user -> view id
        self.triggers: dict[str, Trigger] = {}
        self.files: dict[str, UploadedFile] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.oauth_client: tuple[str, str] | None = None  # (client_id, client_secret) if checked
        self.base_url = ""  # http://127.0.0.1:PORT/ once the server runs
        self._ts_base = int(self.clock.wall()) * 1_000_000
        self._counter = itertools.count(1)

    # -- manifest -------------------------------------------------------------------------
    @property
    def manifest_scopes(self) -> set[str]:
        return set(self.manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))

    @property
    def home_tab_enabled(self) -> bool:
        if not self.manifest:
            return True
        return bool(self.manifest.get("features", {}).get("app_home", {}).get("home_tab_enabled"))

    # -- setup ----------------------------------------------------------------------------
    def add_team(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_user_id: str,
        bot_id: str,
        name: str | None = None,
        domain: str | None = None,
        scopes: Iterable[str] | None = None,
        app_id: str = "A0THREADLINE",
        email_domain: str = "",
        enterprise_id: str | None = None,
    ) -> Team:
        """Install the app in a workspace; scopes default to the manifest's bot scopes."""
        team = Team(
            id=team_id,
            name=name or team_id,
            domain=domain or team_id.lower(),
            bot_token=bot_token,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            scopes=set(self.manifest_scopes if scopes is None else scopes),
            email_domain=email_domain,
            enterprise_id=enterprise_id,
        )
        self.teams[team_id] = team
        self.tokens[bot_token] = team
        self.users[bot_user_id] = User(
            bot_user_id, team_id, "threadline", is_bot=True, bot_id=bot_id
        )
        return team

    def add_app_token(self, token: str) -> None:
        """An app-level token (`xapp-...`) accepted by apps.connections.open."""
        self.app_tokens.add(token)

    def revoke_token(self, token: str) -> None:
        """Later calls with this token fail with `token_revoked`."""
        self.tokens[token].revoked = True

    def add_user(
        self,
        team_id: str,
        user_id: str,
        name: str,
        email: str | None = None,
        *,
        real_name: str = "",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_restricted: bool = False,
        tz: str = "Europe/Berlin",
        visible_to: Iterable[str] | None = None,
    ) -> User:
        """A user; other teams see them via shared channels unless `visible_to` says otherwise."""
        user = User(
            user_id,
            team_id,
            name,
            email,
            real_name=real_name,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            is_restricted=is_restricted,
            tz=tz,
            visible_to=None if visible_to is None else set(visible_to),
        )
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
        is_archived: bool = False,
        shared_with: Iterable[str] = (),
    ) -> Channel:
        """A channel; `shared_with` makes the same id visible to other teams (Slack Connect)."""
        channel = Channel(
            id=channel_id,
            team_id=team_id,
            name=name,
            is_private=is_private,
            members=set(members),
            is_archived=is_archived,
            shared_with=set(shared_with),
        )
        self.channels[channel_id] = channel
        return channel

    def add_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A message a human posted (so the app can thread, react or link to it)."""
        author = self.users[user]
        message: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": text,
            "team": author.team_id,
            "client_msg_id": secrets.token_hex(8),
        }
        if blocks is not None:
            message["blocks"] = blocks
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        return copy.deepcopy(self.append_message(self.channels[channel], message))

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        *,
        user_id: str = "UINSTALLER",
        scopes: Iterable[str] | None = None,
    ) -> None:
        """An OAuth code that oauth.v2.access exchanges (once) for `team_id`'s bot token."""
        self.oauth_codes[code] = OAuthCode(
            code, team_id, user_id, None if scopes is None else set(scopes)
        )

    def new_trigger_id(self, user: str | None = None, team: str | None = None) -> str:
        """A trigger_id as Slack sends with an interaction: valid once, for 3 seconds.

        The modal views.open opens with it lands on `user`'s stack (`open_views(user)`).
        """
        n = next(self._counter)
        trigger_id = f"{n}.{int(self.clock.wall())}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(trigger_id, team, user, self.clock.now())
        return trigger_id

    # -- lookups for handlers ---------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._counter):08d}"

    def next_ts(self) -> str:
        """Message timestamps: unique, increasing, in Slack's `seconds.micros` format."""
        value = max(self._ts_base + 1, int(self.clock.wall() * 1_000_000))
        self._ts_base = value  # Slack's ts is the post time: unique and increasing
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"

    def visible_channel(self, channel_id: str | None, team_id: str) -> Channel | None:
        channel = self.channels.get(channel_id or "")
        return channel if channel is not None and channel.visible_to(team_id) else None

    def user_visible(self, user: User, team_id: str) -> bool:
        """Own team always; other teams as `visible_to` says or through a shared channel."""
        if user.team_id == team_id:
            return True
        if user.visible_to is not None:
            return team_id in user.visible_to
        return any(c.visible_to(team_id) and user.id in c.members for c in self.channels.values())

    def find_message(self, channel: Channel, ts: str | None) -> dict[str, Any] | None:
        return next((m for m in channel.messages if m["ts"] == ts), None)

    def append_message(self, channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
        """Store a message with a fresh ts; keep the thread parent's reply counters."""
        message["ts"] = self.next_ts()
        channel.messages.append(message)
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            parent = self.find_message(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                message["parent_user_id"] = parent.get("user")
                self._recount_replies(channel, parent)
        return message

    def remove_message(self, channel: Channel, message: dict[str, Any]) -> None:
        channel.messages.remove(message)
        thread_ts = message.get("thread_ts")
        parent = self.find_message(channel, thread_ts) if thread_ts != message["ts"] else None
        if parent is not None:
            self._recount_replies(channel, parent)

    def _recount_replies(self, channel: Channel, parent: dict[str, Any]) -> None:
        replies = [
            m for m in channel.messages if m.get("thread_ts") == parent["ts"] and m is not parent
        ]
        parent["reply_count"] = len(replies)
        parent["reply_users"] = sorted({r.get("user", "") for r in replies})
        parent["reply_users_count"] = len(parent["reply_users"])
        parent["latest_reply"] = replies[-1]["ts"] if replies else parent["ts"]

    def dm_channel_for(self, team: Team, user_id: str) -> Channel:
        """The stable DM between a team's bot and a user (conversations.open)."""
        key = (team.id, user_id)
        if key not in self.dm_ids:
            channel = Channel(
                id=self.new_id("D"),
                team_id=team.id,
                name="",
                kind="im",
                members={team.bot_user_id, user_id},
                dm_user=user_id,
            )
            self.channels[channel.id] = channel
            self.dm_ids[key] = channel.id
        return self.channels[self.dm_ids[key]]
