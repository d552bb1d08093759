"""The messages one action run sends, and the formatting shared by every answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from babel.dates import format_date
from rasa_sdk.executor import CollectingDispatcher

# Babel's CLDR data has no Haitian Creole country names or month names yet; these are kept
# here as data until it does (common Kreyòl spellings).
HT_COUNTRIES = {
    "AR": "Ajantin", "BO": "Bolivi", "BR": "Brezil", "CL": "Chili", "CO": "Kolonbi",
    "CR": "Kosta Rika", "CU": "Kiba", "DO": "Repiblik Dominikèn", "EC": "Ekwatè",
    "ES": "Espay", "GT": "Gwatemala", "HN": "Ondiras", "HT": "Ayiti", "MX": "Meksik",
    "NI": "Nikaragwa", "PE": "Pewou", "SV": "Salvadò", "US": "Etazini", "UY": "Irigwe",
    "VE": "Venezyela", "PA": "Panama", "PY": "Paragwe", "CA": "Kanada",
}
HT_MONTHS = (
    "janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb",
    "novanm", "desanm",
)


def country_label(code: str | None, lang: str) -> str:
    """A country's name in the conversation language (ISO code if unknown)."""
    if not code:
        return ""
    code = code.upper()
    if lang == "ht":
        return HT_COUNTRIES.get(code) or Locale.parse("fr").territories.get(code, code)
    return Locale.parse(lang).territories.get(code, code)


def date_label(day: dt.date | None, lang: str) -> str:
    """A date written out for people (28 de noviembre de 2026)."""
    if day is None:
        return ""
    if lang == "ht":
        return f"{day.day} {HT_MONTHS[day.month - 1]} {day.year}"
    return format_date(day, format="long", locale=lang)


@dataclass
class Reply:
    """Messages queued during one action run, sent in order at the end."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str, buttons: list[dict[str, str]] | None = None) -> None:
        message: dict[str, Any] = {"text": text.strip()}
        if buttons:
            message["buttons"] = buttons
        self.messages.append(message)

    @property
    def text(self) -> str:
        return "\n\n".join(m["text"] for m in self.messages)

    def send(self, dispatcher: CollectingDispatcher) -> None:
        for message in self.messages:
            dispatcher.utter_message(**message)
