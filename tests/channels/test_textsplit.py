"""Splitting replies at a channel's limit: counted as the platform counts (UTF-16 code units for
Telegram), at the best boundary, never inside a character, nothing lost."""

from __future__ import annotations

import pytest

from channels.textsplit import split_text, utf16_len


def test_utf16_length_counts_astral_characters_twice() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("😀") == 2
    assert utf16_len("é😀ñ") == 4


def test_emoji_text_within_4096_characters_but_not_code_units_is_split() -> None:
    text = "😀" * 3000
    parts = split_text(text, 4096, utf16_len)
    assert len(parts) == 2
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == text


def test_boundaries_are_preferred_and_only_whitespace_at_cuts_is_dropped() -> None:
    first = "La primera parte de la respuesta, con un poco más de texto."
    text = first + "\n\n" + "palabra " * 30 + "\nfin."
    parts = split_text(text, 100)
    assert all(len(p) <= 100 for p in parts)
    assert parts[0] == first
    assert "".join("".join(parts).split()) == "".join(text.split())


@pytest.mark.parametrize("glued", ["👩‍👩‍👧", "🇲🇽", "e\u0301", "❤️"])
def test_a_hard_cut_never_splits_one_visible_character(glued: str) -> None:
    text = "x" * 9 + glued + "y" * 20
    for limit in range(10, 10 + len(glued)):
        parts = split_text(text, limit)
        assert "".join(parts) == text
        assert any(glued in p for p in parts), (limit, parts)


def test_short_text_is_one_part_and_empty_text_one_empty_part() -> None:
    assert split_text("hola", 4096, utf16_len) == ["hola"]
    assert split_text("", 10) == [""]
    with pytest.raises(ValueError):
        split_text("hola", 0)
