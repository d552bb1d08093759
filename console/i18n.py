"""The console's gettext catalogues (domain `console`) and their extract/update steps.

The console has its own domain beside the bot's `helpline` one, in the same `locales/` tree
(`locales/<lang>/LC_MESSAGES/console.po`), so its strings (Python and Jinja2 templates) never mix
with the conversation's. Catalogues are read from the `.po` files when the app is built (no
compile step to forget). Every screen is offered in es, en, pt and fr; the printable summary for
the person is also in Haitian Creole, so the catalogues hold all five languages.

Run `python -m console.i18n extract|update`.
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Callable
from pathlib import Path

from helpline.paths import LOCALES_DIR

DOMAIN = "console"
#: Languages of the console's own screens (the language switch).
UI_LANGUAGES: tuple[str, ...] = ("es", "en", "pt", "fr")
#: Languages of the printable summary handed to the person.
PRINT_LANGUAGES: tuple[str, ...] = ("es", "en", "pt", "fr", "ht")
LANGUAGES = PRINT_LANGUAGES
DEFAULT_LANGUAGE = "es"
LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français",
                  "ht": "Kreyòl ayisyen"}
PACKAGE_DIR = Path(__file__).resolve().parent
POT_FILE = LOCALES_DIR / f"{DOMAIN}.pot"
KEYWORDS: dict[str, None] = {"_": None, "N_": None, "gettext": None, "p": None}
#: Line width of the written catalogues (the project's line length).
PO_WIDTH = 100
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogues() -> dict[str, gettext.NullTranslations]:
    """Every language's catalogue, compiled in memory from its `.po` file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    out: dict[str, gettext.NullTranslations] = {}
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.exists():
            out[lang] = gettext.NullTranslations()
            continue
        with path.open("rb") as f:
            catalogue = read_po(f, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalogue)
        buf.seek(0)
        out[lang] = gettext.GNUTranslations(buf)
    return out


class Catalogues:
    """The loaded catalogues; `gettext(lang)` is the translate function of one language."""

    def __init__(self, catalogues: dict[str, gettext.NullTranslations] | None = None) -> None:
        self._by_lang = catalogues if catalogues is not None else load_catalogues()

    def gettext(self, lang: str) -> Callable[[str], str]:
        return self._by_lang.get(lang, self._by_lang.get("en", gettext.NullTranslations())
                                 ).gettext


def pick_language(candidates: list[str | None], allowed: tuple[str, ...] = UI_LANGUAGES) -> str:
    """The first of `candidates` (or of an Accept-Language header's tags) that is allowed."""
    for value in candidates:
        if not value:
            continue
        for part in value.split(","):
            code = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
            if code in allowed:
                return code
    return DEFAULT_LANGUAGE


def extract(pot: Path = POT_FILE) -> None:
    """Write the template from every `_()`/`N_()` in console/*.py and its templates."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    catalogue = Catalog(project="migrant-helpline console", domain=DOMAIN)
    for _file, _line, message, comments, context in extract_from_dir(
            str(PACKAGE_DIR), METHOD_MAP, keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        catalogue.add(message, None, auto_comments=comments, context=context)
    with pot.open("wb") as f:
        write_po(f, catalogue, omit_header=False, sort_output=True, no_location=True,
                 width=PO_WIDTH)


def update() -> None:
    """Merge the template into each language's catalogue, creating missing ones."""
    from babel.messages.pofile import read_po, write_po

    with POT_FILE.open("rb") as f:
        template = read_po(f)
    for lang in LANGUAGES:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as f:
                catalogue = read_po(f, locale=lang)
            catalogue.update(template, no_fuzzy_matching=True)
            catalogue.obsolete.clear()
        else:
            from babel.messages.catalog import Catalog

            catalogue = Catalog(locale=lang, domain=DOMAIN, project="migrant-helpline console")
            catalogue.update(template, no_fuzzy_matching=True)
        with path.open("wb") as f:
            write_po(f, catalogue, sort_output=True, no_location=True, width=PO_WIDTH)


def main(argv: list[str]) -> int:
    commands: dict[str, Callable[[], None]] = {"extract": extract, "update": update}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m console.i18n extract|update", file=sys.stderr)
        return 2
    commands[argv[0]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
