"""The whole helpline as `make run` starts it (action server, Rasa, gateway, console) with
Telegram and WhatsApp on, their APIs faked at the HTTP boundary, every store in one temporary
folder: for the hand-off loop tests and the inbox benchmark."""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from twilio.request_validator import RequestValidator

from channels.pseudonym import pseudonymise
from devstack.supervisor import Stack, free_port, isolated_settings
from helpline.settings import Settings
from tests.auxil.fake_apis import FakeBotApi, FakeTwilio, update_ids
from tests.auxil.networking import ServedApp

SECRET = "channel-stack-secret-0123456789abcdef0123"
BOT_TOKEN = "7000000002:AAFakeTokenForInboxTests012345678"
WEBHOOK_SECRET = "telegram-webhook-secret-inbox-0123"
ACCOUNT_SID = "AC00112233445566778899aabbccddeeff"
AUTH_TOKEN = "00112233445566778899aabbccddeeff"
HELPLINE_NUMBER = "+14155238886"
TEMPLATE_SID = "HX0123456789abcdef0123456789abcdef"
CASEWORKER, PASSWORD = "caseworker@example.org", "a long caseworker password 2026"


@dataclass
class ChannelStack:
    """The running processes, the fakes, and the ways a person writes to the helpline."""

    stack: Stack
    settings: Settings
    bot: FakeBotApi
    twilio: FakeTwilio
    console_url: str
    service_token: str
    _update_ids: Iterator[int] = field(default_factory=update_ids)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def pseudonym(self, channel: str, raw: str) -> str:
        return pseudonymise(SECRET, channel, raw)

    def telegram(self, chat_id: int, text: str, lang: str = "es") -> httpx.Response:
        """One text message from a private chat, as Telegram posts it to the webhook."""
        body = {"update_id": next(self._update_ids), "message": {
            "message_id": next(self._update_ids) % 10**6, "date": int(time.time()), "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "A", "language_code": lang},
            "chat": {"id": chat_id, "type": "private", "first_name": "A"}}}
        return httpx.post(self.gateway_url + "/webhooks/telegram", content=json.dumps(body),
                          timeout=90, headers={"Content-Type": "application/json",
                                               "X-Telegram-Bot-Api-Secret-Token":
                                               WEBHOOK_SECRET})

    def whatsapp(self, phone: str, text: str) -> httpx.Response:
        """One WhatsApp message as Twilio posts it, signed with the account's token."""
        fields = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{phone}", "To": f"whatsapp:{HELPLINE_NUMBER}",
                  "Body": text, "NumMedia": "0"}
        url = (self.settings.public_base_url or "") + "/webhooks/whatsapp"
        body = urlencode(fields)
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            url, dict(parse_qsl(body, keep_blank_values=True)))
        return httpx.post(self.gateway_url + "/webhooks/whatsapp", content=body, timeout=90,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": signature})

    def telegram_texts(self, chat_id: int) -> list[str]:
        return [str(p.get("text", "")) for p in self.bot.sent()
                if int(p["chat_id"]) == chat_id]

    def whatsapp_bodies(self, phone: str) -> list[str]:
        return [str(m.get("Body", "")) for m in self.twilio.messages
                if m.get("To") == f"whatsapp:{phone}"]


def add_caseworker(settings: Settings, console_db: str, email: str = CASEWORKER,
                   password: str = PASSWORD, role: str = "caseworker") -> None:
    from console.accounts import add_user
    from console.db import console_engine
    from console.db import migrate as console_migrate

    console_migrate(console_db)
    engine = console_engine(console_db)
    try:
        add_user(engine, email, password, role)
    finally:
        engine.dispose()


@contextlib.contextmanager
def channel_stack(var: Path, model: Path, console_env: dict[str, str] | None = None,
                  **overrides: Any) -> Iterator[ChannelStack]:
    """Start everything in `var` (knowledge base seeded, one caseworker account); stop it all
    on exit. `overrides` are stack settings (e.g. `handoff_opening_hours`)."""
    from knowledge.setup import prepare

    bot, twilio = FakeBotApi(BOT_TOKEN), FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    # The account's approved template, as Twilio's Content API knows it.
    twilio.templates[TEMPLATE_SID] = ("Hola, tenemos una respuesta para ti de la línea de "
                                      "ayuda. Escríbenos para leerla.")
    token = secrets.token_urlsafe(32)
    with ServedApp(bot.app()) as bot_api, ServedApp(twilio.app()) as twilio_api:
        settings = isolated_settings(
            var, SECRET,
            public_base_url="https://helpline.example.org",
            telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
            telegram_api_base_url=bot_api.url,
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_number=HELPLINE_NUMBER, twilio_api_base_url=twilio_api.url,
            twilio_whatsapp_template_sid=TEMPLATE_SID, gateway_service_token=token,
            **{"handoff_opening_hours": "mon-sun 00:00-24:00", **overrides},
        )
        prepare(settings.database_url)
        console_db = f"sqlite:///{var / 'console.db'}"
        add_caseworker(settings, console_db)
        port = free_port()
        stack = Stack(settings, model, var_dir=var, console_port=port, console_env={
            "CONSOLE_DATABASE_URL": console_db,
            "CONSOLE_SECRET_KEY": "channel-stack-console-key-0123456789abcdef",
            **(console_env or {}),
        })
        stack.start(timeout=300)
        try:
            yield ChannelStack(stack, settings, bot, twilio, f"http://127.0.0.1:{port}", token)
        finally:
            stack.stop()


def wait_until(predicate: Any, timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll `predicate` every 0.2 s until it is truthy; its value, or an AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {timeout:.0f} s")
