"""What a method handler gets (one parsed call) and how it fails (a Slack error).

Handlers raise `SlackError` instead of building error bodies, so each handler reads as the
happy path plus one line per documented error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .catalog import ConversationType, MethodSpec

if TYPE_CHECKING:
    from .records import Channel, Team
    from .state import SlackState


class SlackError(Exception):
    """A Slack error response: `{"ok": false, "error": <error>, **extra}` with an HTTP status."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str, error: str = "invalid_arguments") -> SlackError:
    """Slack's shape for malformed input: the error plus `response_metadata.messages`."""
    return SlackError(error, response_metadata={"messages": [f"[ERROR] {m}" for m in messages]})


def truthy(value: Any) -> bool:
    """Slack's reading of a boolean argument sent as JSON or as a form string."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


@dataclass
class CallContext:
    """One authenticated Web API call, as a handler sees it."""

    state: SlackState
    spec: MethodSpec
    args: dict[str, Any]
    token: str | None
    team: Team | None
    warnings: list[str] = field(default_factory=list)

    @property
    def bot_team(self) -> Team:
        """The calling workspace; handlers of token-less methods must not use it."""
        if self.team is None:
            raise SlackError("not_authed")
        return self.team

    def arg(self, name: str) -> Any:
        value = self.args.get(name)
        return None if value == "" else value

    def str_arg(self, name: str) -> str | None:
        value = self.arg(name)
        return None if value is None else str(value)

    def json_arg(self, name: str, *, error: str = "invalid_arguments") -> Any:
        """An argument that form bodies carry as a JSON string and JSON bodies carry as-is."""
        value = self.arg(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise invalid_arguments(
                    f"invalid json [json-pointer:/{name}]", error=error
                ) from None
        return value

    def granted(self, scope: str) -> bool:
        return self.team is not None and scope in self.team.scopes

    def require_conversation_scope(self, conversation_type: ConversationType) -> None:
        """Per-conversation-type scope check (see catalog module docstring)."""
        options = self.spec.scope_options(conversation_type)
        if not options:
            raise SlackError("method_not_supported_for_channel_type")
        if not any(self.granted(s) for s in options):
            raise self.missing_scope(options[0])

    def missing_scope(self, needed: str) -> SlackError:
        provided = ",".join(sorted(self.team.scopes)) if self.team else ""
        return SlackError("missing_scope", needed=needed, provided=provided)

    def channel(self, arg: str = "channel") -> Channel:
        """The channel named by argument `arg`; see `channel_by_id`."""
        return self.channel_by_id(self.str_arg(arg))

    def channel_by_id(self, channel_id: str | None) -> Channel:
        """The channel as the caller sees it, with the conversation type's scope granted.

        Private conversations the bot is not in do not exist for it (`channel_not_found`).
        """
        team = self.bot_team
        channel = self.state.visible_channel(channel_id, team.id)
        private = channel is not None and channel.conversation_type != "public_channel"
        if channel is None or (private and team.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        if self.spec.per_conversation_type:
            self.require_conversation_scope(channel.conversation_type)
        return channel
