"""Behaviour of the actions, from tracker fixtures through a real seeded knowledge base."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from actions import actions as a
from actions.replies import date_label
from helpline.i18n import gettext_for
from tests.actions.conftest import make_tracker, run_action, slot_events

ES = gettext_for("es")


def hotline_numbers(db_url: str, country: str, purposes: list[str]) -> list[str]:
    from knowledge.api import hotlines
    from knowledge.db import make_engine, session_scope

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        numbers = [h.number for h in hotlines(s, country, purposes=purposes)]
    engine.dispose()
    return numbers


async def test_health_answer_names_law_date_and_disclaimer(knowledge_base: str) -> None:
    texts, _, events = await run_action(a.ActionAnswerTopic(), make_tracker("in_mexico_spanish"))
    answer = "\n".join(texts)
    assert "Ley de Migración, art. 8" in answer
    assert ES("This is information, not legal advice.") in answer
    assert "2026" in answer or "2025" in answer, "a verified date must be shown"
    assert slot_events(events).get("awaiting") is None


async def test_rights_question_without_country_asks_why_and_resumes(knowledge_base: str) -> None:
    tracker = make_tracker("new_conversation", text="mi hijo puede ir a la escuela?",
                           intent="ask_education", slots={"language": "es"})
    texts, _, events = await run_action(a.ActionAnswerTopic(), tracker)
    slots = slot_events(events)
    assert slots["awaiting"] == "country" and slots["pending_intent"] == "ask_education"
    assert ES("Which country are you in now? I ask only so I can tell you the rules and "
              "services that apply there.") in texts

    reply = make_tracker("new_conversation", text="Colombia", intent="inform",
                         entities=[{"entity": "country", "value": "CO"}],
                         slots={"language": "es", "country": "CO", "awaiting": "country",
                                "pending_intent": "ask_education"})
    texts, _, events = await run_action(a.ActionInform(), reply)
    answer = "\n".join(texts)
    assert "Colombia" in answer
    assert ES("This is information, not legal advice.") in answer
    assert slot_events(events)["pending_intent"] is None


async def test_trafficking_gets_country_numbers_first_then_offer(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="mi patron me quito el pasaporte",
                           intent="report_trafficking")
    texts, messages, events = await run_action(a.ActionSafety(), tracker)
    numbers = hotline_numbers(knowledge_base, "MX", ["emergency", "trafficking"])
    assert numbers, "Mexico must have emergency and trafficking numbers"
    for number in numbers:
        assert number in texts[0]
    assert messages[-1]["buttons"][0]["payload"] == "/affirm"
    assert slot_events(events)["awaiting"] == "human_offer"


async def test_misclassified_cry_for_help_still_gets_numbers(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish",
                           text="mi jefe me quito el pasaporte y no me deja salir de la casa",
                           intent="ask_work_rights")
    texts, _, _ = await run_action(a.ActionAnswerTopic(), tracker)
    emergency = hotline_numbers(knowledge_base, "MX", ["emergency"])
    assert emergency[0] in texts[0], "numbers come before the work-rights answer"


async def test_emergency_without_country_gives_numbers_and_asks(knowledge_base: str) -> None:
    tracker = make_tracker("new_conversation", text="ayuda me estan atacando",
                           intent="emergency", slots={"language": "es"})
    texts, _, events = await run_action(a.ActionSafety(), tracker)
    for code in ("MX", "CO", "ES"):
        assert hotline_numbers(knowledge_base, code, ["emergency"])[0] in texts[0]
    assert slot_events(events)["awaiting"] == "country,human_offer"
    assert slot_events(events)["pending_intent"] == "danger:emergency"


async def test_delete_asks_then_erases_handoffs(knowledge_base: str) -> None:
    from helpline import handoff

    engine = sa.create_engine(knowledge_base)
    tracker = make_tracker("in_mexico_spanish", text="quiero hablar con una persona",
                           intent="request_human")
    await run_action(a.ActionRequestHuman(), tracker)
    sender = tracker.sender_id
    assert any(r["sender_id"] == sender for r in handoff.open_requests(engine))

    texts, messages, events = await run_action(
        a.ActionDeleteMyData(), make_tracker("in_mexico_spanish", text="borra mis datos",
                                             intent="delete_my_data"))
    assert slot_events(events)["awaiting"] == "delete_confirm"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]

    confirm = make_tracker("in_mexico_spanish", text="si", intent="affirm",
                           slots={"awaiting": "delete_confirm"})
    _, _, events = await run_action(a.ActionAffirm(), confirm)
    assert slot_events(events)["erase_requested"] is True
    assert not any(r["sender_id"] == sender for r in handoff.open_requests(engine))


async def test_deny_keeps_data(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="no", intent="deny",
                           slots={"awaiting": "delete_confirm"})
    texts, _, events = await run_action(a.ActionDeny(), tracker)
    assert "erase_requested" not in slot_events(events)
    assert ES("All right, nothing was deleted.") in texts


async def test_privacy_states_retention_and_no_authorities(knowledge_base: str,
                                                           monkeypatch) -> None:
    from helpline.settings import get_settings

    monkeypatch.setenv("RETENTION_DAYS", "17")
    get_settings.cache_clear()
    texts, _, _ = await run_action(a.ActionPrivacy(), make_tracker(
        "in_mexico_spanish", text="le pasan mis datos a migracion?", intent="ask_privacy"))
    assert any("17" in t for t in texts)


async def test_channel_language_hint_sets_language(knowledge_base: str) -> None:
    tracker = make_tracker("new_conversation", text="/greet", intent="greet",
                           metadata={"language_hint": "pt-BR"})
    texts, _, events = await run_action(a.ActionGreet(), tracker)
    assert slot_events(events)["language"] == "pt"
    assert texts[0] == gettext_for("pt")(
        "Hello! I am the migrant helpline's assistant. I answer questions about your rights "
        "and the services that can help you, whatever your migration status. I never ask for "
        "your name or documents.")


async def test_explicit_language_beats_saved_slot(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="in english please",
                           intent="choose_language",
                           entities=[{"entity": "language", "value": "en"}])
    texts, _, events = await run_action(a.ActionChooseLanguage(), tracker)
    assert slot_events(events)["language"] == "en"
    assert "English" in texts[0]


async def test_consulate_asks_nationality_then_lists(knowledge_base: str) -> None:
    tracker = make_tracker("new_conversation", text="donde esta mi consulado",
                           intent="ask_consular_help", slots={"country": "CO", "language": "es"})
    texts, _, events = await run_action(a.ActionConsularHelp(), tracker)
    assert slot_events(events)["awaiting"] == "nationality"
    answer = make_tracker("new_conversation", text="Venezuela", intent="inform",
                          entities=[{"entity": "country", "value": "VE"}],
                          slots={"country": "VE", "language": "es", "awaiting": "nationality",
                                 "pending_intent": "ask_consular_help"})
    answer.events.insert(-1, {"event": "slot", "name": "country", "value": "CO"})
    texts, _, events = await run_action(a.ActionInform(), answer)
    slots = slot_events(events)
    assert slots["nationality"] == "VE" and slots["country"] == "CO"
    assert "Venezuela" in "\n".join(texts)


def test_dates_are_written_for_people() -> None:
    day = dt.date(2026, 11, 28)
    assert date_label(day, "es") == "28 de noviembre de 2026"
    assert date_label(day, "ht") == "28 novanm 2026"


async def test_danger_in_a_country_without_numbers_still_gets_numbers(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="me trajeron de venezuela y no me dejan salir",
                           intent="report_trafficking", slots={"country": "SR"})
    texts, _, events = await run_action(a.ActionSafety(), tracker)
    assert hotline_numbers(knowledge_base, "MX", ["emergency"])[0] in texts[0]
    assert slot_events(events)["awaiting"] == "country,human_offer"
