"""Split long replies at a channel's length limit, preferring paragraph, line, sentence and
word boundaries; never loses text and never cuts inside a character.

Limits are counted the way the platform counts them: `len` (code points) by default, or
`utf16_len` for Telegram, whose 4096 is in UTF-16 code units (an emoji outside the Basic
Multilingual Plane counts twice). A cut that has to fall inside a word also keeps a character
with the marks that follow it (accents, variation selectors, emoji joined by U+200D).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

_BREAKS = ("\n\n", "\n", ". ", " ")
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})


def utf16_len(text: str) -> int:
    """The length of `text` in UTF-16 code units (as Telegram counts message length)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _fitting(text: str, limit: int, size: Callable[[str], int]) -> int:
    """The largest n with size(text[:n]) <= limit (size grows with n)."""
    if size is len:
        return min(limit, len(text))
    low, high = 0, min(limit, len(text))
    while low < high:
        mid = (low + high + 1) // 2
        if size(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return low


def _glued(before: str, after: str) -> bool:
    """Whether a cut between these two characters would split one visible character."""
    return (after in _JOINERS or before == "\u200d" or unicodedata.combining(after) > 0
            or (0x1F1E6 <= ord(before) <= 0x1F1FF and 0x1F1E6 <= ord(after) <= 0x1F1FF))


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Parts of at most `limit` (as measured by `size`) whose concatenation (modulo the
    whitespace at the cut points) is `text`."""
    if limit < 1:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text
    while size(rest) > limit:
        fits = max(_fitting(rest, limit, size), 1)
        window = rest[:fits]
        cut = -1
        for mark in _BREAKS:
            at = window.rfind(mark)
            if at >= fits // 2:
                cut = at + len(mark)
                break
        if cut <= 0:
            cut = fits
            while cut > 1 and _glued(rest[cut - 1], rest[cut]):
                cut -= 1
            if cut == 1 and _glued(rest[0], rest[1]):
                cut = fits  # one "character" longer than the limit: cut it after all
        part = rest[:cut].rstrip()
        if part:
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts
