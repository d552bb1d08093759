"""`helpline users`: console accounts. Passwords come from a prompt or standard input, never
from an argument (arguments end up in shell history and in `ps`)."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import Engine

from console.models import ROLES

app = typer.Typer(help="Console accounts: add, disable, enable, list, set a password.",
                  no_args_is_help=True)


def _engine() -> Engine:
    from console.db import console_engine, migrate
    from console.settings import load_console_settings

    url = load_console_settings().console_database_url
    engine = console_engine(url)
    migrate(url, engine=engine)
    return engine


def _read_password(stdin: bool) -> str:
    if stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command("add")
def add(email: str = typer.Argument(..., help="The person's e-mail (their login)."),
        role: str = typer.Option("caseworker", "--role", help=f"One of: {', '.join(ROLES)}."),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="Read the password from standard input.")
        ) -> None:
    """Create an account; asks for the password twice (or reads one line from stdin)."""
    from console.accounts import AccountError, add_user

    if role not in ROLES:
        _fail(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    engine = _engine()
    try:
        account = add_user(engine, email, _read_password(password_stdin), role)
    except AccountError as exc:
        _fail(str(exc))
        return
    finally:
        engine.dispose()
    typer.echo(f"created {account.email} ({account.role})")


@app.command("disable")
def disable(email: str) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end now."""
    from console.accounts import AccountError, set_active

    engine = _engine()
    try:
        account = set_active(engine, email, False)
    except AccountError as exc:
        _fail(str(exc))
        return
    finally:
        engine.dispose()
    typer.echo(f"disabled {account.email}")


@app.command("enable")
def enable(email: str) -> None:
    """Enable a disabled account again."""
    from console.accounts import AccountError, set_active

    engine = _engine()
    try:
        account = set_active(engine, email, True)
    except AccountError as exc:
        _fail(str(exc))
        return
    finally:
        engine.dispose()
    typer.echo(f"enabled {account.email}")


@app.command("password")
def password(email: str,
             password_stdin: bool = typer.Option(False, "--password-stdin",
                                                 help="Read the password from standard input.")
             ) -> None:
    """Set a new password (ends the account's open sessions)."""
    from console.accounts import AccountError, set_password

    engine = _engine()
    try:
        set_password(engine, email, _read_password(password_stdin))
    except AccountError as exc:
        _fail(str(exc))
        return
    finally:
        engine.dispose()
    typer.echo(f"password changed for {email.strip().lower()}")


@app.command("list")
def list_accounts() -> None:
    """Every account: e-mail, role, active or disabled, last sign-in."""
    from console.accounts import list_users

    engine = _engine()
    try:
        users = list_users(engine)
    finally:
        engine.dispose()
    if not users:
        typer.echo("no accounts yet: helpline users add EMAIL --role admin")
        return
    for u in users:
        last = u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"
        state = "active" if u.active else "disabled"
        typer.echo(f"{u.email:<40} {u.role:<11} {state:<9} last sign-in {last}")
