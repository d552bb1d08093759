"""Entity extraction for one message, independent of Rasa: `extract_entities(text)`."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from helpline_nlu.matching import LexiconMatcher, default_matcher
from helpline_nlu.resolve import resolve

ENTITY_NAMES = (
    "country",
    "nationality",
    "language",
    "migration_status",
    "situation",
    "service_category",
    "location",
    "subject",
)
"""The entities this package extracts: the conversation contract's, plus `location` (a city's
coordinates, or the candidates of a shared city name) and `subject` (whom the message is about:
a relation such as "brother", or "self")."""


def extract_entities(text: str, matcher: Optional[LexiconMatcher] = None) -> List[Dict[str, Any]]:
    """Normalised entities in `text`: dicts with entity, value, start, end, in text order."""
    if not text or not text.strip():
        return []
    matcher = matcher or default_matcher()
    doc = matcher.tokens(text)
    return resolve(text, doc, matcher.find(text, doc), matcher.lexicon)
