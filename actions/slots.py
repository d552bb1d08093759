"""Slot values the actions accept; anything else a user typed (`/inform{"country":"zz"}`): refused.

Rasa fills slots from entities as given, so a typed payload can set `country` to `zz` (CLDR's
"Unknown Region") and every later answer would look up a country that does not exist. Before an
action answers, `reject_invalid` drops such entities from the message, puts each slot back to
its last valid value, and says which slots the user's own message got wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from babel import Locale
from rasa_sdk.events import SlotSet

from actions.context import RELATIONS, SELF, SITUATIONS, STATUSES, Context
from actions.replies import Reply
from helpline.i18n import LANGUAGES

SERVICE_CATEGORIES = {"health", "education", "legal_aid", "shelter", "food", "consulate",
                      "hotline", "psychosocial", "work", "other"}
#: CLDR codes that are not a country a person can be in or from.
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes of real countries and territories."""
    codes = (str(code) for code in Locale.parse("en").territories)
    return frozenset(code for code in codes
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def _country(value: Any) -> bool:
    return isinstance(value, str) and value.upper() in countries()


def _one_of(allowed: set[str] | frozenset[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and value in allowed


def _situations(value: Any) -> bool:
    if isinstance(value, str):
        return value in SITUATIONS
    return isinstance(value, list) and all(isinstance(v, str) and v in SITUATIONS for v in value)


def _point(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    lat, lon = value.get("lat"), value.get("lon")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        return False
    return bool(-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180)  # type: ignore[arg-type]


def _location(value: Any) -> bool:
    """{lat, lon[, city, country]} or a shared city name's {city, candidates: [points]}."""
    if isinstance(value, dict) and "candidates" in value:
        candidates = value["candidates"]
        return isinstance(candidates, list) and all(_point(c) for c in candidates)
    return _point(value)


VALIDATORS: dict[str, Callable[[Any], bool]] = {
    "country": _country,
    "nationality": _country,
    "language": _one_of(set(LANGUAGES)),
    "migration_status": _one_of(STATUSES),
    "situation": _situations,
    "service_category": _one_of(SERVICE_CATEGORIES),
    "subject": _one_of(RELATIONS | {SELF}),
    "location": _location,
}


def _last_valid(ctx: Context, name: str) -> Any:
    check = VALIDATORS[name]
    value = None
    for event in ctx.tracker.events:
        if event.get("event") == "slot" and event.get("name") == name:
            candidate = event.get("value")
            if candidate is None or check(candidate):
                value = candidate
    return value


def reject_invalid(ctx: Context) -> list[str]:
    """Undo invalid slot values; returns the slots this message's entities got wrong."""
    message = ctx.tracker.latest_message or {}
    entities = message.get("entities") or []
    rejected = [e.get("entity") for e in entities
                if e.get("entity") in VALIDATORS and not VALIDATORS[e["entity"]](e.get("value"))]
    if rejected:
        message["entities"] = [e for e in entities if e.get("entity") not in rejected
                               or VALIDATORS[e["entity"]](e.get("value"))]
    for name, check in VALIDATORS.items():
        value = ctx.tracker.get_slot(name)
        if value is not None and not check(value):
            previous = _last_valid(ctx, name)
            ctx.tracker.slots[name] = previous
            ctx.events.append(SlotSet(name, previous))
    return [str(name) for name in dict.fromkeys(rejected)]


def refuse(ctx: Context, reply: Reply, rejected: list[str]) -> None:
    """Say, in the user's language, that a value they gave was not understood."""
    _ = ctx._
    if {"country", "nationality"} & set(rejected):
        reply.say(_("I did not recognise the country. Could you write its name?"))
        return
    from actions.conversation import menu_buttons

    reply.say(_("Sorry, I did not understand. Choose a topic or write your question in other "
                "words:"), buttons=menu_buttons(ctx))
