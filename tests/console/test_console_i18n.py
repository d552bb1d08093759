"""The console's catalogues: every string of the code is in every catalogue, translated in
es, en, pt and fr, and every string of the printable summary also in Kreyòl."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from console import i18n

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
#: Sources whose strings reach the printable summary (so they exist in all five languages).
PRINT_SOURCES = ("templates/print.html", "labels.py")


def _extracted() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(i18n.PACKAGE_DIR), i18n.METHOD_MAP,
            keywords=i18n.KEYWORDS):
        singular = message if isinstance(message, str) else message[0]
        found.setdefault(singular, set()).add(filename.replace("\\", "/"))
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    return _extracted()


def catalogue(lang: str):
    with i18n.po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_matches_the_code(lang: str, extracted: dict[str, set[str]]) -> None:
    ids = {m.id for m in catalogue(lang) if m.id}
    missing = set(extracted) - ids
    stale = ids - set(extracted)
    assert not missing, f"{lang}: run `python -m console.i18n extract` and `update`: " \
                        f"{sorted(missing)[:5]}"
    assert not stale, f"{lang}: no longer in the code: {sorted(stale)[:5]}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_string_is_translated(lang: str, extracted: dict[str, set[str]]) -> None:
    needed = {m for m, files in extracted.items()
              if lang in i18n.UI_LANGUAGES or files & set(PRINT_SOURCES)}
    untranslated, broken = [], []
    for m in catalogue(lang):
        if not m.id:
            continue
        if m.id in needed and not m.string:
            untranslated.append(m.id)
        if m.string and sorted(PLACEHOLDER.findall(m.id)) != sorted(
                PLACEHOLDER.findall(m.string)):
            broken.append(m.id)
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: {untranslated[:3]}"
    assert not broken, f"{lang}: placeholders differ in {broken[:3]}"


@pytest.mark.parametrize("lang", [c for c in i18n.LANGUAGES if c != "en"])
def test_translations_are_not_english(lang: str) -> None:
    same = [m.id for m in catalogue(lang) if m.id and len(m.id) > 25 and m.string == m.id]
    assert not same, f"{lang}: left in English: {same[:3]}"


def test_pages_are_translated_per_request() -> None:
    cats = i18n.Catalogues()
    assert cats.gettext("es")("Sign in") == "Iniciar sesión"
    assert cats.gettext("fr")("Sign in") == "Se connecter"
    assert cats.gettext("ht")("Your rights") == "Dwa ou"
