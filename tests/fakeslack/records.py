"""The objects a fake Slack holds: workspaces, users, conversations, views, files, hooks.

Each record knows how Slack renders it in API responses (`as_api`), with the keys of the
java-slack-sdk shape samples, so handlers stay short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from .catalog import ConversationType


class Clock:
    """Monotonic time the tests can move forward (trigger expiry, rate limits, hook expiry)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def wall(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Team:
    """A workspace with this app installed: one bot token, one bot user, granted scopes."""

    id: str
    name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    app_id: str
    scopes: set[str]
    email_domain: str = ""
    enterprise_id: str | None = None
    revoked: bool = False

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.domain,
            "email_domain": self.email_domain,
            "icon": {"image_68": f"https://a.slack-edge.example/{self.id}_68.png"},
            "enterprise_id": self.enterprise_id,
            "url": f"https://{self.domain}.slack.com/",
        }

    def bot_profile(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "user_id": self.bot_user_id,
            "name": "Threadline",
            "deleted": False,
            "updated": 1700000000,
            "team_id": self.id,
            "icons": {"image_48": f"https://a.slack-edge.example/{self.bot_id}_48.png"},
        }


@dataclass
class User:
    """A Slack user; `visible_to` overrides which other teams may look them up."""

    id: str
    team_id: str
    name: str
    email: str | None = None
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    is_restricted: bool = False
    tz: str = "Europe/Berlin"
    visible_to: set[str] | None = None
    bot_id: str | None = None

    def as_api(self, *, include_email: bool) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name or self.name,
            "display_name": self.name,
            "team": self.team_id,
            "image_48": f"https://avatars.slack-edge.example/{self.id}_48.png",
            "image_72": f"https://avatars.slack-edge.example/{self.id}_72.png",
        }
        if self.email and include_email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name or self.name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 3600,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }


ConversationKind = Literal["channel", "im", "mpim"]


@dataclass
class Channel:
    """A conversation. One id may be visible to several teams (a Slack Connect channel)."""

    id: str
    team_id: str
    name: str
    kind: ConversationKind = "channel"
    is_private: bool = False
    members: set[str] = field(default_factory=set)
    is_archived: bool = False
    shared_with: set[str] = field(default_factory=set)
    dm_user: str | None = None
    created: int = 1700000000
    messages: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def conversation_type(self) -> ConversationType:
        if self.kind == "channel":
            return "private_channel" if self.is_private else "public_channel"
        return self.kind

    def visible_to(self, team_id: str) -> bool:
        return team_id == self.team_id or team_id in self.shared_with

    def as_api(self, *, for_team: Team) -> dict[str, Any]:
        if self.kind == "im":
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.dm_user,
                "is_archived": False,
                "is_open": True,
                "context_team_id": for_team.id,
            }
        is_shared = bool(self.shared_with)
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": self.kind == "channel" and not self.is_private,
            "is_group": self.kind == "channel" and self.is_private,
            "is_im": False,
            "is_mpim": self.kind == "mpim",
            "is_private": self.is_private or self.kind == "mpim",
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": is_shared,
            "is_ext_shared": is_shared,
            "is_org_shared": False,
            "shared_team_ids": sorted({self.team_id, *self.shared_with}),
            "conversation_host_id": self.team_id,
            "context_team_id": for_team.id,
            "is_member": for_team.bot_user_id in self.members,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "num_members": len(self.members),
        }


@dataclass
class View:
    """A modal or Home tab view as Slack stores it (id, hash, stack links)."""

    id: str
    team: Team
    user_id: str
    payload: dict[str, Any]
    hash: str
    root_view_id: str | None = None
    previous_view_id: str | None = None
    state_values: dict[str, Any] = field(default_factory=dict)

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team.id,
            "type": self.payload.get("type"),
            "blocks": self.payload.get("blocks", []),
            "private_metadata": self.payload.get("private_metadata", ""),
            "callback_id": self.payload.get("callback_id", ""),
            "external_id": self.payload.get("external_id", ""),
            "state": {"values": self.state_values},
            "hash": self.hash,
            "title": self.payload.get("title"),
            "submit": self.payload.get("submit"),
            "close": self.payload.get("close"),
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "app_id": self.team.app_id,
            "app_installed_team_id": self.team.id,
            "bot_id": self.team.bot_id,
        }


@dataclass
class Trigger:
    """A trigger_id the fake issued: usable once, within 3 seconds."""

    id: str
    team_id: str | None
    user_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal + POST + completeUploadExternal."""

    id: str
    team_id: str
    user_id: str
    filename: str
    length: int
    upload_url: str
    content: bytes | None = None
    title: str | None = None
    completed: bool = False
    shares: list[tuple[str, str]] = field(default_factory=list)  # (channel, message ts)

    def as_api(self) -> dict[str, Any]:
        extension = self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else "text"
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "filetype": extension,
            "mimetype": "text/csv" if extension == "csv" else "application/octet-stream",
            "size": len(self.content or b""),
            "user": self.user_id,
            "user_team": self.team_id,
            "url_private": f"https://files.slack.example/files-pri/{self.team_id}-{self.id}/x",
            "permalink": f"https://files.slack.example/files/{self.user_id}/{self.id}",
            "is_external": False,
            "channels": sorted({c for c, _ in self.shares}),
        }


@dataclass
class ResponseUrl:
    """A response_url: up to 5 POSTs within 30 minutes, recorded for assertions."""

    id: str
    url: str
    team_id: str
    channel_id: str
    user_id: str
    message_ts: str | None
    thread_ts: str | None
    created_at: float
    posts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class OAuthCode:
    """An OAuth v2 code that exchanges once for a team's bot token."""

    code: str
    team_id: str
    user_id: str
    scopes: set[str] | None = None
    used: bool = False
