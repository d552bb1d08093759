"""`helpline`, the project's one command-line entry: knowledge base, channels, privacy."""

from __future__ import annotations

from typing import Any

import typer
import typer.core

app = typer.Typer(help="Migrant rights and services helpline.", no_args_is_help=True)


def _kb_defaults(ctx: typer.Context) -> None:
    """Defaults of `helpline kb` from the settings (and `.env`): the database URL and the
    stale age. Read only when neither the option nor the environment variable gives them."""
    from helpline.settings import get_settings

    defaults: dict[str, Any] = {
        "database_url": lambda: get_settings().database_url,
        "max_age_days": lambda: get_settings().stale_after_days,
    }
    group = ctx.command
    names = group.list_commands(ctx) if isinstance(group, typer.core.TyperGroup) else []
    ctx.default_map = {name: defaults for name in names}


def _mount() -> None:
    from knowledge.cli import app as kb_app

    app.add_typer(kb_app, name="kb", callback=_kb_defaults,
                  help="Knowledge base: migrate, seed, import, export, stale, coverage, rules, "
                       "evaluate.")
    from console.cli import app as users_app

    app.add_typer(users_app, name="users", help="Console accounts: add, disable, enable, "
                                                "password, list.")
    from channels.cli import app as channels_app

    app.add_typer(channels_app, name="channels", help="Messaging channels (Telegram webhook).")


_mount()

if __name__ == "__main__":
    app()
