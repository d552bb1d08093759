"""The reply-language policy both the gateway and the actions call (`helpline.language.reply`)."""

from __future__ import annotations

import pytest

from helpline.language import reply_language


@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("hola", "en", "es"),
    ("hola, necesito ayuda", "en-US", "es"),
    ("olá, preciso de ajuda", "es-ES", "pt"),
    ("Bonjou, mwen bezwen èd", "fr-FR", "ht"),
    ("where can I see a doctor", "es", "en"),
])
def test_the_text_outranks_the_locale_hint(text: str, hint: str, expected: str) -> None:
    assert reply_language(text, hint=hint) == expected


def test_the_text_outranks_the_saved_language() -> None:
    assert reply_language("olá, preciso de ajuda", saved="es") == "pt"


@pytest.mark.parametrize("text", ["ok", "👍", "🙏"])
def test_a_short_or_ambiguous_message_keeps_the_saved_language(text: str) -> None:
    assert reply_language(text, saved="pt", hint="en") == "pt"


def test_the_hint_breaks_a_tie_when_nothing_is_saved() -> None:
    assert reply_language("ok", hint="fr-CA") == "fr"
    assert reply_language("🙏", hint="pt-BR") == "pt"
    assert reply_language("🙏") == "es"


def test_an_explicit_choice_sticks() -> None:
    assert reply_language("hola, necesito ayuda", chosen="en", saved="es", hint="es") == "en"
    assert reply_language("ok", chosen="ht") == "ht"
