"""What the gateway says on its own when Rasa cannot answer: an apology in the user's language
and, when the message looks dangerous, the emergency and hotline numbers for their country.

Danger is judged by `helpline.safety.danger` (the lexicon the actions use too); the numbers
come from the hotline snapshot (`helpline.safety.hotlines`) the action server writes, never
from the knowledge database. Without a snapshot, or for an unknown country, the answer is the
general advice and the question about the country.

The same snapshot gives the numbers of the "still waiting" notice a person gets when nobody
from the team has answered their request: their country's emergency and danger lines, or, when
the country is not known, every country's emergency numbers (the digest the actions give too).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from babel import Locale

from channels import texts
from helpline.i18n import gettext_for
from helpline.safety.danger import PURPOSES, DangerKind, danger_kind
from helpline.safety.hotlines import SNAPSHOT_PURPOSES, HotlineSnapshot

log = logging.getLogger(__name__)


def danger_of(text: str, lang: str | None) -> DangerKind | None:
    """"emergency", "trafficking", "violence" or None (the lexicon backs up the NLU model)."""
    return danger_kind(text, lang)


def danger_lines(
    text: str, lang: str, country: str | None, snapshot: HotlineSnapshot
) -> list[str]:
    """Lines with numbers to call when `text` looks dangerous, else an empty list."""
    kind = danger_of(text, lang)
    if kind is None:
        return []
    _ = gettext_for(lang)
    numbers = snapshot.numbers(country, PURPOSES[kind]) if country else []
    if not numbers:
        return [_(texts.DANGER_UNKNOWN_COUNTRY)]
    return [_(texts.DANGER_NUMBERS),
            *(f"{name}: {number}" if name else number for name, number in numbers)]


def outage_replies(
    text: str, lang: str, country: str | None, snapshot: HotlineSnapshot,
    notice: str = texts.APOLOGY,
) -> list[dict[str, Any]]:
    """The gateway's own answer while Rasa or the action server is down: the numbers first
    when the message looks dangerous, then `notice` (the apology, or "still waiting")."""
    _ = gettext_for(lang)
    lines = danger_lines(text, lang, country, snapshot)
    replies: list[dict[str, Any]] = []
    if lines:
        replies.append({"text": "\n".join(lines)})
    replies.append({"text": _(notice)})
    return replies


@cache
def _country_names(lang: str) -> dict[str, str]:
    """ISO alpha-2 code -> country name in `lang` (CLDR; French names for Kreyòl, which has
    none yet)."""
    english = Locale("en").territories
    local = Locale.parse("fr" if lang == "ht" else lang).territories
    return {code: local.get(code) or name for code, name in english.items()
            if len(code) == 2 and code.isalpha()}


def emergency_digest(lang: str, snapshot: HotlineSnapshot) -> list[str]:
    """One line per emergency number in the snapshot with the countries it serves
    ("📞 911: Honduras, México"); empty without a snapshot."""
    names = _country_names(lang)
    by_number: dict[str, list[str]] = {}
    for code in names:
        numbers = " / ".join(number for _name, number in snapshot.numbers(code, ["emergency"]))
        if numbers:
            by_number.setdefault(numbers, []).append(names[code])
    return [f"📞 {number}: {', '.join(sorted(countries))}"
            for number, countries in by_number.items()]


def waiting_notice(lang: str, country: str | None, snapshot: HotlineSnapshot) -> str:
    """The "still waiting" notice in `lang`, with the numbers to call in `country` (every
    country's emergency numbers when it is unknown or has none in the snapshot)."""
    _ = gettext_for(lang)
    numbers = snapshot.numbers(country, SNAPSHOT_PURPOSES) if country else []
    lines = [f"{name}: {number}" if name else number for name, number in numbers]
    if not lines:
        lines = emergency_digest(lang, snapshot)
    if not lines:
        return _(texts.STILL_WAITING_FOR_PERSON) + "\n\n" + _(texts.DANGER_UNKNOWN_COUNTRY)
    return "\n".join([_(texts.STILL_WAITING_FOR_PERSON), "", _(texts.DANGER_NUMBERS), *lines])
