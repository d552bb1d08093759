"""A typed slot value no answer can use (`/inform{"country":"zz"}`) is refused, not echoed."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import actions as a
from helpline.i18n import gettext_for
from tests.actions.conftest import make_tracker, run_action, slot_events

NOT_RECOGNISED = "I did not recognise the country. Could you write its name?"


def typed_inform(fixture: str, entity: str, value: Any, language: str) -> Tracker:
    """The tracker Rasa sends after `/inform{"<entity>":"<value>"}`: entity and slot set."""
    tracker = make_tracker(fixture, text=f'/inform{{"{entity}":"{value}"}}', intent="inform",
                           entities=[{"entity": entity, "value": value}],
                           slots={entity: value, "language": language})
    tracker.events.append({"event": "slot", "name": entity, "value": value})
    return tracker


@pytest.mark.parametrize("language", ["es", "en", "pt", "fr", "ht"])
async def test_unknown_country_code_is_refused_in_the_users_language(language: str) -> None:
    _ = gettext_for(language)
    texts, _messages, events = await run_action(
        a.ActionInform(), typed_inform("new_conversation", "country", "zz", language))
    assert texts == [_(NOT_RECOGNISED)]
    assert slot_events(events)["country"] is None


async def test_refused_country_keeps_the_last_valid_one() -> None:
    es = gettext_for("es")
    texts, _messages, events = await run_action(
        a.ActionInform(), typed_inform("in_mexico_spanish", "nationality", "QQ", "es"))
    assert texts == [es(NOT_RECOGNISED)]
    assert slot_events(events)["nationality"] == "HN"
    assert not any("desconocid" in t.lower() for t in texts)


async def test_invalid_status_is_refused_and_the_slot_restored() -> None:
    es = gettext_for("es")
    texts, messages, events = await run_action(
        a.ActionInform(), typed_inform("in_mexico_spanish", "migration_status", "alien", "es"))
    assert texts == [es("Sorry, I did not understand. Choose a topic or write your question in "
                        "other words:")]
    assert messages[0].get("buttons")
    assert slot_events(events)["migration_status"] is None


async def test_next_question_after_a_bad_country_asks_for_the_country() -> None:
    es = gettext_for("es")
    tracker = make_tracker("new_conversation", text="puedo ir al hospital?", intent="ask_health",
                           slots={"language": "es", "country": "ZZ"})
    tracker.events.insert(-1, {"event": "slot", "name": "country", "value": "ZZ"})
    texts, _messages, events = await run_action(a.ActionAnswerTopic(), tracker)
    assert es("Which country are you in now? I ask only so I can tell you the rules and "
              "services that apply there.") in texts
    assert slot_events(events)["country"] is None


async def test_danger_with_a_bad_country_still_gets_numbers_first() -> None:
    tracker = typed_inform("new_conversation", "country", "zz", "es")
    tracker.latest_message["text"] = "me quieren matar"
    tracker.latest_message["intent"] = {"name": "emergency", "confidence": 0.9}
    texts, _messages, events = await run_action(a.ActionSafety(), tracker)
    assert texts and any(ch.isdigit() for ch in texts[0]), texts
    assert not any("desconocid" in t.lower() for t in texts)
    assert slot_events(events)["country"] is None
