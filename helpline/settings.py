"""Typed settings read from the environment (and `.env`); secrets never have usable defaults.

Outside development and test, a missing, empty or placeholder secret (`changeme`, `aaaaaaaa…`,
too short) stops the process at start-up instead of running with a guessable key. Error
messages name the variable, never its value: pydantic's `input_value` is hidden, and
`load_settings` turns validation errors into one `SettingsError` line per variable. Empty
variables count as unset (a copied `.env.example` with `SENDER_ID_SECRET=` is not an empty key).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from helpline.paths import VAR_DIR

DEV_PLACEHOLDER = "dev-only-not-a-secret"
#: Substrings that mark a value copied from documentation rather than generated.
PLACEHOLDER_MARKS = (
    "changeme", "change-me", "change_me", "change me", "placeholder", "replace", "your-",
    "your_", "example", "secret", "password", "dev-only", "not-a-secret", "todo", "xxxx",
)
#: Fewer distinct characters than this is a typed pattern (`aaaa…`, `abab…`), not a random key.
MIN_DISTINCT_CHARS = 5


class SettingsError(RuntimeError):
    """Bad settings; the message names each variable and never holds a value."""


def secret_weakness(value: str | None, min_length: int = 16) -> str | None:
    """Why `value` is not usable as a production secret, or None when it is."""
    if value is None or not value.strip():
        return "is missing or empty"
    lowered = value.strip().lower()
    if any(mark in lowered for mark in PLACEHOLDER_MARKS):
        return "is a placeholder"
    if len(set(lowered)) < MIN_DISTINCT_CHARS:
        return "repeats too few characters to be random"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    return None


class Settings(BaseSettings):
    """All runtime configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True,
    )

    helpline_env: Literal["development", "test", "production"] = "development"

    database_url: str = f"sqlite:///{VAR_DIR / 'knowledge.db'}"
    tracker_store_url: str = f"sqlite:///{VAR_DIR / 'tracker.db'}"
    redis_url: str | None = None

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    #: Shared secret Rasa sends to the action server (`Authorization: Bearer …`).
    action_server_token: str | None = None

    # Every process binds loopback unless told otherwise (compose sets 0.0.0.0 inside its
    # private network).
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055

    sender_id_secret: str = DEV_PLACEHOLDER
    retention_days: int = Field(default=30, ge=1)
    stale_after_days: int = Field(default=365, ge=1)
    rasa_timeout_seconds: float = 30.0
    #: How often the action server deletes hand-off requests past the retention period.
    handoff_purge_seconds: float = Field(default=3600.0, gt=0)

    #: Days `make run` keeps each process's log in var/logs (rotated daily).
    log_retention_days: int = Field(default=7, ge=1)

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

    def production_problems(self) -> list[str]:
        """Each bad production setting, named by its variable (never its value)."""
        problems = []

        def check(name: str, value: str | None, min_length: int = 16) -> None:
            if reason := secret_weakness(value, min_length):
                problems.append(f"{name} {reason}")

        check("SENDER_ID_SECRET", self.sender_id_secret, 32)
        check("RASA_TOKEN", self.rasa_token)
        check("ACTION_SERVER_TOKEN", self.action_server_token)
        if self.telegram_bot_token or self.telegram_webhook_secret:
            check("TELEGRAM_BOT_TOKEN", self.telegram_bot_token)
            check("TELEGRAM_WEBHOOK_SECRET", self.telegram_webhook_secret)
        if self.twilio_account_sid or self.twilio_auth_token:
            check("TWILIO_ACCOUNT_SID", self.twilio_account_sid)
            check("TWILIO_AUTH_TOKEN", self.twilio_auth_token)
        if (self.telegram_bot_token or self.twilio_account_sid) and not self.public_base_url:
            problems.append("PUBLIC_BASE_URL is required for webhooks in production")
        for name, url in (("DATABASE_URL", self.database_url),
                          ("TRACKER_STORE_URL", self.tracker_store_url),
                          ("GATEWAY_DATABASE_URL", self.gateway_database_url)):
            password = urlsplit(url).password
            if password is not None and secret_weakness(password, 8):
                problems.append(f"{name} has a placeholder or weak password")
        return problems

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.helpline_env != "production":
            return self
        if problems := self.production_problems():
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


def describe(error: ValidationError) -> str:
    """A validation error as text naming the variables, without any input value."""
    lines = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        names = ".".join(str(part).upper() for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{names}: {message}" if names else message)
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad one raises `SettingsError` naming its variable, not its value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
