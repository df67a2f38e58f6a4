"""Slack Web API method catalogue and manifest scopes, read from the vendored contract data.

The fake answers every call the way the catalogue says Slack would: unknown methods,
missing required arguments and missing bot scopes are rejected before any handler runs.
The same functions let a test check that `manifest.yml` grants what the bot calls need.

Scope lists in the catalogue mean different things:
- one scope (`chat:write`): that scope is required;
- several scopes that each name a conversation type (`conversations.info`:
  `groups:read, im:read, mpim:read, channels:read`; event `member_joined_channel`): Slack
  checks only the scope matching the conversation the call or event is about
  (`channels:` public, `groups:` private, `im:` DM, `mpim:` group DM). Some types have two
  alternatives (`channels:write.topic` or `channels:manage`); any one of them is enough;
- any other list: any one of them is enough.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

CONTRACT_DIR = Path(__file__).resolve().parent.parent / "slack_contract"
METHODS_DIR = CONTRACT_DIR / "slack-api-ref" / "methods"
EVENTS_FILE = CONTRACT_DIR / "slack-api-ref" / "events" / "events.json"
MANIFEST_SCHEMA_FILE = CONTRACT_DIR / "manifest-schema" / "manifest.schema.1.0.0.json"
MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"

ConversationType = Literal["public_channel", "private_channel", "im", "mpim"]
CONVERSATION_TYPES: tuple[ConversationType, ...] = (
    "public_channel",
    "private_channel",
    "im",
    "mpim",
)
_SCOPE_PREFIX_TYPES: dict[str, ConversationType] = {
    "channels": "public_channel",
    "groups": "private_channel",
    "im": "im",
    "mpim": "mpim",
}

# When a required argument is missing, Slack often answers with a specific error rather than
# `invalid_arguments` (chat.postMessage without `channel` gives `channel_not_found`). Use the
# specific name only when the method's catalogue entry lists it.
_MISSING_ARG_ERRORS: dict[str, str] = {
    "channel": "channel_not_found",
    "channel_id": "channel_not_found",
    "user": "user_not_found",
    "ts": "message_not_found",
    "message_ts": "message_not_found",
    "timestamp": "no_item_specified",
    "name": "invalid_name",
    "email": "users_not_found",
    "files": "file_not_found",
    "length": "missing_argument",
    "filename": "missing_argument",
}


def scope_conversation_type(scope: str) -> ConversationType | None:
    """The conversation type a scope is about (`groups:read` -> private_channel), if any."""
    return _SCOPE_PREFIX_TYPES.get(scope.split(":", 1)[0])


def _per_conversation_type(scopes: tuple[str, ...]) -> bool:
    return len(scopes) > 1 and all(scope_conversation_type(s) for s in scopes)


@dataclass(frozen=True)
class MethodSpec:
    """What the catalogue says about one Web API method."""

    name: str
    http_method: str
    bot_scopes: tuple[str, ...]
    required_args: tuple[str, ...]  # excluding `token`
    needs_token: bool
    json_input: bool
    errors: frozenset[str]
    rate_tier: str | None

    @property
    def per_conversation_type(self) -> bool:
        """True when the scope list holds one scope per conversation type."""
        return _per_conversation_type(self.bot_scopes)

    def scope_options(self, conversation_type: ConversationType | None = None) -> tuple[str, ...]:
        """Scopes any one of which authorises a call (on a conversation of the given type)."""
        if self.per_conversation_type and conversation_type is not None:
            return tuple(
                s for s in self.bot_scopes if scope_conversation_type(s) == conversation_type
            )
        return self.bot_scopes

    def missing_arg_error(self, arg: str) -> str:
        """Slack's error name for a call without the required argument `arg`."""
        specific = _MISSING_ARG_ERRORS.get(arg)
        if specific and specific in self.errors:
            return specific
        if "missing_args" in self.errors:
            return "missing_args"
        return "invalid_arguments"


@cache
def method(name: str) -> MethodSpec | None:
    """The catalogue entry for `name`, or None when Slack has no such method."""
    if name not in known_methods():
        return None
    raw: dict[str, Any] = json.loads((METHODS_DIR / f"{name}.json").read_text())
    required = tuple((raw.get("args") or {}).get("required") or ())
    return MethodSpec(
        name=name,
        http_method=raw.get("http_method") or "POST",
        bot_scopes=tuple((raw.get("scope") or {}).get("bot") or ()),
        required_args=tuple(a for a in required if a != "token"),
        needs_token="token" in required,
        json_input=bool(raw.get("json_input_supported")),
        errors=frozenset(raw.get("errors") or ()),
        rate_tier=raw.get("rate_limits"),
    )


@cache
def known_methods() -> frozenset[str]:
    """Every method name in the catalogue index."""
    index = json.loads((METHODS_DIR / "methods.json").read_text())
    return frozenset(entry["name"] for entry in index)


def _resolve(
    owner: str, scopes: tuple[str, ...], conversation_types: Iterable[ConversationType] | None
) -> set[str]:
    if not scopes:
        return set()
    if not _per_conversation_type(scopes):
        if len(scopes) > 1:
            raise ValueError(f"{owner} accepts any one of {scopes}; pick one explicitly")
        return set(scopes)
    if conversation_types is None:
        raise ValueError(
            f"{owner} needs one scope per conversation type {scopes}; "
            "pass the conversation_types it is used with"
        )
    needed: set[str] = set()
    for conversation_type in conversation_types:
        options = [s for s in scopes if scope_conversation_type(s) == conversation_type]
        if not options:
            raise ValueError(f"{owner} does not support {conversation_type} conversations")
        needed.add(options[0])
    return needed


def required_bot_scopes(
    method_name: str, conversation_types: Iterable[ConversationType] | None = None
) -> set[str]:
    """Bot scopes a method needs; for per-conversation-type methods, for the given types.

    `required_bot_scopes("chat.postMessage") == {"chat:write"}`;
    `required_bot_scopes("conversations.open", ["im"]) == {"im:write"}`.
    Where a type has alternatives, the first (most specific) listed one is returned.
    """
    spec = method(method_name)
    if spec is None:
        raise KeyError(f"unknown Slack method: {method_name}")
    return _resolve(method_name, spec.bot_scopes, conversation_types)


@cache
def _events() -> dict[str, tuple[str, ...]]:
    return {e["name"]: tuple(e.get("scopes") or ()) for e in json.loads(EVENTS_FILE.read_text())}


def event_scope_options(event_name: str) -> tuple[str, ...]:
    """The scope list the catalogue gives for an Events API event (e.g. `message.channels`)."""
    events = _events()
    if event_name not in events:
        raise KeyError(f"unknown Slack event: {event_name}")
    return events[event_name]


def required_event_scopes(
    event_name: str, conversation_types: Iterable[ConversationType] | None = None
) -> set[str]:
    """Bot scopes a subscription to `event_name` needs (same rules as `required_bot_scopes`)."""
    return _resolve(event_name, event_scope_options(event_name), conversation_types)


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    """The app manifest (YAML or JSON) as a dict."""
    data = yaml.safe_load(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a manifest object")
    return data


def manifest_bot_scopes(path: Path = MANIFEST_PATH) -> set[str]:
    """The bot scopes `oauth_config.scopes.bot` of the manifest grants."""
    manifest = load_manifest(path)
    return set(manifest.get("oauth_config", {}).get("scopes", {}).get("bot", []))


# Scopes the fake's own tests grant, so they exercise every modelled method regardless of
# what manifest.yml currently asks for (which follows the app's code).
SELF_TEST_SCOPES = frozenset(
    {
        "channels:history",
        "channels:join",
        "channels:read",
        "chat:write",
        "chat:write.customize",
        "commands",
        "files:write",
        "groups:history",
        "groups:read",
        "im:history",
        "im:read",
        "im:write",
        "reactions:read",
        "reactions:write",
        "users:read",
        "users:read.email",
    }
)
