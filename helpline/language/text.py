"""Accent folding and word splitting: the one text normalisation of the main environment.

`fold` is what the language detector, the danger lexicon, the actions' follow-up matching and
the conversation checks compare text with. The Rasa environment cannot import this project:
its length-preserving fold (`bot/helpline_nlu/text.py`) and the core's (`knowledge.search`, which
imports nothing of the rest) are kept apart and `tests/language/test_text.py` checks that they
agree with this one.
"""

from __future__ import annotations

import re
import unicodedata

_LETTERS = re.compile(r"[^\W\d_]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def strip_accents(text: str) -> str:
    """Case-folded text without accents or other combining marks (any script)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, strip accents and other combining marks, squeeze letters repeated 3+ times.

    Works for any script: only combining marks are removed, so Arabic letters stay letters.
    """
    return _REPEATS.sub(r"\1", strip_accents(text))


def words(text: str) -> list[str]:
    """The letter-only words of `text` after folding (digits, punctuation, emoji dropped)."""
    return _LETTERS.findall(fold(text))
