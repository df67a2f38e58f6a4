"""manifest.yml is a valid Slack app manifest that grants what Threadline needs, and no more.

Schema: Slack's manifest JSON Schema v1 (vendored in tests/slack_contract). Scopes: the
vendored method and event catalogues, applied to the Web API calls found in bot/ by an AST
scan (so a new call without its scope fails here). Commands, shortcuts and URLs: SPEC.md §4
and §5.
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakeslack.catalog import (
    MANIFEST_PATH,
    MANIFEST_SCHEMA_FILE,
    ConversationType,
    load_manifest,
    manifest_bot_scopes,
    required_bot_scopes,
    required_event_scopes,
)

# Ticket threads live in public or private channels; DMs are opened for notifications only.
CHANNELS: tuple[ConversationType, ...] = ("public_channel", "private_channel")

BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
# Public callables of the Web API client; calling one of these names is a Web API call.
CLIENT_METHODS = frozenset(
    name
    for name in dir(AsyncWebClient)
    if not name.startswith("_") and callable(getattr(AsyncWebClient, name))
)
# Client helpers that are several Web API calls.
HELPER_METHODS: dict[str, tuple[str, ...]] = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}
# Methods whose scope depends on the conversation type, and the types the bot uses them on
# (the scan cannot tell; a per-type method missing here fails the scope tests).
CONVERSATION_TYPES: dict[str, tuple[ConversationType, ...]] = {
    "conversations.open": ("im",),
    "conversations.info": CHANNELS,
    # Delivery rechecks after a lost lease: ticket-channel threads, channel posts and DMs.
    "conversations.replies": CHANNELS,
    "conversations.history": (*CHANNELS, "im"),
}
# Arguments that post under another name or icon: they need chat:write.customize.
AUTHOR_OVERRIDES = frozenset({"username", "icon_emoji", "icon_url"})


@dataclass(frozen=True)
class CodeCall:
    """One Web API call in the bot's source: the Slack method and where it is made."""

    method: str
    where: str
    keywords: frozenset[str]


def bot_sources() -> list[tuple[str, str]]:
    """(path relative to the repository, source) of every module under bot/."""
    root = BOT_DIR.parent
    return [
        (path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(BOT_DIR.rglob("*.py"))
    ]


def web_api_calls(sources: list[tuple[str, str]] | None = None) -> list[CodeCall]:
    """Every `<anything>.<AsyncWebClient method>(...)` call in `sources` (default: bot/),
    as Slack method names: `chat_postMessage` -> `chat.postMessage`."""
    found: list[CodeCall] = []
    for name, source in bot_sources() if sources is None else sources:
        for node in ast.walk(ast.parse(source, filename=name)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            attr = node.func.attr
            if attr not in CLIENT_METHODS:
                continue
            where = f"{name}:{node.lineno}"
            if attr == "api_call":
                target = node.args[0] if node.args else None
                if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
                    raise AssertionError(
                        f"{where}: api_call with a method name known only at run time"
                    )
                methods: tuple[str, ...] = (target.value,)
            else:
                methods = HELPER_METHODS.get(attr, (attr.replace("_", "."),))
            keywords = frozenset(k.arg for k in node.keywords if k.arg is not None)
            found.extend(CodeCall(method, where, keywords) for method in methods)
    return found


def handled_events(sources: list[tuple[str, str]] | None = None) -> set[str]:
    """Event types the bot registers listeners for (`app.event("x")`, `app.message`, and
    Bolt's token revocation listeners)."""
    found: set[str] = set()
    for name, source in bot_sources() if sources is None else sources:
        for node in ast.walk(ast.parse(source, filename=name)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            attr, first = node.func.attr, node.args[0] if node.args else None
            if attr == "event" and isinstance(first, ast.Constant):
                found.add(str(first.value))
            elif attr == "event" and isinstance(first, ast.Dict):
                for key, value in zip(first.keys, first.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "type":
                        assert isinstance(value, ast.Constant), f"{name}:{node.lineno}"
                        found.add(str(value.value))
            elif attr == "message":
                found.add("message")
            elif attr == "enable_token_revocation_listeners":
                found |= {"app_uninstalled", "tokens_revoked"}
    return found


def subscribed_event_type(manifest_event: str) -> str:
    """The event type a manifest subscription delivers: `message.channels` -> `message`."""
    return manifest_event.partition(".")[0]


CODE_CALLS = web_api_calls()
# Web API methods the bot calls (derived from bot/), with the conversation types it calls
# them on where the scope depends on it.
BOT_METHODS: dict[str, tuple[ConversationType, ...] | None] = {
    method: CONVERSATION_TYPES.get(method) for method in sorted({c.method for c in CODE_CALLS})
}


# Scopes no method or event implies: the slash command and shortcuts, e-mail addresses in
# users.info for domain auto-join, and a custom author name/icon only if a post sets one.
def sets_author(sources: list[tuple[str, str]] | None = None) -> bool:
    """Whether any post overrides its author: a call keyword, or a message dict built
    with such a key and passed on with `**`."""
    if any(c.keywords & AUTHOR_OVERRIDES for c in CODE_CALLS):
        return True
    for name, source in bot_sources() if sources is None else sources:
        for node in ast.walk(ast.parse(source, filename=name)):
            if isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value in AUTHOR_OVERRIDES for k in node.keys
            ):
                return True
    return False


FEATURE_SCOPES = {"commands", "users:read.email"} | (
    {"chat:write.customize"} if sets_author() else set()
)

SPEC_SHORTCUTS = {
    ("message", "create_ticket_from_message", "Create ticket"),
    ("message", "add_to_ticket", "Add to ticket"),
    ("global", "new_ticket", "New ticket"),
}
EVENTS_URL = "https://threadline.example.com/slack/events"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest(MANIFEST_PATH)


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(MANIFEST_SCHEMA_FILE.read_text()))


def schema_errors(validator: Draft7Validator, manifest: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]


def test_manifest_is_valid_against_slack_schema(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    assert schema_errors(validator, manifest) == []


def test_schema_check_rejects_a_broken_manifest(
    validator: Draft7Validator, manifest: dict[str, Any]
) -> None:
    broken = copy.deepcopy(manifest)
    broken["features"]["shortcuts"][0]["name"] = "A shortcut name that is far too long"
    del broken["settings"]["interactivity"]["is_enabled"]
    errors = schema_errors(validator, broken)
    assert any(e.startswith("features/shortcuts/0/name") for e in errors)
    assert any("is_enabled" in e for e in errors)


def test_subscribed_events_have_their_scopes(manifest: dict[str, Any]) -> None:
    granted = manifest_bot_scopes()
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        needed = required_event_scopes(event, CHANNELS)
        assert needed <= granted, f"{event} needs {sorted(needed - granted)}"


def test_bot_methods_have_their_scopes() -> None:
    granted = manifest_bot_scopes()
    for method, conversation_types in BOT_METHODS.items():
        needed = required_bot_scopes(method, conversation_types)
        assert needed <= granted, f"{method} needs {sorted(needed - granted)}"


def test_no_scope_is_granted_without_a_use(manifest: dict[str, Any]) -> None:
    used = set(FEATURE_SCOPES)
    for method, conversation_types in BOT_METHODS.items():
        used |= required_bot_scopes(method, conversation_types)
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        used |= required_event_scopes(event, CHANNELS)
    assert manifest_bot_scopes() == used


def test_spec_command_and_shortcuts_are_declared(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    commands = {c["command"]: c for c in features["slash_commands"]}
    assert set(commands) == {"/ticket"}
    assert commands["/ticket"]["url"] == EVENTS_URL
    shortcuts = {(s["type"], s["callback_id"], s["name"]) for s in features["shortcuts"]}
    assert shortcuts == SPEC_SHORTCUTS


def test_urls_and_settings_match_the_http_deployment(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://threadline.example.com/slack/oauth_redirect"
    ]
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "message.im" not in settings["event_subscriptions"]["bot_events"]
