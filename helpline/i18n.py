"""Gettext catalogues per conversation language, and the Babel extract/update/compile steps.

Catalogues live in `locales/<lang>/LC_MESSAGES/helpline.po`. A translator is picked per
conversation with `translator(lang)`; nothing is installed into builtins, so two
conversations in different languages never share state.

Run `python -m helpline.i18n extract|update|compile|check`.
"""

from __future__ import annotations

import gettext
import sys
from collections.abc import Callable
from functools import cache

from helpline.paths import LOCALES_DIR, ROOT
from knowledge.languages import LANGUAGES, normalise_language  # one owner: the core's list

DOMAIN = "helpline"
DEFAULT_LANGUAGE = "es"
POT_FILE = LOCALES_DIR / f"{DOMAIN}.pot"
#: Where user-facing strings live. Not `knowledge/`: the core returns data, never wording.
EXTRACT_DIRS = ("actions", "channels", "helpline")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, at use)."""
    return message


@cache
def translator(lang: str | None) -> gettext.NullTranslations:
    """The compiled catalogue for `lang` (falls back to the source strings if none)."""
    code = normalise_language(lang) or DEFAULT_LANGUAGE
    return gettext.translation(DOMAIN, localedir=str(LOCALES_DIR), languages=[code], fallback=True)


def gettext_for(lang: str | None) -> Callable[[str], str]:
    """Shortcut: the `gettext` function of one language's catalogue."""
    return translator(lang).gettext


def _babel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    """Write the template from every `_()`/`N_()` call in the project's Python sources."""
    _babel(
        "extract", "--no-location", "--sort-output", "-k", "N_", "-k", "_",
        "--project", "migrant-helpline", "-o", str(POT_FILE),
        *[str(ROOT / d) for d in EXTRACT_DIRS if (ROOT / d).is_dir()],
    )


def update() -> None:
    """Merge the template into each language's catalogue, creating missing ones."""
    for lang in LANGUAGES:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _babel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-D", DOMAIN,
                   "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-l", lang)
        else:
            _babel("init", "-D", DOMAIN, "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-l", lang)


def compile_catalogues() -> None:
    """Compile every `.po` to `.mo` (the `.mo` files are build output, not committed)."""
    for lang in LANGUAGES:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.exists():
            _babel("compile", "-D", DOMAIN, "-d", str(LOCALES_DIR), "-l", lang)
    translator.cache_clear()


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_catalogues}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m helpline.i18n extract|update|compile", file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
