"""Typed settings read from the environment (and `.env`); secrets never have usable defaults.

Outside development and test, a missing or placeholder secret stops the process at start-up
instead of running with a guessable key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from helpline.paths import VAR_DIR

DEV_PLACEHOLDER = "dev-only-not-a-secret"


class Settings(BaseSettings):
    """All runtime configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    helpline_env: Literal["development", "test", "production"] = "development"

    database_url: str = f"sqlite:///{VAR_DIR / 'knowledge.db'}"
    tracker_store_url: str = f"sqlite:///{VAR_DIR / 'tracker.db'}"
    redis_url: str | None = None

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    action_server_url: str = "http://127.0.0.1:5055/webhook"

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    rasa_port: int = 5005
    actions_port: int = 5055

    sender_id_secret: str = DEV_PLACEHOLDER
    retention_days: int = Field(default=30, ge=1)
    stale_after_days: int = Field(default=365, ge=1)
    rasa_timeout_seconds: float = 30.0

    public_base_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_number: str | None = None
    twilio_api_base_url: str | None = None

    # Messaging gateway (channels/): its own small store, input limits and retry pacing.
    gateway_database_url: str = f"sqlite:///{VAR_DIR / 'gateway.db'}"
    gateway_max_message_chars: int = Field(default=4096, ge=1)
    gateway_rate_limit_per_minute: int = Field(default=30, ge=1)
    gateway_retry_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.helpline_env != "production":
            return self
        problems = []
        if self.sender_id_secret in ("", DEV_PLACEHOLDER) or len(self.sender_id_secret) < 32:
            problems.append("SENDER_ID_SECRET must be set to a random value of 32+ characters")
        if self.telegram_bot_token and not self.telegram_webhook_secret:
            problems.append("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_BOT_TOKEN is set")
        if self.twilio_account_sid and not self.twilio_auth_token:
            problems.append("TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set")
        if (self.telegram_bot_token or self.twilio_account_sid) and not self.public_base_url:
            problems.append("PUBLIC_BASE_URL is required for webhooks in production")
        if not self.rasa_token:
            problems.append("RASA_TOKEN must be set in production")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
