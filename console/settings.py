"""Typed settings of the console, read from the environment (and `.env`); empty values are unset.

The console has its own secret, `CONSOLE_SECRET_KEY`, which signs session and CSRF cookies; in
production a missing, empty or placeholder value stops the process at start-up, naming the
variable and never its value (the same checks as `helpline.settings`).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from helpline.paths import VAR_DIR
from helpline.settings import DEV_PLACEHOLDER, SettingsError, describe, secret_weakness


class ConsoleSettings(BaseSettings):
    """Console configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True,
    )

    helpline_env: Literal["development", "test", "production"] = "development"
    #: The knowledge base (read and written through `knowledge/`).
    database_url: str = f"sqlite:///{VAR_DIR / 'knowledge.db'}"
    #: Console accounts and sessions (its own Alembic history; may share the knowledge base).
    console_database_url: str = f"sqlite:///{VAR_DIR / 'console.db'}"
    console_secret_key: str = DEV_PLACEHOLDER
    console_host: str = "127.0.0.1"
    console_port: int = 8000
    #: A session ends after this long without a request, and after `..._max_hours` in any case.
    console_session_idle_minutes: int = Field(default=60, ge=1)
    console_session_max_hours: int = Field(default=12, ge=1)
    #: Failed logins for one address (e-mail) before it is refused for `lockout_minutes`.
    console_login_max_failures: int = Field(default=5, ge=1)
    console_login_lockout_minutes: int = Field(default=15, ge=1)
    console_max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    stale_after_days: int = Field(default=365, ge=1)
    #: The gateway's internal endpoints (a caseworker's reply reaches the person through it).
    gateway_url: str = "http://127.0.0.1:8080"
    #: The same token as the gateway's `GATEWAY_SERVICE_TOKEN`; unset: the inbox can read
    #: requests but cannot reply, and says so.
    gateway_service_token: str | None = None
    #: An open request nobody has claimed after this long: the person is told it is still
    #: waiting and given the hotline numbers again (once).
    handoff_reminder_minutes: int = Field(default=30, ge=1)
    #: How often the inbox page asks for fresh rows when JavaScript is on.
    inbox_refresh_seconds: int = Field(default=10, ge=2)

    @property
    def production(self) -> bool:
        return self.helpline_env == "production"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> ConsoleSettings:
        if self.helpline_env != "production":
            return self
        problems = []
        if reason := secret_weakness(self.console_secret_key, 32):
            problems.append(f"CONSOLE_SECRET_KEY {reason}")
        if self.gateway_service_token and (
                reason := secret_weakness(self.gateway_service_token, 32)):
            problems.append(f"GATEWAY_SERVICE_TOKEN {reason}")
        for name, url in (("DATABASE_URL", self.database_url),
                          ("CONSOLE_DATABASE_URL", self.console_database_url)):
            password = urlsplit(url).password
            if password is not None and secret_weakness(password, 8):
                problems.append(f"{name} has a placeholder or weak password")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


def load_console_settings(**overrides: object) -> ConsoleSettings:
    """Read the settings; a bad one raises `SettingsError` naming its variable, not its value."""
    try:
        return ConsoleSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None
