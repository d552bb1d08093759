"""A first conversation in Spanish and in English through the gateway and through Rasa's REST."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

import httpx
import pytest

from actions.replies import date_label
from helpline.i18n import gettext_for
from helpline.settings import Settings

pytestmark = pytest.mark.e2e

GREETING = ("Hello! I am the migrant helpline's assistant. I answer questions about your "
            "rights and the services that can help you, whatever your migration status. I "
            "never ask for your name or documents.")


def say(gateway: httpx.Client, session: str, text: str) -> str:
    response = gateway.post("/webchat/message", json={"session": session, "message": text})
    assert response.status_code == 200, response.text
    return "\n".join(r.get("text", "") for r in response.json()["replies"])


def mexico_health_verified_on(settings: Settings) -> dt.date:
    from knowledge.api import Profile, evaluate
    from knowledge.db import make_engine, session_scope

    engine = make_engine(settings.database_url)
    with session_scope(engine) as s:
        result = evaluate(s, Profile(country="MX", nationality=None, migration_status="irregular",
                                     age=None, sex=None, situation=[]),
                          on=dt.date.today(), domains=["health"], lang="es")
        dates = [e.verified_on for e in result.entitlements
                 if any(b.title == "Ley de Migración" and b.article == "8" for b in e.legal_basis)]
    engine.dispose()
    assert dates and dates[0], "the knowledge base must carry a verified Ley de Migración art. 8"
    return dates[0]


@pytest.mark.parametrize(
    ("lang", "hello", "where", "question", "country"),
    [
        ("es", "hola", "estoy en México", "¿puedo ir al médico aunque no tenga papeles?",
         "México"),
        ("en", "hello", "I'm in Mexico", "can I see a doctor even if I don't have papers?",
         "Mexico"),
    ],
)
def test_conversation_through_gateway(gateway: httpx.Client, stack_settings: Settings,
                                      lang: str, hello: str, where: str, question: str,
                                      country: str) -> None:
    _ = gettext_for(lang)
    session = uuid.uuid4().hex
    assert _(GREETING) in say(gateway, session, hello)
    assert country in say(gateway, session, where)
    answer = say(gateway, session, question)
    assert "Ley de Migración" in answer
    assert "art. 8" in answer
    assert date_label(mexico_health_verified_on(stack_settings), lang) in answer
    assert _("This is information, not legal advice.") in answer


def test_same_conversation_through_rasa_rest(rasa: httpx.Client,
                                             stack_settings: Settings) -> None:
    sender = f"rest-{uuid.uuid4().hex}"

    def send(text: str) -> str:
        response = rasa.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return "\n".join(r.get("text", "") for r in response.json())

    _ = gettext_for("es")
    assert _(GREETING) in send("hola")
    assert "México" in send("estoy en México")
    answer = send("¿puedo ir al médico aunque no tenga papeles?")
    assert "Ley de Migración, art. 8" in answer
    assert date_label(mexico_health_verified_on(stack_settings), "es") in answer


def test_gateway_sends_only_pseudonyms_to_rasa(gateway: httpx.Client,
                                               stack_settings: Settings) -> None:
    session = f"raw-session-{uuid.uuid4().hex}"
    say(gateway, session, "hola")
    db = stack_settings.tracker_store_url.split("sqlite:///", 1)[1]
    with sqlite3.connect(db) as conn:
        senders = {row[0] for row in conn.execute("select distinct sender_id from events")}
        texts = " ".join(row[0] for row in conn.execute("select data from events"))
    assert senders, "the tracker store should hold the conversation"
    assert all(session not in s for s in senders)
    assert session not in texts


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b'{"session": "s", "message": ""}',
        b'{"session": "s"}',
        ('{"session": "s", "message": "' + "a" * 10_000 + '"}').encode(),
    ],
)
def test_bad_input_is_refused_and_chat_goes_on(gateway: httpx.Client, body: bytes) -> None:
    response = gateway.post("/webchat/message", content=body,
                            headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    assert "error" in response.json()
    assert gettext_for("es")(GREETING) in say(gateway, uuid.uuid4().hex, "hola")


def test_emoji_only_and_unknown_route(gateway: httpx.Client) -> None:
    replies = gateway.post("/webchat/message", json={"session": uuid.uuid4().hex,
                                                     "message": "🙏🙏"})
    assert replies.status_code == 200
    assert replies.json()["replies"], "an emoji-only message still gets an answer"
    missing = gateway.get("/no/such/route")
    assert missing.status_code == 404
