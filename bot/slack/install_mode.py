"""Which install mode the settings describe (SPEC §5), and what is missing when none."""

from __future__ import annotations

from enum import StrEnum

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings


class SlackMode(StrEnum):
    DISABLED = "disabled"
    SINGLE_WORKSPACE = "single_workspace"
    SOCKET_MODE = "socket_mode"
    OAUTH = "oauth"


def slack_mode(settings: Settings) -> SlackMode:
    if settings.slack_client_id and settings.slack_client_secret and settings.slack_state_secret:
        return SlackMode.OAUTH
    if settings.slack_app_token and settings.slack_bot_token:
        return SlackMode.SOCKET_MODE
    if settings.slack_bot_token and settings.slack_signing_secret:
        return SlackMode.SINGLE_WORKSPACE
    return SlackMode.DISABLED


def missing_settings_hint(settings: Settings) -> str:
    """Exactly which variables to add, given what is already set."""
    if settings.slack_client_id or settings.slack_client_secret or settings.slack_state_secret:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", settings.slack_client_id),
                ("SLACK_CLIENT_SECRET", settings.slack_client_secret),
                ("SLACK_STATE_SECRET", settings.slack_state_secret),
                ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            )
            if not value
        ]
        return f"OAuth install is partly configured: add {', '.join(missing)}."
    if settings.slack_app_token:
        return "Socket Mode is partly configured: add SLACK_BOT_TOKEN."
    if settings.slack_bot_token:
        return "Single-workspace install is partly configured: add SLACK_SIGNING_SECRET."
    if settings.slack_signing_secret:
        return "Single-workspace install is partly configured: add SLACK_BOT_TOKEN."
    return (
        "Slack is not configured. Add SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (one "
        "workspace), or SLACK_APP_TOKEN and SLACK_BOT_TOKEN (Socket Mode), or "
        "SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_SIGNING_SECRET "
        "(multi-workspace OAuth)."
    )


def installation_store(settings: Settings, engine: AsyncEngine) -> AsyncSQLAlchemyInstallationStore:
    assert settings.slack_client_id
    return AsyncSQLAlchemyInstallationStore(client_id=settings.slack_client_id, engine=engine)
