"""`helpline`, the project's one command-line entry: knowledge base, channels, privacy."""

from __future__ import annotations

import typer

app = typer.Typer(help="Migrant rights and services helpline.", no_args_is_help=True)


def _mount() -> None:
    from knowledge.cli import app as kb_app

    app.add_typer(kb_app, name="kb", help="Knowledge base: migrate, seed, import, export, "
                                          "stale, evaluate.")
    try:
        from channels.cli import app as channels_app
    except ImportError:  # the channels CLI is optional in a knowledge-only install
        return
    app.add_typer(channels_app, name="channels", help="Messaging channels (Telegram webhook).")


_mount()

if __name__ == "__main__":
    app()
