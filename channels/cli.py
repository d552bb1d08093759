"""`helpline channels …`: register the Telegram webhook (with its secret token), remove it, and
print the WhatsApp webhook URL to paste into Twilio's console."""

from __future__ import annotations

import asyncio

import typer

from channels.telegram.channel import ALLOWED_UPDATES, make_bot
from helpline.settings import GatewaySettings

app = typer.Typer(help="Messaging channels of the gateway.", no_args_is_help=True)

TELEGRAM_PATH = "/webhooks/telegram"
WHATSAPP_PATH = "/webhooks/whatsapp"


def _settings() -> GatewaySettings:
    return GatewaySettings()


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


@app.command("register-webhook")
def register_webhook(
    drop_pending: bool = typer.Option(False, help="Discard updates waiting at Telegram."),
) -> None:
    """Point Telegram at PUBLIC_BASE_URL/webhooks/telegram with TELEGRAM_WEBHOOK_SECRET."""
    settings = _settings()
    if not settings.telegram_bot_token:
        raise _fail("TELEGRAM_BOT_TOKEN is not set")
    if not settings.telegram_webhook_secret:
        raise _fail("TELEGRAM_WEBHOOK_SECRET is not set (Telegram sends it back on every call)")
    if not settings.public_base_url or not settings.public_base_url.startswith("https://"):
        raise _fail("PUBLIC_BASE_URL must be an https:// URL Telegram can reach")
    url = settings.public_base_url.rstrip("/") + TELEGRAM_PATH

    async def run() -> None:
        bot = make_bot(settings)
        async with bot:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=drop_pending,
            )

    asyncio.run(run())
    typer.echo(f"Telegram webhook registered: {url}")


@app.command("delete-webhook")
def delete_webhook() -> None:
    """Remove the Telegram webhook (to go back to polling in development)."""
    settings = _settings()
    if not settings.telegram_bot_token:
        raise _fail("TELEGRAM_BOT_TOKEN is not set")

    async def run() -> None:
        bot = make_bot(settings)
        async with bot:
            await bot.delete_webhook()

    asyncio.run(run())
    typer.echo("Telegram webhook removed")


@app.command("whatsapp-url")
def whatsapp_url() -> None:
    """The URL to set as "When a message comes in" for the Twilio WhatsApp sender."""
    settings = _settings()
    if not settings.public_base_url:
        raise _fail("PUBLIC_BASE_URL is not set")
    typer.echo(settings.public_base_url.rstrip("/") + WHATSAPP_PATH)
