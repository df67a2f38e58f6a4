"""Runtime configuration: the one place that reads the environment (and `.env`)."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///threadline.db"


class Settings(BaseSettings):
    """Environment variables of SPEC §5. Secrets are `SecretStr` so they never reach a log."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_CLIENT_SECRET"
    )
    slack_state_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_STATE_SECRET"
    )
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")

    log_format: str = Field(
        default="json", pattern="^(json|text)$", validation_alias="THREADLINE_LOG_FORMAT"
    )
    host: str = Field(default="0.0.0.0", validation_alias="THREADLINE_HOST")  # noqa: S104
    port: int = Field(default=3000, ge=0, le=65535, validation_alias="THREADLINE_PORT")

    # Delivery worker tuning (see README "Delivery"). Outages (5xx, network) are retried
    # until Slack is back; `max_attempts` bounds only errors Slack does not document.
    delivery_max_attempts: int = Field(
        default=8, ge=1, validation_alias="THREADLINE_DELIVERY_MAX_ATTEMPTS"
    )
    delivery_backoff_base_s: float = Field(
        default=0.5, gt=0, validation_alias="THREADLINE_DELIVERY_BACKOFF_BASE"
    )
    delivery_backoff_cap_s: float = Field(
        default=60.0, gt=0, validation_alias="THREADLINE_DELIVERY_BACKOFF_CAP"
    )
    delivery_channel_interval_s: float = Field(
        default=1.0, ge=0, validation_alias="THREADLINE_DELIVERY_CHANNEL_INTERVAL"
    )
    delivery_concurrency: int = Field(
        default=64, ge=1, validation_alias="THREADLINE_DELIVERY_CONCURRENCY"
    )
    delivery_lease_s: float = Field(
        default=30.0, gt=0, validation_alias="THREADLINE_DELIVERY_LEASE"
    )
    delivery_poll_s: float = Field(default=2.0, gt=0, validation_alias="THREADLINE_DELIVERY_POLL")
    delivery_retention_hours: float = Field(
        default=72.0, gt=0, validation_alias="THREADLINE_DELIVERY_RETENTION_HOURS"
    )

    @cached_property
    def is_sqlite(self) -> bool:
        """SQLite gets the embedded treatment: self-upgrade on start, one in-process worker."""
        return self.database_url.startswith("sqlite")

    @cached_property
    def is_default_database(self) -> bool:
        return self.database_url == DEFAULT_DATABASE_URL
