"""Nothing a person writes is lost, on the real stack (rasa, action server, gateway) with the
Telegram and WhatsApp channels on, their APIs faked at the HTTP boundary: a message that
breaks the encoder, a gateway killed mid-turn, an action server down for 90 s, replies from a
slow API in order, erasure on every channel, the country of outage answers, the reply language.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels.pseudonym import SecretBox, pseudonymise
from channels.store import GatewayStore, make_store_engine
from devstack.supervisor import Child, Stack, isolated_settings
from devstack.training import train
from helpline.settings import Settings
from tests.auxil.answers import assert_sent_in_order
from tests.auxil.fake_apis import FakeBotApi, FakeTwilio
from tests.auxil.networking import ServedApp, wait_until

pytestmark = pytest.mark.e2e

SECRET = "end-to-end-faults-secret-0123456789abcdef"
BOT_TOKEN = "7000000001:AAFakeTokenForTests0123456789"
WEBHOOK_SECRET = "telegram-webhook-secret-0123"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "fedcba9876543210fedcba9876543210"
HELPLINE_NUMBER = "+14155238886"


class Env:
    """The running stack, its fakes and helpers to talk to it as the channels do."""

    def __init__(self, stack: Stack, settings: Settings, bot: FakeBotApi,
                 twilio: FakeTwilio) -> None:
        self.stack, self.settings, self.bot, self.twilio = stack, settings, bot, twilio
        self.gw = f"http://127.0.0.1:{settings.gateway_port}"
        self.public = settings.public_base_url or ""
        self._update_ids = iter(range(int(time.time()) % 100_000 * 1000, 10**12))

    def child(self, name: str) -> Child:
        return next(c for c in self.stack.children if c.name == name)

    def restart(self, name: str) -> None:
        child = self.child(name)
        child.start()
        deadline = time.monotonic() + 300
        while not child.healthy():
            assert child.alive(), f"{name} died on restart"
            assert time.monotonic() < deadline, f"{name} not healthy again"
            time.sleep(0.3)

    # --- channels -------------------------------------------------------------------------------
    def telegram(self, chat_id: int, text: str, lang: str = "es", update_id: int | None = None,
                 timeout: float = 60) -> httpx.Response:
        body = {"update_id": update_id or next(self._update_ids), "message": {
            "message_id": 1, "date": int(time.time()), "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "A", "language_code": lang},
            "chat": {"id": chat_id, "type": "private", "first_name": "A"}}}
        raw = json.dumps(body)  # keeps a lone surrogate as the escape Telegram sends
        return httpx.post(self.gw + "/webhooks/telegram", content=raw, timeout=timeout,
                          headers={"Content-Type": "application/json",
                                   "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})

    def whatsapp(self, phone: str, text: str, sid: str | None = None) -> httpx.Response:
        fields = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                  "From": f"whatsapp:{phone}", "To": f"whatsapp:{HELPLINE_NUMBER}",
                  "Body": text, "NumMedia": "0"}
        url = self.public + "/webhooks/whatsapp"
        # A lone surrogate cannot be UTF-8: it arrives as the bytes that encode it, which the
        # gateway decodes with replacement characters, and Twilio signs what it sends.
        body = urlencode(fields, encoding="utf-8", errors="surrogatepass")
        signed = dict(parse_qsl(body, keep_blank_values=True))
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, signed)
        return httpx.post(self.gw + "/webhooks/whatsapp", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": signature}, timeout=30)

    def webchat(self, session: str, text: str, lang: str = "es") -> httpx.Response:
        return httpx.post(self.gw + "/webchat/message", timeout=60,
                          content=json.dumps({"session": session, "message": text}),
                          headers={"Content-Type": "application/json",
                                   "Accept-Language": lang})

    def mailbox(self, session: str) -> list[str]:
        found = httpx.get(self.gw + "/webchat/replies", params={"session": session}).json()
        return [r.get("text") or "" for r in found["replies"]]

    def sent_to(self, chat_id: int) -> list[str]:
        return [str(p.get("text", "")) for p in self.bot.sent()
                if int(p["chat_id"]) == chat_id]

    def bodies_to(self, phone: str) -> list[str]:
        return [m.get("Body", "") for m in self.twilio.messages
                if m.get("To") == f"whatsapp:{phone}"]

    # --- stores ---------------------------------------------------------------------------------
    def pseudonym(self, channel: str, raw: str) -> str:
        return pseudonymise(SECRET, channel, raw)

    def tracker(self, pseudonym: str) -> dict[str, Any]:
        response = httpx.get(f"{self.settings.rasa_url}/conversations/{pseudonym}/tracker",
                             timeout=30)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def user_texts(self, pseudonym: str) -> list[str]:
        return [e.get("text") for e in self.tracker(pseudonym)["events"]
                if e.get("event") == "user"]

    def store(self) -> GatewayStore:
        return GatewayStore(make_store_engine(self.settings.gateway_database_url),
                            SecretBox(SECRET), 86400.0)

    def queued(self) -> int:
        result: int = httpx.get(self.gw + "/health").json()["queued_messages"]
        return result


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from knowledge.setup import prepare

    bot, twilio = FakeBotApi(BOT_TOKEN), FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    var = tmp_path_factory.mktemp("faults")
    with ServedApp(bot.app()) as bot_api, ServedApp(twilio.app()) as twilio_api:
        settings = isolated_settings(
            var, SECRET,
            gateway_retry_seconds=1.0,
            public_base_url="https://helpline.example.org",
            telegram_bot_token=BOT_TOKEN, telegram_webhook_secret=WEBHOOK_SECRET,
            telegram_api_base_url=bot_api.url,
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_number=HELPLINE_NUMBER, twilio_api_base_url=twilio_api.url,
        )
        prepare(settings.database_url)
        stack = Stack(settings, train(), var_dir=var)
        stack.start(timeout=300)
        try:
            yield Env(stack, settings, bot, twilio)
        finally:
            stack.stop()


# --- 1. a message is never lost ---------------------------------------------------------------
SURROGATE_CRY = "me quieren matar, ayuda \ud83d"


def test_a_lone_surrogate_cry_for_help_gets_numbers_on_every_channel(env: Env) -> None:
    session = "surrogate-" + uuid.uuid4().hex[:8]
    env.webchat(session, "estoy en México")
    response = env.webchat(session, SURROGATE_CRY)
    assert response.status_code == 200
    assert "911" in " ".join(r["text"] for r in response.json()["replies"] if "text" in r)

    chat = 910000001
    env.telegram(chat, "estoy en México")
    assert env.telegram(chat, SURROGATE_CRY).status_code == 200
    wait_until(lambda: any("911" in t for t in env.sent_to(chat)), 30, "Telegram numbers")

    phone = "+5215510000001"
    env.whatsapp(phone, "estoy en México")
    wait_until(lambda: env.bodies_to(phone), 30, "first WhatsApp answer")
    assert env.whatsapp(phone, SURROGATE_CRY).status_code == 200
    wait_until(lambda: any("911" in b for b in env.bodies_to(phone)), 30, "WhatsApp numbers")


def _paused(env: Env) -> Any:
    """Pause Rasa (SIGSTOP) so a turn hangs between receipt and answer; resume on exit."""
    rasa = env.child("rasa")
    assert rasa.proc is not None

    class Paused:
        def __enter__(self) -> None:
            os.killpg(rasa.proc.pid, signal.SIGSTOP)  # type: ignore[union-attr]

        def __exit__(self, *exc: object) -> None:
            os.killpg(rasa.proc.pid, signal.SIGCONT)  # type: ignore[union-attr]

    return Paused()


def _kill_gateway(env: Env) -> None:
    gateway = env.child("gateway")
    assert gateway.proc is not None
    os.killpg(gateway.proc.pid, signal.SIGKILL)
    gateway.proc.wait(10)


def test_gateway_killed_mid_turn_answers_exactly_once_after_restart(env: Env) -> None:
    chat, phone = 910000002, "+5215510000002"
    env.telegram(chat, "estoy en México")
    env.whatsapp(phone, "estoy en México")
    wait_until(lambda: env.bodies_to(phone), 30, "first WhatsApp answer")
    before_tg, before_wa = len(env.sent_to(chat)), len(env.bodies_to(phone))
    update_id = 777000001
    with _paused(env):
        errors: list[BaseException] = []

        def webhook() -> None:
            try:
                env.telegram(chat, "me quieren matar", update_id=update_id, timeout=3)
            except httpx.TimeoutException as exc:  # the turn hangs: Rasa is paused
                errors.append(exc)

        thread = threading.Thread(target=webhook)
        thread.start()
        assert env.whatsapp(phone, "me quieren matar", sid="SMkill0001").status_code == 200
        thread.join()
        assert errors, "the Telegram webhook should still be waiting for its turn"
        time.sleep(0.5)
        _kill_gateway(env)  # receipt done, answer not sent
    assert env.sent_to(chat)[before_tg:] == [] and env.bodies_to(phone)[before_wa:] == []
    env.restart("gateway")
    # Telegram delivers the unacknowledged update again; the store already has it.
    assert env.telegram(chat, "me quieren matar", update_id=update_id).status_code == 200
    wait_until(lambda: any("911" in t for t in env.sent_to(chat)[before_tg:]), 60, "Telegram")
    wait_until(lambda: any("911" in b for b in env.bodies_to(phone)[before_wa:]), 60, "WhatsApp")
    time.sleep(3)  # anything sent twice would arrive by now
    telegram_new, whatsapp_new = env.sent_to(chat)[before_tg:], env.bodies_to(phone)[before_wa:]
    assert sum("911" in t for t in telegram_new) == 1, telegram_new
    assert sum("911" in b for b in whatsapp_new) == 1, whatsapp_new
    assert len(telegram_new) == len(set(telegram_new))
    assert env.queued() == 0


# --- 2. the outbox never gives up -------------------------------------------------------------
def test_action_server_down_90_s_every_message_answered_once(env: Env) -> None:
    session = "outage-" + uuid.uuid4().hex[:8]
    pseudonym = env.pseudonym("webchat", session)
    assert env.webchat(session, "estoy en México").status_code == 200
    actions = env.child("actions")
    actions.stop()
    started = time.monotonic()
    questions = ["¿puedo ir al médico sin papeles?", "¿mis hijos pueden ir a la escuela?"]
    for text in questions:
        body = env.webchat(session, text).json()
        assert body["status"] == "queued"
    danger = env.webchat(session, "me quieren matar").json()
    assert danger["status"] == "queued"
    # The gateway answers the cry itself, with Mexico's numbers (the country the actions
    # passed back with an earlier answer).
    assert "911" in danger["replies"][0]["text"]
    time.sleep(max(0.0, 90 - (time.monotonic() - started)))
    assert env.queued() == 3
    env.restart("actions")
    wait_until(lambda: env.queued() == 0, 120, "queue drained")
    answers = env.mailbox(session)
    assert answers, "the answers reach the web chat's mailbox"
    users = env.user_texts(pseudonym)
    for text in [*questions, "me quieren matar"]:
        assert users.count(text) == 1, (text, users)
    events = env.tracker(pseudonym)["events"]
    turns = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for start, end in zip(turns, [*turns[1:], len(events)], strict=True):
        assert any(e.get("event") == "bot" and e.get("text") for e in events[start:end]), \
            events[start].get("text")


# --- 8. replies arrive in order ---------------------------------------------------------------
def _bot_texts(env: Env, pseudonym: str) -> list[str]:
    return [e["text"] for e in env.tracker(pseudonym)["events"]
            if e.get("event") == "bot" and e.get("text")]


def test_replies_of_a_slow_api_arrive_in_turn_order(env: Env) -> None:
    env.bot.latency = env.twilio.latency = 0.3
    try:
        chat, phone = 910000008, "+5215510000008"
        lines = ["hola", "estoy en México", "¿puedo ir al médico?", "gracias", "adiós"]
        threads = [threading.Thread(target=env.telegram, args=(chat, line)) for line in lines]
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for line in lines:
            env.whatsapp(phone, line)
            time.sleep(0.05)
        for thread in threads:
            thread.join()
        tg = env.pseudonym("telegram", str(chat))
        wa = env.pseudonym("whatsapp", f"whatsapp:{phone}")
        wait_until(lambda: env.user_texts(tg).count("adiós") == 1, 60, "Telegram turns")
        wait_until(lambda: env.user_texts(wa).count("adiós") == 1, 60, "WhatsApp turns")
        wait_until(lambda: env.queued() == 0, 60)
        time.sleep(2)
        assert_sent_in_order(_bot_texts(env, tg), lambda: env.sent_to(chat))
        assert_sent_in_order(_bot_texts(env, wa), lambda: env.bodies_to(phone))
    finally:
        env.bot.latency = env.twilio.latency = 0.0


# --- 9. erasure is complete and only after "yes" ----------------------------------------------
def _erase_rounds(say: Any, answer: str) -> None:
    say("hola")
    say("borra mis datos")
    say(answer)


def test_erasure_on_every_channel_only_after_yes(env: Env) -> None:
    store = env.store()
    chat, phone, session = 910000009, "+5215510000009", "erase-" + uuid.uuid4().hex[:8]
    def whatsapp(text: str) -> None:
        env.whatsapp(phone, text)
        time.sleep(4)  # Twilio's webhook returns before the answer is sent

    senders: dict[str, tuple[str, Callable[[str], object]]] = {
        "telegram": (str(chat), lambda t: env.telegram(chat, t)),
        "whatsapp": (f"whatsapp:{phone}", whatsapp),
        "webchat": (session, lambda t: env.webchat(session, t)),
    }
    for channel, (raw, say) in senders.items():
        pseudonym = env.pseudonym(channel, raw)
        _erase_rounds(say, "no")
        wait_until(lambda p=pseudonym: "no" in env.user_texts(p), 30, f"{channel} no")
        kept = store.holds_anything_of(pseudonym)
        assert kept["gateway_senders_v2"] == 1, (channel, kept)  # "no" erases nothing
        assert env.user_texts(pseudonym)
        say("borra mis datos")
        say("sí")
        wait_until(lambda p=pseudonym: not any(store.holds_anything_of(p).values()), 30,
                   f"{channel} gateway erased")
        assert env.user_texts(pseudonym) == [], channel  # tracker erased too


# --- 11. the reply language is the language written --------------------------------------------
def test_the_language_written_wins_over_the_locale(env: Env) -> None:
    cases = [("hola", "en-US", "es"), ("olá, preciso de ajuda", "es-ES", "pt"),
             ("Bonjou, mwen bezwen èd", "fr-FR", "ht")]
    for text, locale, expected in cases:
        session = "lang-" + uuid.uuid4().hex[:8]
        env.webchat(session, text, lang=locale)
        assert env.tracker(env.pseudonym("webchat", session))["slots"]["language"] == expected
    session = "lang-" + uuid.uuid4().hex[:8]
    env.webchat(session, "olá, preciso de ajuda", lang="es")
    env.webchat(session, "ok", lang="en")
    assert env.tracker(env.pseudonym("webchat", session))["slots"]["language"] == "pt"

    chat = 910000011
    env.telegram(chat, "hola", lang="en")
    pseudonym = env.pseudonym("telegram", str(chat))
    assert env.tracker(pseudonym)["slots"]["language"] == "es"
    env.telegram(chat, '/choose_language{"language": "en"}', lang="es")
    env.telegram(chat, "hola, necesito ayuda", lang="es")
    assert env.tracker(pseudonym)["slots"]["language"] == "en"  # the choice sticks


def test_no_message_text_in_gateway_logs(env: Env) -> None:
    log = Path(env.child("gateway").log).read_text("utf-8", errors="replace")
    assert "me quieren matar" not in log
    assert "México" not in log
