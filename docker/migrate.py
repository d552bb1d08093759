"""The compose file's one-shot `migrate` service: every store at head before any process starts.

`python docker/migrate.py` (in the app image) upgrades, in order: the knowledge base and its
seed listings (`helpline kb migrate`, `helpline kb seed`), the hand-off queue that lives in the
same database, the gateway store (`GATEWAY_DATABASE_URL`) and the console's tables
(`CONSOLE_DATABASE_URL`). Each store keeps its own Alembic version table, so they can share one
PostgreSQL database. The processes would upgrade their own store when they open it; doing it
here first means several gateway or action-server replicas starting together never race on the
same migration, and a failed migration stops the stack before anything serves.

The three URLs are required (no SQLite fallback: a replica must never quietly open a file of its
own); in production a placeholder or weak password in any of them is refused, naming the
variable and never its value. Rasa's tracker table is created by Rasa itself, whose start-up
tolerates replicas creating it at the same moment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MigrationSettings(BaseSettings):
    """What the migration job reads: the URL of every store it upgrades (the same variables as
    `helpline.settings.Settings` and `console.settings.ConsoleSettings`)."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True,
    )

    helpline_env: Literal["development", "test", "production"] = "development"
    database_url: str
    gateway_database_url: str
    console_database_url: str

    @model_validator(mode="after")
    def _refuse_weak_passwords(self) -> MigrationSettings:
        from helpline.settings import secret_weakness

        if self.helpline_env != "production":
            return self
        weak = [name for name, url in (("DATABASE_URL", self.database_url),
                                       ("GATEWAY_DATABASE_URL", self.gateway_database_url),
                                       ("CONSOLE_DATABASE_URL", self.console_database_url))
                if (password := urlsplit(url).password) is None
                or secret_weakness(password, 8)]
        if weak:
            raise ValueError("refusing to migrate in production: "
                             + "; ".join(f"{name} has a placeholder, weak or no password"
                                         for name in weak))
        return self


def migrate_all(settings: MigrationSettings) -> None:
    """Upgrade every store to head and load the seed listings (idempotent)."""
    from channels.store import make_store_engine
    from console.db import migrate as migrate_console
    from helpline import handoff
    from knowledge.db import make_engine

    # The knowledge base through its own commands (their checks and output); the URL goes by
    # the environment, never on a command line.
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    for command in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "knowledge.cli", command], env=env, check=True)
    engine = make_engine(settings.database_url)
    try:
        handoff.migrate(engine)
    finally:
        engine.dispose()
    print("hand-off queue at head", flush=True)
    make_store_engine(settings.gateway_database_url, migrate=True).dispose()
    print("gateway store at head", flush=True)
    migrate_console(settings.console_database_url)
    print("console tables at head", flush=True)


def main() -> int:
    from helpline.settings import describe

    try:
        settings = MigrationSettings()  # type: ignore[call-arg]
    except ValidationError as exc:
        print(f"error: {describe(exc)}", file=sys.stderr, flush=True)
        return 2
    try:
        migrate_all(settings)
    except subprocess.CalledProcessError as exc:
        print(f"error: `helpline kb {exc.cmd[-1]}` failed (exit {exc.returncode})",
              file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
