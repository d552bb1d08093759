"""Typed settings read from the environment (and `.env`); secrets never have usable defaults.

One class per process: `GatewaySettings` (channels), `ActionSettings` (action server), and
`Settings`, the whole stack (`make run`'s supervisor and the CLI), which holds both. Each
process reads and checks only its own variables, so the gateway neither needs nor sees the
knowledge base's URL and the action server needs no channel secret.

Outside development and test, a missing, empty or placeholder secret (`changeme`, `aaaaaaaa…`,
too short) stops the process at start-up instead of running with a guessable key. Error
messages name the variable, never its value: pydantic's `input_value` is hidden, and
`load_settings` turns validation errors into one `SettingsError` line per variable. Empty
variables count as unset (a copied `.env.example` with `SENDER_ID_SECRET=` is not an empty key).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
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


AnySettings = TypeVar("AnySettings", bound="_ProcessSettings")


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


def _weak_password_in(name: str, url: str) -> str | None:
    password = urlsplit(url).password
    if password is not None and secret_weakness(password, 8):
        return f"{name} has a placeholder or weak password"
    return None


class _ProcessSettings(BaseSettings):
    """What every process reads; each process's class adds its own variables and checks."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True,
    )

    helpline_env: Literal["development", "test", "production"] = "development"
    retention_days: int = Field(default=30, ge=1)
    #: The hotline snapshot the action server writes and the gateway reads
    #: (`helpline.safety.hotlines`); one file both can reach (a shared volume in compose).
    hotline_snapshot_path: Path = VAR_DIR / "hotlines.json"

    def production_problems(self) -> list[str]:
        """Each bad production setting of this process, named by its variable (never its
        value). Every subclass adds its own checks to its parents'."""
        return []

    @staticmethod
    def _secret(name: str, value: str | None, min_length: int = 16) -> list[str]:
        reason = secret_weakness(value, min_length)
        return [f"{name} {reason}"] if reason else []

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> _ProcessSettings:
        if self.helpline_env != "production":
            return self
        if problems := list(dict.fromkeys(self.production_problems())):
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


class GatewaySettings(_ProcessSettings):
    """The gateway's settings (`channels/`): Rasa, the sender pseudonyms, its own store, and the
    messaging channels. It never reads the knowledge base's URL."""

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    rasa_timeout_seconds: float = 30.0
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    sender_id_secret: str = DEV_PLACEHOLDER

    public_base_url: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_number: str | None = None
    twilio_api_base_url: str | None = None

    # Its own small store, input limits and retry pacing.
    gateway_database_url: str = f"sqlite:///{VAR_DIR / 'gateway.db'}"
    gateway_max_message_chars: int = Field(default=4096, ge=1)
    gateway_rate_limit_per_minute: int = Field(default=30, ge=1)
    gateway_retry_seconds: float = Field(default=5.0, gt=0)
    #: Redis (`redis://host:port/db`): the per-sender rate limit shared by every gateway
    #: replica (`channels.ratelimit`). Unset: each gateway process counts on its own.
    redis_url: str | None = None
    #: The prefix of the gateway's keys in that Redis (several helplines or test runs can
    #: share one server).
    gateway_redis_prefix: str = Field(default="helpline", min_length=1, pattern=r"^[\w.:-]+$")

    #: The console's key to the gateway's internal endpoints (`/internal/…`: a caseworker's
    #: reply, a transcript, media). Unset: those endpoints answer 503 and nobody can reply.
    gateway_service_token: str | None = None
    #: WhatsApp allows free text only this long after the person's last message.
    whatsapp_window_hours: float = Field(default=24.0, gt=0)
    #: The approved WhatsApp template (Twilio Content SID, `HX…`) a caseworker may send outside
    #: the window; unset: outside the window nothing can be sent, and the console says so.
    twilio_whatsapp_template_sid: str | None = None

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        problems += self._secret("SENDER_ID_SECRET", self.sender_id_secret, 32)
        if self.gateway_service_token:
            problems += self._secret("GATEWAY_SERVICE_TOKEN", self.gateway_service_token, 32)
        problems += self._secret("RASA_TOKEN", self.rasa_token)
        if self.telegram_bot_token or self.telegram_webhook_secret:
            problems += self._secret("TELEGRAM_BOT_TOKEN", self.telegram_bot_token)
            problems += self._secret("TELEGRAM_WEBHOOK_SECRET", self.telegram_webhook_secret)
        if self.twilio_account_sid or self.twilio_auth_token:
            problems += self._secret("TWILIO_ACCOUNT_SID", self.twilio_account_sid)
            problems += self._secret("TWILIO_AUTH_TOKEN", self.twilio_auth_token)
        if (self.telegram_bot_token or self.twilio_account_sid) and not self.public_base_url:
            problems.append("PUBLIC_BASE_URL is required for webhooks in production")
        if weak := _weak_password_in("GATEWAY_DATABASE_URL", self.gateway_database_url):
            problems.append(weak)
        if self.redis_url and (weak := _weak_password_in("REDIS_URL", self.redis_url)):
            problems.append(weak)
        return problems


class ActionSettings(_ProcessSettings):
    """The action server's settings (`actions/`): the knowledge base, its token, the jobs it
    runs (hand-off purge, hotline snapshot)."""

    database_url: str = f"sqlite:///{VAR_DIR / 'knowledge.db'}"
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055
    #: Shared secret Rasa sends to the action server (`Authorization: Bearer …`).
    action_server_token: str | None = None
    stale_after_days: int = Field(default=365, ge=1)
    #: How often the action server deletes hand-off requests past the retention period.
    handoff_purge_seconds: float = Field(default=3600.0, gt=0)
    #: How often the action server writes the hotline snapshot again (also at start).
    hotline_snapshot_seconds: float = Field(default=3600.0, gt=0)
    #: When the team reads the hand-off inbox, e.g. `mon-fri 09:00-18:00; sat 10:00-14:00`
    #: (`helpline.handoff.hours`). Unset: nobody does, and the bot promises no person.
    handoff_opening_hours: str | None = None
    #: The time zone of those hours (an IANA name).
    handoff_timezone: str = "UTC"

    @field_validator("handoff_opening_hours", "handoff_timezone")
    @classmethod
    def _check_opening_hours(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Bad opening hours or time zone stop the action server at start-up, not the first
        person who asks for someone (`helpline.handoff.hours`)."""
        from helpline.handoff.hours import OpeningHoursError, load, zone_of

        try:
            if info.field_name == "handoff_timezone":
                zone_of(str(value))
            else:
                load(value)
        except OpeningHoursError as exc:
            raise ValueError(exc.reason) from None
        return value

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        problems += self._secret("ACTION_SERVER_TOKEN", self.action_server_token)
        if weak := _weak_password_in("DATABASE_URL", self.database_url):
            problems.append(weak)
        return problems


class Settings(GatewaySettings, ActionSettings):
    """The whole stack as `make run` starts it (supervisor, CLI, tests): every process's
    settings and the Rasa side's. A process reads only its own class (`helpline.serve`)."""

    tracker_store_url: str = f"sqlite:///{VAR_DIR / 'tracker.db'}"
    redis_url: str | None = None
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    # Every process binds loopback unless told otherwise (compose sets 0.0.0.0 inside its
    # private network).
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    #: Days `make run` keeps each process's log in var/logs (rotated daily).
    log_retention_days: int = Field(default=7, ge=1)

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if weak := _weak_password_in("TRACKER_STORE_URL", self.tracker_store_url):
            problems.append(weak)
        return problems


def describe(error: ValidationError) -> str:
    """A validation error as text naming the variables, without any input value."""
    lines = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        names = ".".join(str(part).upper() for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{names}: {message}" if names else message)
    return "; ".join(lines)


def load_process_settings(cls: type[AnySettings], **overrides: object) -> AnySettings:
    """Read one process's settings; a bad one raises `SettingsError` naming its variable, not
    its value."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def load_settings(**overrides: object) -> Settings:
    """Read the whole stack's settings (see `load_process_settings`)."""
    return load_process_settings(Settings, **overrides)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The whole stack's settings, read once (supervisor, CLI)."""
    return load_settings()


@lru_cache(maxsize=1)
def get_gateway_settings() -> GatewaySettings:
    """The gateway process's settings, read once."""
    return load_process_settings(GatewaySettings)


@lru_cache(maxsize=1)
def get_action_settings() -> ActionSettings:
    """The action server's settings, read once."""
    return load_process_settings(ActionSettings)
