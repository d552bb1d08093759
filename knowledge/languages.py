"""The languages the helpline speaks (ISO 639-1) and the one normalisation of a language code.

Plain data owned here because the rules hold their text in exactly these languages;
`helpline.i18n` (catalogues), the actions and the gateway import the list from this module.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("es", "en", "pt", "fr", "ht")
#: The language a rule's text falls back to when it has none in the asked language.
FALLBACK_LANGUAGE = "en"


def normalise_language(code: str | None) -> str | None:
    """Map `pt-BR`, `fr_CA`, `ES` … to a supported ISO 639-1 code, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None
