"""manifest.yml is a valid Slack app manifest that grants what Threadline needs, and no more.

Schema: Slack's manifest JSON Schema v1 (vendored in tests/slack_contract). Scopes: the
vendored method and event catalogues. Commands, shortcuts and URLs: SPEC.md §4 and §5.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft7Validator

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

# Web API methods the bot calls, with the conversation types it calls them on.
BOT_METHODS: dict[str, tuple[ConversationType, ...] | None] = {
    "chat.postMessage": None,
    "chat.update": None,
    "chat.delete": None,
    "chat.postEphemeral": None,
    "chat.getPermalink": None,
    "conversations.open": ("im",),
    "conversations.info": CHANNELS,
    "conversations.join": None,
    "reactions.add": None,
    "reactions.remove": None,
    "users.info": None,
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "files.getUploadURLExternal": None,
    "files.completeUploadExternal": None,
    "auth.test": None,
}
# Scopes no method or event implies: slash commands/shortcuts, custom author name and icon
# on relayed posts, e-mail addresses in users.info for domain auto-join.
FEATURE_SCOPES = {"commands", "chat:write.customize", "users:read.email"}

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
