"""Each helpline language's name in that language: what a language menu shows.

Not translated: each name is read by that language's speakers. The codes are the helpline's
languages (`knowledge.languages.LANGUAGES`, re-exported by `helpline.i18n`).
"""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {
    "es": "Español",
    "en": "English",
    "pt": "Português",
    "fr": "Français",
    "ht": "Kreyòl ayisyen",
}
