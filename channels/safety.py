"""What the gateway says on its own when Rasa cannot answer: an apology in the user's language
and, when the message looks dangerous, the emergency and hotline numbers for their country.

The danger lexicon, language detection and hotlines come from `helpline.danger`,
`helpline.language` and `knowledge`; they are imported lazily so the gateway starts even if a
knowledge base is not there yet (then it gives the general advice and asks for the country).
"""

from __future__ import annotations

import logging
from typing import Any

from channels import texts
from helpline.i18n import gettext_for

log = logging.getLogger(__name__)

#: Which hotline purposes to list for each kind of danger, most urgent first.
PURPOSES_FOR_DANGER: dict[str, list[str]] = {
    "emergency": ["emergency"],
    "trafficking": ["emergency", "trafficking"],
    "violence": ["emergency", "violence"],
}

def danger_of(text: str, lang: str | None) -> str | None:
    """"emergency", "trafficking", "violence" or None (the lexicon backs up the NLU model)."""
    try:
        from helpline.danger import danger_kind
    except ImportError:
        log.error("danger lexicon unavailable; treating the message as possibly dangerous")
        return "emergency"
    return danger_kind(text, lang)


class HotlineDirectory:
    """Reads hotlines from the knowledge base; opened on first use, shared by the gateway."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: Any = None

    def numbers(self, country: str, purposes: list[str]) -> list[tuple[str, str]]:
        """(name, number) pairs for a country; empty when unknown or unavailable."""
        try:
            from knowledge.api import hotlines
            from knowledge.db import make_engine, session_scope
        except ImportError:
            log.error("knowledge API unavailable; giving general emergency advice")
            return []
        try:
            if self._engine is None:
                self._engine = make_engine(self.database_url)
            with session_scope(self._engine, actor="gateway") as session:
                found = hotlines(session, country, purposes=purposes)
                return [(h.name, h.number) for h in found]
        except Exception:
            log.exception("hotline lookup failed")
            return []


def danger_lines(
    text: str, lang: str, country: str | None, directory: HotlineDirectory
) -> list[str]:
    """Lines with numbers to call when `text` looks dangerous, else an empty list."""
    kind = danger_of(text, lang)
    if kind is None:
        return []
    _ = gettext_for(lang)
    numbers = directory.numbers(country, PURPOSES_FOR_DANGER.get(kind, ["emergency"])) if (
        country
    ) else []
    if not numbers:
        return [_(texts.DANGER_UNKNOWN_COUNTRY)]
    return [_(texts.DANGER_NUMBERS), *(f"{name}: {number}" for name, number in numbers)]


def outage_replies(
    text: str, lang: str, country: str | None, directory: HotlineDirectory,
    notice: str = texts.APOLOGY,
) -> list[dict[str, Any]]:
    """The gateway's own answer while Rasa or the action server is down: the numbers first
    when the message looks dangerous, then `notice` (the apology, or "still waiting")."""
    _ = gettext_for(lang)
    lines = danger_lines(text, lang, country, directory)
    replies: list[dict[str, Any]] = []
    if lines:
        replies.append({"text": "\n".join(lines)})
    replies.append({"text": _(notice)})
    return replies
