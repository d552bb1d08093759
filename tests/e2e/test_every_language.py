"""Conversations in all five languages, the safety flows, and erasure, on the real stack."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from helpline.i18n import gettext_for
from helpline.paths import BOT_DIR
from helpline.settings import Settings

pytestmark = pytest.mark.e2e

DISCLAIMER = "This is information, not legal advice."

# (language, "I am in <country>", a health question, the country's name as the bot writes it)
CONVERSATIONS = [
    ("es", "estoy en Colombia", "me pueden atender en el hospital si no tengo papeles?",
     "Colombia"),
    ("en", "I'm in Colombia", "can I see a doctor at the hospital without papers?", "Colombia"),
    ("pt", "estou no Brasil", "posso ser atendido no hospital sem documentos?", "Brasil"),
    ("fr", "je suis au Chili", "est-ce que je peux aller à l'hôpital sans papiers?", "Chili"),
    ("ht", "mwen nan Chili", "eske m ka al lopital si m pa gen papye?", "Chili"),
]


def send(rasa: httpx.Client, sender: str, text: str,
         metadata: dict[str, object] | None = None) -> str:
    payload: dict[str, object] = {"sender": sender, "message": text}
    if metadata:
        payload["metadata"] = metadata
    response = rasa.post("/webhooks/rest/webhook", json=payload)
    assert response.status_code == 200, response.text
    return "\n".join(r.get("text", "") for r in response.json())


@pytest.mark.parametrize(("lang", "where", "question", "country"), CONVERSATIONS)
def test_health_conversation_in_each_language(rasa: httpx.Client, lang: str, where: str,
                                              question: str, country: str) -> None:
    sender = uuid.uuid4().hex
    assert country in send(rasa, sender, where)
    answer = send(rasa, sender, question)
    assert gettext_for(lang)(DISCLAIMER) in answer, answer


def danger_examples() -> list[tuple[str, str, str]]:
    examples = []
    for path in sorted((BOT_DIR / "tests" / "nlu_heldout").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if block.get("intent") in {"emergency", "report_trafficking", "report_violence"}:
                for line in str(block["examples"]).splitlines():
                    if line.strip().startswith("- "):
                        examples.append((path.stem, block["intent"], line.strip()[2:]))
    return examples


HELDOUT_DANGER_FLOOR = 0.95


def test_heldout_danger_messages_get_numbers(rasa: httpx.Client,
                                                   stack_settings: Settings) -> None:
    from knowledge.api import hotlines
    from knowledge.db import make_engine, session_scope

    engine = make_engine(stack_settings.database_url)
    with session_scope(engine) as s:
        emergency = [h.number for h in hotlines(s, "MX", purposes=["emergency"])]
    engine.dispose()
    examples = danger_examples()
    assert len(examples) >= 100
    missed = []
    for lang, intent, text in examples:
        sender = uuid.uuid4().hex
        rasa.post("/conversations/" + sender + "/tracker/events",
                  json={"event": "slot", "name": "country", "value": "MX"})
        answer = send(rasa, sender, text)
        if not any(number in answer for number in emergency):
            missed.append((lang, intent, text))
    # A floor, not 100 %: the lexicon no longer holds entries fitted to single held-out lines
    # (tests/danger/figures.py). Measured once on 2026-12-02 through the whole stack (intent
    # model, then lexicon): 119 of 120 held-out danger messages got numbers on the first reply.
    # The floor leaves room for the model's variance between trainings.
    caught = 1 - len(missed) / len(examples)
    assert caught >= HELDOUT_DANGER_FLOOR, \
        f"{len(missed)} of {len(examples)} danger messages got no numbers: {missed[:5]}"


def test_delete_my_data_erases_the_tracker_store(rasa: httpx.Client,
                                                 stack_settings: Settings) -> None:
    sender = uuid.uuid4().hex
    send(rasa, sender, "hola")
    send(rasa, sender, "estoy en México")
    db = Path(stack_settings.tracker_store_url.split("sqlite:///", 1)[1])

    def stored() -> int:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("select count(*) from events where sender_id = ?",
                                    (sender,)).fetchone()[0])

    assert stored() > 0
    ask = send(rasa, sender, "/delete_my_data")
    assert ask
    assert stored() > 0, "nothing is erased before the user confirms"
    done = send(rasa, sender, "/affirm")
    assert done
    assert stored() == 0
    again = send(rasa, sender, "hola")
    assert gettext_for("es")("Which country are you in now? I ask only so I can tell you the "
                             "rules and services that apply there.") in again
