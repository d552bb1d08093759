"""The inbox against the real gateway (`channels.app:create_app` with its internal API) on
loopback, with Rasa's stand-in (`tests/auxil/fake_rasa.py`) and the fake Bot API and Twilio
(`tests/auxil/fake_apis.py`): the request is queued as the action server queues it, everything
else goes through the console's pages and the gateway's HTTP API.

A Telegram person's messages show in the transcript, a caseworker's reply reaches exactly that
chat and is recorded as the caseworker's, the next message shows, the request closes; a voice
note plays through the console; outside WhatsApp's window only the template goes, through the
Content API; the waiting notice reaches the person; an erased sender is gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from console import inbox
from console.app import create_app
from console.settings import ConsoleSettings
from helpline import handoff
from knowledge.db import make_engine
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, wait_for
from tests.channels.internal_env import (
    CHAT_ID,
    SERVICE_TOKEN,
    TEMPLATE_SID,
    Env,
    serve,
    telegram_pseudonym,
    telegram_update,
    whatsapp_form,
    whatsapp_pseudonym,
)
from tests.console.conftest import CASEWORKER, csrf_of, login

VOICE_FILE = "AwACAgEAAxkBAAIBK2Z0c3Rfdm9pY2VfZmlsZV9pZAACbQUAAkJ3oUdOi7JbEh0dkDUE"


@pytest.fixture
def fake_rasa() -> Iterator[tuple[FakeRasa, ServedApp]]:
    rasa = FakeRasa()
    with ServedApp(rasa.app()) as served:
        yield rasa, served


@pytest.fixture
def env(tmp_path: Path, fake_rasa: tuple[FakeRasa, ServedApp]) -> Iterator[Env]:
    folder = tmp_path / "gateway"
    folder.mkdir()
    yield from serve(folder, fake_rasa)


@pytest.fixture
def kb(settings: ConsoleSettings) -> Iterator[sa.Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def console(settings: ConsoleSettings, env: Env) -> Iterator[TestClient]:
    wired = settings.model_copy(update={"gateway_url": str(env.http.base_url).rstrip("/"),
                                        "gateway_service_token": SERVICE_TOKEN})
    with TestClient(create_app(wired), follow_redirects=False,
                    headers={"accept-language": "en"}) as client:
        assert login(client, CASEWORKER).status_code == 303
        yield client


def request_for(kb: sa.Engine, pseudonym: str, channel: str,
                ago: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """The request the action server makes when the person asks for a person."""
    rid = handoff.request_handoff(kb, pseudonym, "es", "MX", "request_human", channel=channel)
    with kb.begin() as conn:
        conn.execute(handoff.handoffs.update().where(handoff.handoffs.c.id == rid)
                     .values(requested_at=dt.datetime.now(dt.UTC) - ago))
    return rid


def test_a_telegram_request_from_the_first_message_to_its_close(console: TestClient,
                                                                 env: Env, kb: sa.Engine
                                                                 ) -> None:
    env.telegram_text("<script>alert(1)</script> quiero hablar con una persona", update_id=11)
    rid = request_for(kb, telegram_pseudonym(), "telegram")
    listing = console.get("/inbox").text
    assert f'href="/inbox/{rid}"' in listing and "Telegram" in listing
    assert str(CHAT_ID) not in listing and telegram_pseudonym() not in listing
    claimed = console.post("/inbox/claim", data={"csrf_token": csrf_of(listing),
                                                 "request": str(rid)})
    page = console.get(claimed.headers["location"]).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; quiero hablar con una persona" in page
    assert "echo: " in page and str(CHAT_ID) not in page

    before = len(env.bot_api.sent())
    reply = "Hola, soy Ana del equipo. ¿Estás a salvo ahora?"
    sent = console.post(f"/inbox/{rid}/reply", data={"csrf_token": csrf_of(page),
                                                     "text": reply})
    assert sent.status_code == 303 and sent.headers["location"].endswith("notice=sent")
    assert [(int(p["chat_id"]), p["text"]) for p in env.bot_api.sent()[before:]] == [
        (CHAT_ID, reply)]
    assert env.rasa.appended[-1]["metadata"] == {"helpline_caseworker": True}
    page = console.get(sent.headers["location"]).text
    assert "Sent: the reply is on its way" in page
    assert 'class="from-caseworker"' in page and reply in page

    env.telegram_text("sí, estoy en un albergue con mis hijos", update_id=12)
    part = console.get(f"/inbox/{rid}/conversation").text
    assert "sí, estoy en un albergue con mis hijos" in part

    closed = console.post(f"/inbox/{rid}/close", data={"csrf_token": csrf_of(page),
                                                       "outcome": "answered"})
    assert closed.headers["location"] == "/inbox?notice=closed"
    assert f'href="/inbox/{rid}"' not in console.get("/inbox").text
    assert [a["action"] for a in handoff.audit_of(kb, rid)] == ["claimed", "replied", "closed"]


def test_a_voice_note_plays_through_the_console(console: TestClient, env: Env,
                                                kb: sa.Engine) -> None:
    env.bot_api.files[VOICE_FILE] = ("voice/file_7.oga", b"OggS the voice note")
    env.telegram(telegram_update("voice"))
    rid = request_for(kb, telegram_pseudonym(), "telegram")
    page = console.get(f"/inbox/{rid}").text
    assert "Voice note (not transcribed)" in page
    start = page.index(f'src="/inbox/{rid}/media/') + len('src="')
    url = page[start:page.index('"', start)]
    played = console.get(url)
    assert played.status_code == 200 and played.content == b"OggS the voice note"
    assert played.headers["content-type"] == "audio/ogg"
    assert played.headers["cache-control"] == "no-store"
    assert VOICE_FILE not in page


def test_outside_the_whatsapp_window_only_the_template_goes(console: TestClient, env: Env,
                                                            kb: sa.Engine) -> None:
    env.whatsapp(whatsapp_form("text"), 1)
    pseudonym = whatsapp_pseudonym()
    rid = request_for(kb, pseudonym, "whatsapp", dt.timedelta(hours=26))
    env.age_last_message(pseudonym, hours=25)
    page = console.get(f"/inbox/{rid}").text
    assert "24-hour window closed at" in page and 'name="text"' not in page
    refused = console.post(f"/inbox/{rid}/reply", data={"csrf_token": csrf_of(page),
                                                        "text": "hola"})
    assert refused.status_code == 409 and "window closed at" in refused.text
    before = len(env.twilio.messages)
    sent = console.post(f"/inbox/{rid}/reply", data={"csrf_token": csrf_of(page),
                                                     "template": "1"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("template_sent")
    [message] = env.twilio.messages[before:]
    assert message.get("ContentSid") == TEMPLATE_SID


def test_the_waiting_notice_reaches_the_person_once(console: TestClient, env: Env,
                                                    kb: sa.Engine) -> None:
    env.telegram_text("quiero hablar con una persona", update_id=21)
    rid = request_for(kb, telegram_pseudonym(), "telegram", dt.timedelta(minutes=45))
    before = len(env.bot_api.sent())
    state = console.app.state.console  # type: ignore[attr-defined]
    portal = console.portal
    assert portal is not None
    assert portal.call(inbox.send_due_reminders, state) == 1
    assert portal.call(inbox.send_due_reminders, state) == 0
    [notice] = env.bot_api.sent()[before:]
    assert int(notice["chat_id"]) == CHAT_ID
    assert env.rasa.appended[-1]["metadata"] == {"helpline_notice": "waiting"}
    row = handoff.get_request(kb, rid)
    assert row is not None and row["reminded_at"] is not None


def test_an_erased_sender_is_gone(console: TestClient, env: Env, kb: sa.Engine) -> None:
    env.telegram_text("quiero hablar con una persona", update_id=31)
    rid = request_for(kb, telegram_pseudonym(), "telegram")
    page = console.get(f"/inbox/{rid}").text
    store = env.store()
    store.forget_sender(telegram_pseudonym())
    store.engine.dispose()
    wait_for(lambda: "This conversation is gone" in console.get(f"/inbox/{rid}").text)
    before = len(env.bot_api.sent())
    refused = console.post(f"/inbox/{rid}/reply", data={"csrf_token": csrf_of(page),
                                                        "text": "hola"})
    assert refused.status_code == 410 and len(env.bot_api.sent()) == before
    handoff.erase_sender(kb, telegram_pseudonym())
    assert console.get(f"/inbox/{rid}").status_code == 404
