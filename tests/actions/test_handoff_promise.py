"""The bot's promise of a person tells the truth: none without opening hours, "a person will
answer here" inside them, and when outside them, in the person's language and time zone. The
request carries the conversation's danger and channel, a danger message marks an open request,
and the bot keeps answering while the person waits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker

import actions.actions as a
from actions import privacy
from helpline import handoff
from helpline.i18n import gettext_for
from tests.actions.conftest import make_tracker, run_action

HOURS = "mon-fri 09:00-18:00; sat 10:00-14:00"
#: Saturday 5 December 2026, 16:00 in Madrid: closed until Monday 09:00 (08:00 UTC).
SATURDAY_EVENING = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)
#: Wednesday 2 December 2026, 11:00 in Madrid: open.
WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
ASK = "quiero hablar con una persona"


@pytest.fixture
def team_hours(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from helpline.settings import get_settings

    monkeypatch.setenv("HANDOFF_OPENING_HOURS", HOURS)
    monkeypatch.setenv("HANDOFF_TIMEZONE", "Europe/Madrid")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(privacy, "clock", lambda: moment)


def tracker_for(text: str = ASK, intent: str = "request_human", channel: str | None = None,
                **kwargs: Any) -> Tracker:
    """A Mexico/Spanish tracker with its own sender (the seeded database is shared)."""
    tracker = make_tracker("in_mexico_spanish", text=text, intent=intent, **kwargs)
    tracker.sender_id = f"test-{uuid.uuid4().hex}"
    if channel is not None:
        tracker.events[-1]["input_channel"] = channel
    return tracker


def request_of(db: str, sender: str) -> dict[str, Any] | None:
    rows = [r for r in handoff.open_requests(sa.create_engine(db)) if r["sender_id"] == sender]
    assert len(rows) <= 1
    return rows[0] if rows else None


async def test_without_opening_hours_nobody_is_promised(knowledge_base: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HANDOFF_OPENING_HOURS", raising=False)
    at(monkeypatch, WEDNESDAY_MORNING)
    tracker = tracker_for()
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker)
    _ = gettext_for("es")
    assert _("Our team cannot write to you in this chat yet, so I will not promise you a "
             "reply here. These people answer now:") in texts
    joined = "\n".join(texts)
    assert "te responderá aquí" not in joined and "que te responda aquí" not in joined
    assert "911" in joined
    assert request_of(knowledge_base, tracker.sender_id) is not None


async def test_inside_the_hours_a_person_will_answer_here(
        knowledge_base: str, team_hours: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, WEDNESDAY_MORNING)
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker_for())
    _ = gettext_for("es")
    assert texts[0] == (
        "He pedido a una persona de nuestro equipo que te responda aquí; suele responder "
        "dentro del horario de atención (lunes–viernes 09:00–18:00 y sábado 10:00–14:00, "
        "hora de Europa central, Madrid).")
    joined = "\n".join(texts)
    assert "no te prometo" not in joined
    assert _("While you wait, you can keep writing to me: I will go on answering.") in texts
    # The numbers that answer now, and not waiting in danger, still come.
    assert _("Meanwhile, these people answer now:") in texts
    assert "911" in joined
    assert texts[-1] == _("If you are in danger, do not wait: call the emergency number.")


async def test_outside_the_hours_the_next_opening_in_the_team_zone(
        knowledge_base: str, team_hours: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Mexico has several time zones: the next opening stays in the team's, which is named.
    at(monkeypatch, SATURDAY_EVENING)
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker_for())
    assert texts[0] == (
        "Nuestro equipo lee los mensajes lunes–viernes 09:00–18:00 y sábado 10:00–14:00 "
        "(hora de Europa central, Madrid); una persona te responderá aquí a partir del "
        "lunes, 7 de diciembre, 9:00.")
    assert "911" in "\n".join(texts)


@pytest.mark.parametrize(("lang", "text", "country", "when"), [
    ("es", ASK, "CO", "lunes, 7 de diciembre, 3:00 (hora de Colombia)"),
    ("en", "I want to talk to a person", "HN", "Monday, December 7, 2:00\u202fAM (Honduras Time)"),
    ("fr", "je veux parler à une personne", "PE", "lundi 7 décembre, 03:00 (heure : Pérou)"),
    ("pt", "quero falar com uma pessoa", "GT",
     "segunda-feira, 7 de dezembro 02:00 (Horário Guatemala)"),
    ("ht", "mwen vle pale ak yon moun", "DO", "lendi 7 desanm, 04:00 (lè Santo Domingo)"),
])
async def test_outside_the_hours_the_next_opening_in_the_persons_language_and_zone(
        knowledge_base: str, team_hours: None, monkeypatch: pytest.MonkeyPatch, lang: str,
        text: str, country: str, when: str) -> None:
    # A country with one time zone: the next opening in it, named (Monday 09:00 in Madrid).
    at(monkeypatch, SATURDAY_EVENING)
    tracker = tracker_for(text=text, slots={"country": country, "language": lang})
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker)
    _ = gettext_for(lang)
    assert texts[0].endswith(when + "."), texts[0]
    assert texts[0].startswith(_("Our team reads messages {hours} ({zone}); a person will "
                                 "answer you here from {when}.").split("{hours}")[0])
    assert _("If you are in danger, do not wait: call the emergency number.") in texts


async def test_a_request_that_could_not_be_recorded_promises_nothing(
        knowledge_base: str, team_hours: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, WEDNESDAY_MORNING)

    def down(*args: object, **kwargs: object) -> int:
        raise sa.exc.OperationalError("insert", {}, Exception("database is locked"))

    monkeypatch.setattr(handoff, "request_handoff", down)
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker_for())
    assert texts[0] == gettext_for("es")(
        "Our team cannot write to you in this chat yet, so I will not promise you a reply "
        "here. These people answer now:")


async def test_the_request_carries_the_channel(knowledge_base: str) -> None:
    for channel, kept in (("telegram", "telegram"), ("whatsapp", "whatsapp"),
                          ("webchat", "webchat"), ("rest", None), (None, None)):
        tracker = tracker_for(channel=channel)
        await run_action(a.ActionRequestHuman(), tracker)
        row = request_of(knowledge_base, tracker.sender_id)
        assert row is not None and row["channel"] == kept, channel


async def test_the_request_carries_the_conversations_danger(knowledge_base: str) -> None:
    tracker = tracker_for(channel="whatsapp")
    assert not tracker.get_slot("danger")
    await run_action(a.ActionRequestHuman(), tracker)
    assert request_of(knowledge_base, tracker.sender_id)["danger"] is None  # type: ignore[index]

    # Danger shown earlier in the conversation, danger mode over since (slot cleared): the
    # request still says what the conversation showed.
    earlier = tracker_for(channel="telegram")
    earlier.events[-1:-1] = [{"event": "slot", "name": "danger", "value": "trafficking"},
                             {"event": "slot", "name": "danger", "value": None}]
    await run_action(a.ActionRequestHuman(), earlier)
    row = request_of(knowledge_base, earlier.sender_id)
    assert row is not None and row["danger"] == "trafficking" and row["channel"] == "telegram"

    # In danger mode now.
    ongoing = tracker_for(slots={"danger": "violence"})
    ongoing.events[-1:-1] = [{"event": "slot", "name": "danger", "value": "violence"}]
    await run_action(a.ActionRequestHuman(), ongoing)
    assert request_of(knowledge_base, ongoing.sender_id)["danger"] == "violence"  # type: ignore[index]


async def test_a_danger_message_while_waiting_marks_the_open_request(
        knowledge_base: str) -> None:
    waiting = tracker_for(channel="telegram")
    await run_action(a.ActionRequestHuman(), waiting)
    first = request_of(knowledge_base, waiting.sender_id)
    assert first is not None and first["danger"] is None

    cry = tracker_for(text="mi patrón me quitó el pasaporte y no me deja salir",
                      intent="report_trafficking", channel="telegram")
    cry.sender_id = waiting.sender_id
    texts, _, _ = await run_action(a.ActionSafety(), cry)
    assert any("Números en" in t or "📞" in t for t in texts)  # the danger answer still comes
    marked = request_of(knowledge_base, waiting.sender_id)
    assert marked is not None and marked["id"] == first["id"] and marked["danger"] == "trafficking"

    # Without an open request, a danger message queues nothing.
    alone = tracker_for(text="me está pegando", intent="report_violence")
    await run_action(a.ActionSafety(), alone)
    assert request_of(knowledge_base, alone.sender_id) is None


async def test_the_bot_keeps_answering_while_the_person_waits(
        knowledge_base: str, team_hours: None, monkeypatch: pytest.MonkeyPatch) -> None:
    at(monkeypatch, SATURDAY_EVENING)
    waiting = tracker_for()
    await run_action(a.ActionRequestHuman(), waiting)
    question = tracker_for(text="puedo ir al medico sin papeles?", intent="ask_health")
    question.sender_id = waiting.sender_id
    texts, _, _ = await run_action(a.ActionAnswerTopic(), question)
    assert texts and any("salud" in t.lower() or "médic" in t.lower() for t in texts)
    assert request_of(knowledge_base, waiting.sender_id) is not None
