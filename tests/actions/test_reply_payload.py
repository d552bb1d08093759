"""What the actions tell the gateway with every answer, and the reply language they choose."""

from __future__ import annotations

from typing import Any

import pytest

import actions.actions as a
from tests.actions.conftest import make_tracker, run_action, run_action_raw, slot_events


def payload(messages: list[dict[str, Any]]) -> dict[str, Any]:
    found = [m["custom"]["helpline"] for m in messages
             if isinstance(m.get("custom"), dict) and "helpline" in m["custom"]]
    assert len(found) == 1, messages
    return found[0]


async def test_every_answer_tells_the_gateway_language_and_country(knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="hola", intent="greet")
    messages, _ = await run_action_raw(a.ActionGreet(), tracker)
    assert payload(messages) == {"language": "es", "country": "MX"}


async def test_only_the_confirmed_erasure_tells_the_gateway_to_forget(knowledge_base: str) -> None:
    ask = make_tracker("in_mexico_spanish", text="borra mis datos", intent="delete_my_data")
    messages, _ = await run_action_raw(a.ActionDeleteMyData(), ask)
    assert "erase" not in payload(messages)
    no = make_tracker("in_mexico_spanish", text="no", intent="deny",
                      slots={"awaiting": "delete_confirm"})
    messages, _ = await run_action_raw(a.ActionDeny(), no)
    assert "erase" not in payload(messages)
    yes = make_tracker("in_mexico_spanish", text="sí", intent="affirm",
                       slots={"awaiting": "delete_confirm"})
    messages, _ = await run_action_raw(a.ActionAffirm(), yes)
    assert payload(messages)["erase"] is True


@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("hola, necesito ayuda", "en-US", "es"),
    ("olá, preciso de ajuda", "es-ES", "pt"),
    ("Bonjou, mwen bezwen èd", "fr-FR", "ht"),
])
async def test_the_language_written_outranks_the_locale(knowledge_base: str, text: str,
                                                        hint: str, expected: str) -> None:
    tracker = make_tracker("new_conversation", text=text, intent="greet",
                           metadata={"language_hint": hint})
    _, _, events = await run_action(a.ActionGreet(), tracker)
    assert slot_events(events)["language"] == expected


async def test_ok_keeps_the_language_and_a_choice_sticks(knowledge_base: str) -> None:
    ok = make_tracker("new_conversation", text="ok", intent="affirm",
                      slots={"language": "pt"}, metadata={"language_hint": "en"})
    _, _, events = await run_action(a.ActionAffirm(), ok)
    assert "language" not in slot_events(events)
    chose = make_tracker("in_mexico_spanish", text="hola, necesito ayuda", intent="greet",
                         slots={"language": "en"})
    chose.events.insert(-1, {"event": "user", "text": "/choose_language",
                             "parse_data": {"intent": {"name": "choose_language"},
                                            "entities": [{"entity": "language",
                                                          "value": "en"}]}})
    _, _, events = await run_action(a.ActionGreet(), chose)
    assert "language" not in slot_events(events)  # stays English
