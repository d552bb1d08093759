"""Names that cross process and environment boundaries: between the actions, the gateway and the
Rasa side (`bot/`, its own Python 3.10 environment, which cannot import this project).

The Rasa side holds its own copies of these names (`bot/domain.yml`, `bot/helpline_nlu/`);
`tests/contracts/test_contracts.py` checks every copy against this module, so one changed on
either side fails there instead of silently in production.

Every answer of the actions carries one custom message `{"helpline": {...}}`: the reply
language (`language`), the person's country (`country`, so the gateway's outage answers give
that country's numbers), and `erase: true` once the person has confirmed "delete my data" (the
gateway then forgets the sender). The gateway strips it before anything reaches a channel.
"""

from __future__ import annotations

import json

from helpline.i18n import LANGUAGES

__all__ = [
    "CHOOSE_LANGUAGE_INTENT", "DELETE_TEXT", "ERASE_SLOT", "GATEWAY_INTENTS",
    "HELPLINE_PAYLOAD_KEY", "LANGUAGES", "LANGUAGE_ENTITY", "LOCATION_TEXT", "START_TEXT",
    "TRACKER_STORE_CLASS", "choose_language_text", "helpline_payload", "intent_text",
]

HELPLINE_PAYLOAD_KEY = "helpline"

#: The slot whose true value makes the tracker store erase the whole conversation instead of
#: saving it (`bot/domain.yml`, `helpline_nlu.tracker_store.ERASE_SLOT`).
ERASE_SLOT = "erase_requested"

#: The tracker store Rasa loads (`tracker_store.type` of its endpoints).
TRACKER_STORE_CLASS = "helpline_nlu.tracker_store.ErasingSQLTrackerStore"

#: The intent and entity that select a conversation language.
CHOOSE_LANGUAGE_INTENT = "choose_language"
LANGUAGE_ENTITY = "language"

#: Intents the gateway sends to Rasa as text (`/intent`), never through the NLU model.
GATEWAY_INTENTS: tuple[str, ...] = ("greet", "inform", "delete_my_data", CHOOSE_LANGUAGE_INTENT)


def intent_text(intent: str, entities: dict[str, str] | None = None) -> str:
    """The text that triggers `intent` directly in Rasa (`/intent{"entity": "value"}`)."""
    if intent not in GATEWAY_INTENTS:
        raise ValueError(f"{intent!r} is not an intent the gateway sends")
    return "/" + intent + (json.dumps(entities) if entities else "")


#: A channel's "start" command (Telegram `/start`).
START_TEXT = intent_text("greet")
#: A location message: the coordinates travel as metadata `{"location": {"lat", "lon"}}`.
LOCATION_TEXT = intent_text("inform")
#: A request to erase everything (Telegram `/delete`): the bot asks to confirm first.
DELETE_TEXT = intent_text("delete_my_data")


def choose_language_text(lang: str) -> str:
    """The Rasa message that selects a language (intent with its entity)."""
    return intent_text(CHOOSE_LANGUAGE_INTENT, {LANGUAGE_ENTITY: lang})


def helpline_payload(language: str, country: str | None, erase: bool = False) -> dict[str, object]:
    """The custom message the actions append to every answer."""
    body: dict[str, object] = {"language": language}
    if country:
        body["country"] = country
    if erase:
        body["erase"] = True
    return {HELPLINE_PAYLOAD_KEY: body}
