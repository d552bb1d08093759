"""What the gateway says on its own when Rasa cannot answer: an apology in the user's language
and, when the message looks dangerous, the emergency and hotline numbers for their country.

Danger is judged by `helpline.safety.danger` (the lexicon the actions use too); the numbers
come from the hotline snapshot (`helpline.safety.hotlines`) the action server writes, never
from the knowledge database. Without a snapshot, or for an unknown country, the answer is the
general advice and the question about the country.
"""

from __future__ import annotations

import logging
from typing import Any

from channels import texts
from helpline.i18n import gettext_for
from helpline.safety.danger import PURPOSES, DangerKind, danger_kind
from helpline.safety.hotlines import HotlineSnapshot

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
