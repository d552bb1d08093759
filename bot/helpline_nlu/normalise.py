"""Text normalisation for intent classification: folded text and language-neutral cue tokens.

`normalise` lower-cases, strips accents and squeezes letters typed three or more times.
`cue_tokens` adds a few tokens every language shares (message length, question mark).
"""

from __future__ import annotations

import re

from helpline_nlu.text import fold

_REPEATS = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower-case, accent-free text; "holaaaa" becomes "holaa"; runs of spaces become one."""
    folded = _REPEATS.sub(r"\1\1", fold(text or ""))
    return _SPACES.sub(" ", folded).strip()


def cue_tokens(text: str) -> list[str]:
    """Language-neutral tokens: the message length in words (1..6 or long) and a question mark."""
    words = len(_WORD.findall(text or ""))
    tokens = [f"len_{words}" if words <= 6 else "len_long"]
    if "?" in (text or ""):
        tokens.append("question")
    return tokens
