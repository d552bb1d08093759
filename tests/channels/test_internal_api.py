"""The gateway's internal API (`channels.internal`), the console's only way to a person: the
service token, erased conversations, replies on each channel (split, recorded in the tracker as
the caseworker's), WhatsApp's 24-hour window and its approved template, the "still waiting"
notice with the numbers of the hotline snapshot, and the transcript."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from channels import texts
from channels.internal import MAX_REPLY_CHARS
from channels.textsplit import utf16_len
from helpline.i18n import gettext_for
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, wait_for
from tests.channels.internal_env import (
    CHAT_ID,
    OTHER_CHAT_ID,
    PHONE,
    SERVICE_TOKEN,
    TEMPLATE_SID,
    Env,
    serve,
    telegram_pseudonym,
    webchat_pseudonym,
    whatsapp_form,
    whatsapp_pseudonym,
)

ENDPOINTS = [("GET", "/internal/conversations/{p}"),
             ("POST", "/internal/conversations/{p}/reply"),
             ("POST", "/internal/conversations/{p}/waiting"),
             ("GET", "/internal/media/{p}/abcdefgh")]


@pytest.fixture
def env(tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> Iterator[Env]:
    yield from serve(tmp_path, fake_rasa)


def _compact(text: str) -> str:
    return "".join(text.split())


# --- the service token -------------------------------------------------------------------------
def test_every_endpoint_refuses_a_missing_or_wrong_token(env: Env) -> None:
    env.telegram_text("hola")
    pseudonym = telegram_pseudonym()
    before = len(env.bot_api.sent())
    for method, path in ENDPOINTS:
        url = path.format(p=pseudonym)
        for token in (None, "wrong-token", SERVICE_TOKEN[:-1], SERVICE_TOKEN + "x", "-"):
            response = env.call(method, url, token=token, json={"text": "hola"})
            assert response.status_code == 401, (method, url, token)
            assert response.json()["error"] == "unauthorized"
        basic = env.http.request(method, url, headers={"Authorization": f"Basic {SERVICE_TOKEN}"},
                                 json={"text": "hola"})
        assert basic.status_code == 401
    assert len(env.bot_api.sent()) == before
    assert env.rasa.appended == []


def test_a_gateway_without_a_token_refuses_everything(
        tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> None:
    for unconfigured in serve(tmp_path, fake_rasa, gateway_service_token=None):
        unconfigured.telegram_text("hola")
        for method, path in ENDPOINTS:
            for token in (SERVICE_TOKEN, None):
                response = unconfigured.call(method, path.format(p=telegram_pseudonym()),
                                             token=token, json={"text": "hola"})
                assert response.status_code == 503
                assert response.json()["error"] == "service_token_not_configured"
        assert [m["text"] for m in unconfigured.bot_api.sent()] == ["echo: hola"]


# --- erased and unknown conversations -----------------------------------------------------------
def test_an_erased_or_unknown_sender_is_gone_on_every_endpoint(env: Env) -> None:
    env.telegram_text("hola", update_id=1)
    pseudonym = telegram_pseudonym()
    assert env.conversation(pseudonym)["channel"] == "telegram"
    env.rasa.extra = [{"custom": {"helpline": {"erase": True}}}]  # the confirming action's
    env.telegram_text("sí", update_id=2)
    env.rasa.extra = []
    sent = len(env.bot_api.sent())
    for p in (pseudonym, "0" * 40, "not-a-pseudonym"):
        for method, path in ENDPOINTS:
            response = env.call(method, path.format(p=p), json={"text": "¿sigues ahí?"})
            assert response.status_code == 404, (method, path)
            assert response.json()["error"] == "conversation_gone"
    assert len(env.bot_api.sent()) == sent
    assert env.rasa.appended == []


# --- replies -----------------------------------------------------------------------------------
def test_a_reply_reaches_exactly_that_chat_and_is_recorded_as_the_caseworkers(env: Env) -> None:
    env.telegram_text("quiero hablar con una persona", chat_id=CHAT_ID, update_id=1)
    env.telegram_text("hola", chat_id=OTHER_CHAT_ID, update_id=2)
    before = len(env.bot_api.sent())
    text = "Hola, soy Ana, del equipo. <script>alert(1)</script> ¿En qué ciudad estás?"
    response = env.reply(telegram_pseudonym(CHAT_ID), {"text": f"  {text}\n"})
    assert response.status_code == 200, response.text
    assert response.json() == {"sent": 1, "channel": "telegram", "recorded": True}
    new = env.bot_api.sent()[before:]
    assert len(new) == 1
    assert int(new[0]["chat_id"]) == CHAT_ID
    assert new[0]["text"] == text
    assert "parse_mode" not in new[0]  # shown as typed, never as markup

    event = env.rasa.appended[-1]
    assert event["event"] == "bot" and event["text"] == text
    assert event["metadata"] == {"helpline_caseworker": True}
    assert abs(event["timestamp"] - dt.datetime.now(dt.UTC).timestamp()) < 30
    assert env.rasa.append_params[-1]["include_events"] == "NONE"
    assert env.rasa.events[telegram_pseudonym(OTHER_CHAT_ID)][-1]["text"] == "echo: hola"

    events = env.conversation(telegram_pseudonym(CHAT_ID))["events"]
    assert [(e["who"], e["text"]) for e in events] == [
        ("user", "quiero hablar con una persona"), ("bot", "echo: quiero hablar con una persona"),
        ("caseworker", text)]
    assert all(e["at"].endswith("+00:00") and e["media"] is None for e in events)


def test_a_reply_longer_than_a_telegram_message_is_split_with_nothing_lost(env: Env) -> None:
    env.telegram_text("hola")
    before = len(env.bot_api.sent())
    # 3,600 characters, but 6,000 UTF-16 code units as Telegram counts them (an emoji is two).
    text = " ".join(["Ana 😀😀😀😀" if i % 2 else "😀😀 teléfono" for i in range(360)])
    assert len(text) <= MAX_REPLY_CHARS < utf16_len(text)
    response = env.reply(telegram_pseudonym(), {"text": text})
    assert response.status_code == 200, response.text
    parts = [m["text"] for m in env.bot_api.sent()[before:]]
    assert response.json()["sent"] == len(parts) >= 2
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert _compact("".join(parts)) == _compact(text)
    assert env.bot_api.refused == []
    assert env.rasa.appended[-1]["text"] == text  # recorded once, whole


def test_a_whatsapp_reply_is_split_at_1600(env: Env) -> None:
    env.whatsapp(whatsapp_form("text"), 1)
    words = [f"palabra{i}" for i in range(350)]
    text = " ".join(words)
    assert 1600 * 2 < len(text) <= MAX_REPLY_CHARS
    response = env.reply(whatsapp_pseudonym(), {"text": text})
    assert response.status_code == 200, response.text
    bodies = [m["Body"] for m in env.twilio.messages[1:]]
    assert response.json() == {"sent": len(bodies), "channel": "whatsapp", "recorded": True}
    assert len(bodies) == 3 and all(len(b) <= 1600 for b in bodies)
    assert " ".join(bodies).split() == words
    assert {m["To"] for m in env.twilio.messages} == {PHONE}


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   \n"}, {"text": 42}, {},
                                  {"text": "x" * (MAX_REPLY_CHARS + 1)}, {"template": "yes"}])
def test_an_invalid_reply_is_refused_and_nothing_is_sent(env: Env, body: dict) -> None:
    env.telegram_text("hola")
    before = len(env.bot_api.sent())
    response = env.reply(telegram_pseudonym(), body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_reply"
    raw = env.call("POST", f"/internal/conversations/{telegram_pseudonym()}/reply",
                   content=b"not json", headers={"Content-Type": "application/json"})
    assert raw.status_code == 422
    assert len(env.bot_api.sent()) == before
    assert env.rasa.appended == []


def test_a_channel_that_refuses_the_reply_is_a_502_and_nothing_is_recorded(env: Env) -> None:
    env.telegram_text("hola")
    env.bot_api.blocked.add(CHAT_ID)
    response = env.reply(telegram_pseudonym(), {"text": "Hola, soy Ana."})
    assert response.status_code == 502
    assert response.json()["error"] == "delivery_failed"
    assert response.json()["sent"] == 0
    assert env.rasa.appended == []


def test_a_web_chat_reply_waits_in_the_mailbox_the_page_polls(env: Env) -> None:
    session = "session-internal-0001"
    env.webchat(session, "necesito ayuda")
    pseudonym = webchat_pseudonym(session)
    data = env.conversation(pseudonym)
    assert data["channel"] == "webchat"
    assert data["window"] == {"applies": False, "open": True, "closes_at": None,
                              "last_inbound_at": data["window"]["last_inbound_at"]}
    assert data["template_available"] is False
    response = env.reply(pseudonym, {"text": "Hola, soy Ana, del equipo."})
    assert response.json() == {"sent": 1, "channel": "webchat", "recorded": True}
    polled = env.http.get("/webchat/replies", params={"session": session}).json()
    assert polled["replies"] == [{"text": "Hola, soy Ana, del equipo.", "caseworker": True}]
    assert env.http.get("/webchat/replies", params={"session": session}).json()["replies"] == []
    page = env.http.get("/").text
    assert "setInterval(poll" in page and "webchat/replies" in page  # polls on its own


def test_the_tracker_being_down_is_a_502(env: Env) -> None:
    env.telegram_text("hola")
    env.rasa.tracker_down = True
    response = env.call("GET", f"/internal/conversations/{telegram_pseudonym()}")
    assert response.status_code == 502
    assert response.json()["error"] == "rasa_unavailable"
    # A reply still reaches the person; the gateway says it could not record it.
    sent = env.reply(telegram_pseudonym(), {"text": "Hola, soy Ana."})
    assert sent.status_code == 200
    assert sent.json()["recorded"] is False
    assert env.bot_api.sent()[-1]["text"] == "Hola, soy Ana."


# --- WhatsApp's window -------------------------------------------------------------------------
def test_whatsapp_free_text_only_within_the_window_then_only_the_template(env: Env) -> None:
    env.whatsapp(whatsapp_form("text"), 1)
    pseudonym = whatsapp_pseudonym()
    data = env.conversation(pseudonym)
    window = data["window"]
    assert window["applies"] is True and window["open"] is True
    last = dt.datetime.fromisoformat(window["last_inbound_at"])
    assert abs((dt.datetime.now(dt.UTC) - last).total_seconds()) < 30
    assert dt.datetime.fromisoformat(window["closes_at"]) - last == dt.timedelta(hours=24)
    assert data["template_available"] is True
    assert env.reply(pseudonym, {"text": "Hola, soy Ana."}).status_code == 200
    assert env.twilio.messages[-1]["Body"] == "Hola, soy Ana."

    env.age_last_message(pseudonym, hours=25)
    window = env.conversation(pseudonym)["window"]
    assert window["open"] is False
    count = len(env.twilio.messages)
    refused = env.reply(pseudonym, {"text": "¿Sigues ahí?"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "window_closed"
    assert refused.json()["closes_at"] == window["closes_at"]
    assert len(env.twilio.messages) == count

    template = env.reply(pseudonym, {"template": True})
    assert template.status_code == 200, template.text
    assert template.json() == {"sent": 1, "channel": "whatsapp", "recorded": True}
    sent = env.twilio.messages[-1]
    assert sent["ContentSid"] == TEMPLATE_SID
    assert sent["To"] == PHONE and sent["From"] == "whatsapp:+14155238886"
    assert "Body" not in sent
    assert env.rasa.appended[-1]["text"] == f"[template {TEMPLATE_SID}]"
    assert env.rasa.appended[-1]["metadata"]["helpline_caseworker"] is True

    # The person writes again: the window opens for another 24 hours.
    env.whatsapp(whatsapp_form("text", MessageSid="SM" + "1" * 32, Body="gracias"), count + 2)
    assert env.conversation(pseudonym)["window"]["open"] is True


def test_without_a_template_sid_outside_the_window_nothing_can_be_sent(
        tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> None:
    for env in serve(tmp_path, fake_rasa, twilio_whatsapp_template_sid=None):
        env.whatsapp(whatsapp_form("text"), 1)
        pseudonym = whatsapp_pseudonym()
        assert env.conversation(pseudonym)["template_available"] is False
        env.age_last_message(pseudonym, hours=30)
        response = env.reply(pseudonym, {"template": True})
        assert response.status_code == 409
        assert response.json()["error"] == "no_template"
        assert len(env.twilio.messages) == 1


def test_a_template_on_a_channel_without_a_window_is_refused(env: Env) -> None:
    env.telegram_text("hola")
    response = env.reply(telegram_pseudonym(), {"template": True})
    assert response.status_code == 422
    assert env.conversation(telegram_pseudonym())["window"]["applies"] is False


# --- the waiting notice ------------------------------------------------------------------------
MX = [{"purpose": "emergency", "name": "Emergencias", "number": "911"},
      {"purpose": "violence", "name": "Línea Mujeres", "number": "800 108 4053"}]
CO = [{"purpose": "emergency", "name": "Línea de emergencias", "number": "123"}]


def test_the_waiting_notice_gives_the_numbers_of_the_persons_country(env: Env) -> None:
    env.write_hotlines({"MX": MX, "CO": CO})
    env.rasa.extra = [{"custom": {"helpline": {"country": "MX", "language": "es"}}}]
    env.telegram_text("estoy en Tapachula")
    response = env.call("POST", f"/internal/conversations/{telegram_pseudonym()}/waiting")
    assert response.status_code == 200, response.text
    assert response.json()["sent"] == 1
    notice = env.bot_api.sent()[-1]["text"]
    es = gettext_for("es")
    assert notice.startswith(es(texts.STILL_WAITING_FOR_PERSON))
    assert es(texts.DANGER_NUMBERS) in notice
    assert "Emergencias: 911" in notice and "Línea Mujeres: 800 108 4053" in notice
    assert "123" not in notice
    event = env.rasa.appended[-1]
    assert event["text"] == notice and event["metadata"] == {"helpline_notice": "waiting"}
    assert env.conversation(telegram_pseudonym())["events"][-1]["who"] == "bot"


def test_the_waiting_notice_without_a_country_gives_every_emergency_number(env: Env) -> None:
    env.write_hotlines({"MX": MX, "CO": CO, "HN": [MX[0]]})
    env.telegram_text("hola")
    response = env.call("POST", f"/internal/conversations/{telegram_pseudonym()}/waiting")
    assert response.status_code == 200
    notice = env.bot_api.sent()[-1]["text"]
    assert "📞 911: Honduras, México" in notice
    assert "📞 123: Colombia" in notice
    assert "800 108 4053" not in notice


def test_the_waiting_notice_respects_the_whatsapp_window(env: Env) -> None:
    env.write_hotlines({"MX": MX})
    env.whatsapp(whatsapp_form("text"), 1)
    env.age_last_message(whatsapp_pseudonym(), hours=25)
    response = env.call("POST", f"/internal/conversations/{whatsapp_pseudonym()}/waiting")
    assert response.status_code == 409
    assert response.json()["error"] == "window_closed"
    assert len(env.twilio.messages) == 1


def test_no_text_id_pseudonym_or_token_in_info_logs(env: Env, caplog) -> None:
    env.telegram_text("hola")
    text = "Hola, soy Ana, del equipo: llámanos."
    with caplog.at_level(logging.INFO):
        assert env.reply(telegram_pseudonym(), {"text": text}).status_code == 200
        env.conversation(telegram_pseudonym())
        env.call("GET", f"/internal/conversations/{telegram_pseudonym()}", token="guess")
        wait_for(lambda: env.rasa.appended)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (text, str(CHAT_ID), telegram_pseudonym(), SERVICE_TOKEN, "guess"):
        assert secret not in logged
