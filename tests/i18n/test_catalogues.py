"""Every fixed string is translated in every language, and no catalogue is stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from helpline import i18n
from helpline.paths import LOCALES_DIR

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "current.pot"
    original = i18n.POT_FILE
    i18n.POT_FILE = pot
    try:
        i18n.extract()
    finally:
        i18n.POT_FILE = original
    with pot.open("rb") as f:
        return {str(m.id) for m in read_po(f) if m.id}  # a plural's id is its (one, many)


def catalogue(lang: str):
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    assert path.exists(), f"missing catalogue {path}"
    with path.open("rb") as f:
        return read_po(f, locale=None)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return extracted_ids(tmp_path_factory.mktemp("pot"))


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_matches_the_code(lang: str, source_ids: set[str]) -> None:
    ids = {str(m.id) for m in catalogue(lang) if m.id}
    missing = source_ids - ids
    stale = ids - source_ids
    assert not missing, f"{lang}: run `make i18n-update`; not in catalogue: {sorted(missing)[:5]}"
    assert not stale, f"{lang}: strings no longer in the code: {sorted(stale)[:5]}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_string_is_translated(lang: str) -> None:
    untranslated, fuzzy, broken = [], [], []
    for message in catalogue(lang):
        if not message.id:
            continue
        if not message.string:
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
        if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
            broken.append(message.id)
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy[:3]}"
    assert not broken, f"{lang}: placeholders differ in {broken[:3]}"


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != "en"])
def test_translations_are_not_copies_of_english(lang: str) -> None:
    same = [m.id for m in catalogue(lang) if m.id and len(m.id) > 25 and m.string == m.id]
    assert not same, f"{lang}: left in English: {same[:3]}"


def test_translator_is_per_language_not_global() -> None:
    import builtins

    assert not hasattr(builtins, "_")
    assert i18n.translator("es") is not i18n.translator("fr")
