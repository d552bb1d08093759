"""Telegram end to end inside the gateway: stored Bot API updates posted to the webhook, a
local fake Bot API recording what python-telegram-bot sends, and the Rasa stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels import texts
from channels.app import create_app
from channels.pseudonym import pseudonymise
from helpline.i18n import gettext_for
from tests.auxil.fake_apis import FakeBotApi
from tests.auxil.fake_rasa import LONG_PAYLOAD, FakeRasa
from tests.auxil.networking import ServedApp, free_port, wait_for
from tests.auxil.settings import SECRET, make_settings

PAYLOADS = Path(__file__).parent / "payloads"
TOKEN = "7000000001:AAH-test-token-for-the-fake-bot-api"
WEBHOOK_SECRET = "tg-webhook-secret-0123456789"
CHAT_ID = 5123456789


def update(name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text("utf-8"))
    data.update(changes)
    return data


@dataclass
class TelegramEnv:
    rasa: FakeRasa
    bot_api: FakeBotApi
    gateway: ServedApp
    http: httpx.Client

    def post(self, data: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.http.post("/webhooks/telegram", json=data, headers=headers)

    def texts_sent(self) -> list[str]:
        return [p["text"] for p in self.bot_api.sent()]


@pytest.fixture
def bot_api() -> Iterator[tuple[FakeBotApi, ServedApp]]:
    fake = FakeBotApi(TOKEN)
    with ServedApp(fake.app()) as served:
        yield fake, served


def telegram_settings(tmp_path: Path, rasa_url: str, api_url: str, **overrides: Any) -> Any:
    values = {
        "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": WEBHOOK_SECRET,
        "telegram_api_base_url": api_url,
        "public_base_url": "https://helpline.example.org",
    }
    values.update(overrides)
    return make_settings(tmp_path, rasa_url, **values)


@pytest.fixture
def env(tmp_path, fake_rasa, bot_api) -> Iterator[TelegramEnv]:
    rasa, rasa_served = fake_rasa
    fake, api_served = bot_api
    settings = telegram_settings(tmp_path, rasa_served.url, api_served.url)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url, timeout=20) as http:
        yield TelegramEnv(rasa, fake, gw, http)


def test_webhook_refuses_a_wrong_or_missing_secret(env: TelegramEnv) -> None:
    assert env.post(update("text_es"), secret=None).status_code == 403
    assert env.post(update("text_es"), secret="guessed").status_code == 403
    assert env.rasa.received == []
    assert env.bot_api.sent() == []


def test_text_goes_to_rasa_pseudonymised_with_language_hint(env: TelegramEnv) -> None:
    response = env.post(update("text_es"))
    assert response.status_code == 200
    body = env.rasa.received[-1]
    assert body["message"] == "hola, necesito ver a un médico"
    assert body["sender"] == pseudonymise(SECRET, "telegram", str(CHAT_ID))
    assert str(CHAT_ID) not in json.dumps(body)
    assert body["metadata"]["language_hint"] == "es"
    assert body["input_channel"] == "telegram"
    sent = env.bot_api.sent()
    assert sent[-1]["chat_id"] in (CHAT_ID, str(CHAT_ID))
    assert sent[-1]["text"] == "echo: hola, necesito ver a un médico"


def test_duplicate_update_is_handled_once(env: TelegramEnv) -> None:
    for _ in range(3):
        assert env.post(update("text_es")).status_code == 200
    assert len(env.rasa.received) == 1
    assert len(env.bot_api.sent()) == 1


def test_start_and_location(env: TelegramEnv) -> None:
    env.post(update("start"))
    env.post(update("location"))
    assert env.rasa.texts() == ["/greet", "/inform"]
    assert env.rasa.received[1]["metadata"]["location"] == {
        "lat": 19.432608, "lon": -99.133209}


def test_buttons_become_an_inline_keyboard_and_presses_come_back(env: TelegramEnv) -> None:
    env.post(update("text_es", update_id=1, message={
        **update("text_es")["message"], "text": "buttons"}))
    markup = env.bot_api.sent()[-1]["reply_markup"]
    rows = markup["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == ["Health", "School", "Spanish"]
    data = [row[0]["callback_data"] for row in rows]
    assert data[:2] == ["/ask_health", "/ask_education"]
    assert all(len(d.encode()) <= 64 for d in data)

    press = update("callback_query")
    env.post(press)
    assert env.rasa.received[-1]["message"] == "/ask_health"
    assert env.rasa.received[-1]["metadata"]["language_hint"] == "pt"
    assert env.bot_api.sent("answerCallbackQuery")[-1]["callback_query_id"] == press[
        "callback_query"]["id"]


def test_payloads_longer_than_callback_data_are_mapped_back(env: TelegramEnv) -> None:
    assert len(LONG_PAYLOAD.encode()) > 64
    env.post(update("text_es", message={**update("text_es")["message"], "text": "longbutton"}))
    data = env.bot_api.sent()[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("p:") and len(data.encode()) <= 64
    press = update("callback_query")
    press["callback_query"]["data"] = data
    env.post(press)
    assert env.rasa.received[-1]["message"] == LONG_PAYLOAD


def test_language_command_offers_languages_and_the_choice_reaches_rasa(env: TelegramEnv) -> None:
    env.post(update("command_language"))
    assert env.rasa.received == []
    offer = env.bot_api.sent()[-1]
    assert offer["text"] == gettext_for("es")(texts.CHOOSE_LANGUAGE)
    choices = [row[0]["callback_data"] for row in offer["reply_markup"]["inline_keyboard"]]
    assert choices == ["lang:es", "lang:en", "lang:pt", "lang:fr", "lang:ht"]

    press = update("callback_query")
    press["callback_query"]["data"] = "lang:pt"
    env.post(press)
    assert env.rasa.received[-1]["message"] == '/choose_language{"language": "pt"}'


def test_delete_only_asks_and_the_confirmed_erasure_empties_every_table(
        env: TelegramEnv, tmp_path) -> None:
    import sqlite3

    env.post(update("text_es"))
    db = sqlite3.connect(tmp_path / "gateway.db")
    tables = ("gateway_senders_v2", "gateway_queue", "gateway_mailbox", "gateway_delivery_ids")

    def rows() -> dict[str, int]:
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}

    assert rows()["gateway_senders_v2"] == 1
    env.post(update("command_delete"))
    assert env.rasa.texts()[-1] == "/delete_my_data"
    assert rows()["gateway_senders_v2"] == 1  # nothing is erased before the person says yes
    env.rasa.extra = [{"custom": {"helpline": {"erase": True}}}]  # the confirming action's
    confirm = update("text_es", update_id=update("text_es")["update_id"] + 7)
    confirm["message"]["text"] = "sí"
    env.post(confirm)
    assert env.texts_sent()[-1] == "echo: sí"  # the confirmation still reaches the person
    assert rows() == dict.fromkeys(tables, 0)


def test_voice_gets_the_text_only_note_and_a_caption_is_still_read(env: TelegramEnv) -> None:
    env.post(update("voice"))
    assert env.rasa.received == []
    assert env.texts_sent() == [gettext_for("es")(texts.TEXT_ONLY)]
    env.post(update("photo_caption"))
    assert env.rasa.texts() == ["¿dónde queda esta clínica?"]
    assert env.texts_sent()[-1] == "echo: ¿dónde queda esta clínica?"


def test_long_replies_are_split_at_4096(env: TelegramEnv) -> None:
    env.post(update("text_es", message={**update("text_es")["message"], "text": "long"}))
    parts = env.texts_sent()
    assert len(parts) == 2
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts) == "x" * 5000


def test_no_text_or_chat_id_in_info_logs(env: TelegramEnv, caplog) -> None:
    with caplog.at_level(logging.INFO):
        env.post(update("text_es"))
        env.post(update("text_es"))  # duplicate
        env.post(update("text_es"), secret="wrong")
    logged = caplog.text
    assert "médico" not in logged
    assert str(CHAT_ID) not in logged
    assert TOKEN not in logged


def test_rasa_outage_apologises_and_delivers_later(tmp_path, bot_api) -> None:
    fake, api_served = bot_api
    rasa = FakeRasa()
    rasa_port = free_port()
    settings = telegram_settings(tmp_path, f"http://127.0.0.1:{rasa_port}", api_served.url)
    with ServedApp(create_app(settings)) as gw, httpx.Client(base_url=gw.url) as http:
        response = http.post("/webhooks/telegram", json=update("text_es"),
                             headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
        assert response.status_code == 200
        assert [p["text"] for p in fake.sent()] == [gettext_for("es")(texts.APOLOGY)]
        with ServedApp(rasa.app(), port=rasa_port):
            wait_for(lambda: len(fake.sent()) == 2)
    assert rasa.texts() == ["hola, necesito ver a un médico"]
    assert fake.sent()[-1]["text"] == "echo: hola, necesito ver a un médico"
    assert int(fake.sent()[-1]["chat_id"]) == CHAT_ID


def test_polling_mode_without_public_url(tmp_path, fake_rasa, bot_api) -> None:
    rasa, rasa_served = fake_rasa
    fake, api_served = bot_api
    fake.updates.append(update("text_es"))
    settings = telegram_settings(tmp_path, rasa_served.url, api_served.url, public_base_url=None)
    with ServedApp(create_app(settings)):
        wait_for(lambda: fake.sent())
    assert rasa.texts() == ["hola, necesito ver a un médico"]
    assert fake.sent()[0]["text"] == "echo: hola, necesito ver a un médico"


@pytest.mark.parametrize("body", [
    b'{"update_id": "x", "message": 5}',
    b'{"update_id": 1, "message": {"chat": "nope"}}',
    b"[" * 50_000 + b"]" * 50_000,
    b"\xff\xfe",
])
def test_malformed_updates_are_client_errors(env: TelegramEnv, body: bytes) -> None:
    response = env.http.post("/webhooks/telegram", content=body,
                             headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
                                      "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert env.rasa.received == []


def test_group_chats_get_only_the_private_chat_pointer(env: TelegramEnv) -> None:
    group = update("text_es")
    group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Migrantes"}
    group["message"]["text"] = "me quitaron el pasaporte"
    env.post(group)
    env.post({**update("command_delete"), "update_id": 815730099,
              "message": {**update("command_delete")["message"], "chat": group["message"]["chat"]}})
    assert env.rasa.received == []
    assert env.texts_sent() == [gettext_for("es")(texts.PRIVATE_CHAT_ONLY)] * 2
