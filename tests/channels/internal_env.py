"""One gateway with every channel (Telegram, WhatsApp, web chat) and its internal API switched
on, talking to the Rasa stand-in, a fake Bot API and a fake Twilio; what the tests of
`channels.internal` drive."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from channels.app import create_app
from channels.pseudonym import SecretBox, pseudonymise
from channels.store import GatewayStore, make_store_engine
from tests.auxil.fake_apis import FakeBotApi, FakeTwilio
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, wait_for
from tests.auxil.settings import SECRET, make_settings
from tests.channels.telegram.test_telegram_channel import (
    TOKEN,
    WEBHOOK_SECRET,
)
from tests.channels.telegram.test_telegram_channel import (
    update as telegram_update,
)
from tests.channels.whatsapp.test_whatsapp_channel import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC,
    sign,
)
from tests.channels.whatsapp.test_whatsapp_channel import (
    form as whatsapp_form,
)

SERVICE_TOKEN = "internal-service-token-0123456789abcdef"
TEMPLATE_SID = "HX0123456789abcdef0123456789abcdef"
CHAT_ID = 5123456789
OTHER_CHAT_ID = 5987654321
PHONE = "whatsapp:+5215500000001"

__all__ = ["ACCOUNT_SID", "CHAT_ID", "OTHER_CHAT_ID", "PHONE", "SERVICE_TOKEN", "TEMPLATE_SID",
           "Env", "serve", "telegram_pseudonym", "telegram_update", "webchat_pseudonym",
           "whatsapp_form", "whatsapp_pseudonym"]


@dataclass
class Env:
    """The running gateway and the fakes around it."""

    rasa: FakeRasa
    bot_api: FakeBotApi
    twilio: FakeTwilio
    http: httpx.Client
    db_path: Path
    settings: Any

    # --- the person's side ------------------------------------------------------------------
    def telegram(self, data: dict[str, Any]) -> httpx.Response:
        response = self.http.post("/webhooks/telegram", json=data,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
        assert response.status_code == 200, response.text
        return response

    def telegram_text(self, text: str, chat_id: int = CHAT_ID, update_id: int = 1) -> None:
        data = telegram_update("text_es", update_id=update_id)
        data["message"] = {**data["message"], "text": text,
                           "chat": {**data["message"]["chat"], "id": chat_id},
                           "from": {**data["message"]["from"], "id": chat_id}}
        self.telegram(data)

    def whatsapp(self, fields: list[tuple[str, str]], replies: int) -> None:
        """Post a signed Twilio webhook and wait until `replies` messages went out in all."""
        from urllib.parse import urlencode

        response = self.http.post(
            "/webhooks/whatsapp", content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": sign(fields, PUBLIC + "/webhooks/whatsapp")})
        assert response.status_code == 200, response.text
        wait_for(lambda: len(self.twilio.messages) >= replies)

    def webchat(self, session: str, text: str) -> dict[str, Any]:
        response = self.http.post("/webchat/message", json={"session": session, "message": text})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    # --- the console's side -----------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None = SERVICE_TOKEN,
             **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, path, headers=headers, **kwargs)

    def conversation(self, pseudonym: str) -> dict[str, Any]:
        response = self.call("GET", f"/internal/conversations/{pseudonym}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def reply(self, pseudonym: str, body: dict[str, Any]) -> httpx.Response:
        return self.call("POST", f"/internal/conversations/{pseudonym}/reply", json=body)

    # --- the store, as the tests look into it --------------------------------------------------
    def store(self) -> GatewayStore:
        engine = make_store_engine(f"sqlite:///{self.db_path}", migrate=False)
        return GatewayStore(engine, SecretBox(SECRET), 3600.0)

    def age_last_message(self, pseudonym: str, hours: float) -> None:
        """Make the person's last message `hours` old."""
        with sqlite3.connect(self.db_path) as db:
            db.execute("update gateway_senders_v2 set last_inbound_at = ? where pseudonym = ?",
                       (time.time() - hours * 3600, pseudonym))

    def write_hotlines(self, countries: dict[str, list[dict[str, str]]]) -> None:
        path: Path = self.settings.hotline_snapshot_path
        path.write_text(json.dumps({"version": 1, "written_at": "2026-12-03T09:00:00+00:00",
                                    "countries": countries}), encoding="utf-8")


def telegram_pseudonym(chat_id: int = CHAT_ID) -> str:
    return pseudonymise(SECRET, "telegram", str(chat_id))


def whatsapp_pseudonym(phone: str = PHONE) -> str:
    return pseudonymise(SECRET, "whatsapp", phone)


def webchat_pseudonym(session: str) -> str:
    return pseudonymise(SECRET, "webchat", session)


def serve(tmp_path: Path, rasa: tuple[FakeRasa, ServedApp], **overrides: Any) -> Iterator[Env]:
    """The gateway with Telegram, WhatsApp and the internal API, and its fakes, until closed."""
    bot_api = FakeBotApi(TOKEN)
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, templates={TEMPLATE_SID: "Hello again"})
    with ServedApp(bot_api.app()) as api_served, ServedApp(twilio.app()) as twilio_served:
        values: dict[str, Any] = {
            "telegram_bot_token": TOKEN,
            "telegram_webhook_secret": WEBHOOK_SECRET,
            "telegram_api_base_url": api_served.url,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_whatsapp_number": "+14155238886",
            "twilio_api_base_url": twilio_served.url,
            "public_base_url": PUBLIC,
            "gateway_service_token": SERVICE_TOKEN,
            "twilio_whatsapp_template_sid": TEMPLATE_SID,
        }
        values.update(overrides)
        settings = make_settings(tmp_path, rasa[1].url, **values)
        with ServedApp(create_app(settings)) as gateway, httpx.Client(
                base_url=gateway.url, timeout=20) as http:
            yield Env(rasa[0], bot_api, twilio, http, tmp_path / "gateway.db", settings)
