"""Length-preserving text folding (case, accents, apostrophes) and a phonetic key for names.

Every function that returns text keeps one output character per input character, so
character offsets found in the folded text are valid offsets into the user's message.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_APOSTROPHES = frozenset("'\u2019\u2018`\u00b4\u02bc")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _APOSTROPHES:
        return " "
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def _lower_char(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char  # "İ".lower() has two characters


def unify_apostrophes(text: str) -> str:
    """Lower-case text with every apostrophe turned into a space (accents kept)."""
    return "".join(" " if c in _APOSTROPHES else _lower_char(c) for c in text)


def fold(text: str) -> str:
    """Lower-case, accent-free text with apostrophes turned into spaces, same length."""
    return "".join(_lower_char(_fold_char(c)) for c in text)


_DIGRAPHS = (
    ("ll", "y"),
    ("ch", "\u00a7"),  # keep 'ch' apart from 'c' and 'h'
    ("qu", "k"),
    ("ph", "f"),
    ("nb", "mb"),
    ("nv", "mb"),
)


@lru_cache(maxsize=65536)
def phonetic_key(token: str) -> str:
    """A coarse spelling-insensitive key for names: b/v, s/z/soft c, c/k/qu, silent h, y/i.

    Used only for country names, demonyms and language names, so that "Venesuela",
    "Benezuela", "Colonbia", "Brazil", "Aiti" or "Paraguai" meet their standard spelling.
    """
    word = fold(token).strip()
    if not word or any(c.isdigit() for c in word):
        return word
    for old, new in _DIGRAPHS:
        word = word.replace(old, new)
    out = []
    for i, c in enumerate(word):
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if c == "c":
            out.append("s" if nxt in ("e", "i", "y") else "k")
        elif c == "z":
            out.append("s")
        elif c == "v":
            out.append("b")
        elif c == "j":
            out.append("x")
        elif c == "w":
            out.append("u")
        elif c == "y":
            out.append("i")
        elif c == "h":
            continue
        else:
            out.append(c)
    collapsed: list[str] = []
    for c in out:
        if not collapsed or collapsed[-1] != c:
            collapsed.append(c)
    return "".join(collapsed)


def fold_keep_case(text: str) -> str:
    """Accent-free text with apostrophes turned into spaces, case kept, same length."""
    return "".join(_fold_char(c) for c in text)
