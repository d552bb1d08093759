"""Danger mode lasts: after a cry for help, the numbers stay in front and the fear asked about
is answered, never the menu, until goodbye or a quiet period."""

from __future__ import annotations

import actions.actions as a
from helpline.i18n import gettext_for
from tests.actions.conftest import make_tracker, run_action, slot_events

MENU_ES = gettext_for("es")("What would you like to know?")
SORRY_ES = gettext_for("es")("Sorry, I did not understand. Choose a topic or write your "
                             "question in other words:")


async def _after_trafficking(text: str, intent: str, **kw):
    first = make_tracker("in_mexico_spanish", text="mi patrón me quitó el pasaporte",
                         intent="report_trafficking")
    _, _, events = await run_action(a.ActionSafety(), first)
    assert slot_events(events)["danger"] == "trafficking"
    return make_tracker("in_mexico_spanish", text=text, intent=intent,
                        slots={"danger": "trafficking", **kw.pop("slots", {})}, **kw)


async def test_a_follow_up_keeps_the_numbers_first_and_answers_the_fear(
        knowledge_base: str) -> None:
    follow = await _after_trafficking("si llamo a la policía me deportan?", "ask_privacy")
    texts, _, _ = await run_action(a.ActionPrivacy(), follow)
    assert "911" in texts[0] and "800" in texts[0]  # emergency and the specialised line
    joined = "\n".join(texts)
    assert "México" in joined
    assert MENU_ES not in joined and SORRY_ES not in joined


async def test_a_plain_statement_in_danger_mode_gets_no_menu(knowledge_base: str) -> None:
    follow = await _after_trafficking("somos 12 y somos haitianos", "inform",
                                      entities=[{"entity": "nationality", "value": "HT"}])
    texts, _, _ = await run_action(a.ActionInform(), follow)
    assert "911" in texts[0]
    assert MENU_ES not in "\n".join(texts)
    menu = await _after_trafficking("???", "nlu_fallback")
    texts, _, _ = await run_action(a.ActionMenu(), menu)
    assert "911" in texts[0] and SORRY_ES not in "\n".join(texts)


async def test_goodbye_ends_danger_mode(knowledge_base: str) -> None:
    bye = await _after_trafficking("gracias, adiós", "goodbye")
    texts, _, events = await run_action(a.ActionGoodbye(), bye)
    assert slot_events(events)["danger"] is None
    assert "911" not in "\n".join(texts)


async def test_a_quiet_period_ends_danger_mode(knowledge_base: str) -> None:
    later = make_tracker("in_mexico_spanish", text="hola", intent="greet",
                         slots={"danger": "trafficking"})
    later.events[-1]["timestamp"] = later.events[-2]["timestamp"] + 3 * 3600  # 3 h later
    previous_user = [e for e in later.events if e["event"] == "user"][-2]
    later.events[-1]["timestamp"] = previous_user["timestamp"] + 3 * 3600
    texts, _, events = await run_action(a.ActionGreet(), later)
    assert slot_events(events).get("danger", "unset") is None
    assert "911" not in texts[0]


async def test_an_emergency_in_violence_mode_keeps_the_violence_line(
        knowledge_base: str) -> None:
    # "he says if I call the police they will deport me": danger words in a question asked
    # after a violence message are a follow-up, not a new alarm that drops the women's line.
    follow = make_tracker("in_us_english", text="he says if i call the police they will deport me",
                          intent="ask_detention_rights", slots={"danger": "violence"})
    texts, _, events = await run_action(a.ActionAnswerTopic(), follow)
    assert "911" in texts[0] and "1-800-799-7233" in texts[0]
    assert slot_events(events).get("danger", "violence") == "violence"
    joined = "\n".join(texts)
    assert "If you are detained" not in joined  # the fear is answered, not the detention block
    assert "What protects you" in joined
    alarm = make_tracker("in_us_english", text="he has a knife, help", intent="emergency",
                         slots={"danger": "violence"})
    texts, _, events = await run_action(a.ActionSafety(), alarm)
    assert "911" in texts[0] and "1-800-799-7233" in texts[0]
    assert slot_events(events).get("danger", "violence") == "violence"


async def test_where_do_i_go_in_danger_mode_gives_places_with_contacts(
        knowledge_base: str) -> None:
    follow = await _after_trafficking("¿a dónde voy?", "ask_privacy")
    texts, _, _ = await run_action(a.ActionPrivacy(), follow)
    places = next(t for t in texts if t.startswith(gettext_for("es")("Places that help:")))
    assert "📞" in places or "🏠" in places
    assert "Instituto Nacional de Migración" not in "\n".join(texts)


async def test_a_death_threat_starts_danger_mode(knowledge_base: str) -> None:
    threat = make_tracker("in_mexico_spanish", text="la mara me amenazó de muerte",
                          intent="ask_asylum")
    texts, _, events = await run_action(a.ActionAnswerTopic(), threat)
    assert slot_events(events)["danger"] == "violence"
    assert "911" in texts[0]


async def test_danger_mode_without_a_country_still_puts_numbers_first(
        knowledge_base: str) -> None:
    follow = make_tracker("new_conversation", text="si llamo al 911 me piden papeles?",
                          intent="ask_legal_status",
                          slots={"danger": "emergency", "awaiting": "country",
                                 "pending_intent": "danger:emergency"})
    texts, _, _ = await run_action(a.ActionAnswerTopic(), follow)
    assert texts[0].startswith(gettext_for("es")("Emergency numbers:"))
    assert "911" in texts[0] and "112" in texts[0] and "190" in texts[0]
    assert len(texts[0].splitlines()) < 12  # one line per number, not per country
