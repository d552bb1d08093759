"""Checks on the entity lexicons (data files) and the text folding they rely on."""

from __future__ import annotations

import pytest
from babel import Locale

from helpline_nlu.lexicon import (
    CATEGORY_FILES,
    LANGUAGES,
    PHONETIC,
    load_lexicon,
    load_yaml,
)
from helpline_nlu.text import fold, fold_keep_case, phonetic_key, unify_apostrophes

ISO_CODES = {c for c in Locale.parse("en").territories
             if isinstance(c, str) and len(c) == 2 and c.isalpha()}

CONTRACT_VALUES = {
    "migration_status": {"regular", "irregular", "asylum_seeker", "refugee", "unknown"},
    "situation": {
        "pregnant",
        "minor",
        "unaccompanied_minor",
        "trafficking_victim",
        "violence_victim",
        "detained",
        "returnee",
        "disability",
    },
    "service_category": {
        "health",
        "education",
        "legal_aid",
        "shelter",
        "food",
        "consulate",
        "hotline",
        "psychosocial",
        "work",
        "other",
    },
    "language": set(LANGUAGES),
}


def test_lexicon_loads_and_every_pattern_maps_to_contract_values() -> None:
    lexicon = load_lexicon()
    assert len(lexicon.patterns) > 4000
    for pattern in lexicon.patterns:
        if pattern.label in CONTRACT_VALUES:
            assert pattern.value in CONTRACT_VALUES[pattern.label], pattern
        if pattern.label in ("country", "demonym"):
            assert pattern.value in ISO_CODES, pattern


@pytest.mark.parametrize("label", sorted(CATEGORY_FILES))
def test_category_lexicons_cover_every_value_in_five_languages(label: str) -> None:
    values = load_yaml(CATEGORY_FILES[label])["values"]
    assert set(values) == CONTRACT_VALUES[label]
    for value, per_language in values.items():
        assert set(per_language) == set(LANGUAGES), (label, value)
        for lang, phrases in per_language.items():
            assert phrases and all(isinstance(p, str) and p.strip() for p in phrases), (value, lang)


def test_demonyms_have_five_languages_and_iso_codes() -> None:
    demonyms = load_yaml("demonyms.yaml")
    assert len(demonyms) >= 25
    for code, per_language in demonyms.items():
        assert code in ISO_CODES
        assert len(set(per_language) & set(LANGUAGES)) >= 4, code
    for code in ("VE", "HT", "CO", "HN", "GT", "SV", "NI", "CU", "BO", "PE", "EC", "MX", "DO"):
        assert set(demonyms[code]) == set(LANGUAGES), code


def test_haitian_creole_country_names_are_data() -> None:
    names = load_yaml("countries.yaml")["names"]
    for code in ("HT", "DO", "CL", "BR", "MX", "US", "CA", "VE", "CO", "EC", "PE", "AR", "CU"):
        assert names[code].get("ht"), code


def test_country_names_come_from_cldr_for_four_languages() -> None:
    phrases = {(p.value, fold(p.phrase)) for p in load_lexicon().patterns if p.label == "country"}
    for value, name in [("PE", "peru"), ("CL", "chili"), ("DE", "alemanha"), ("DE", "allemagne")]:
        assert (value, name) in phrases


@pytest.mark.parametrize(
    "text",
    [
        "Perú",
        "J’habite à Port-au-Prince",
        "m'ap viv nan Ayiti",
        "São Paulo — ação",
        "ﬁn ß İstanbul",
    ],
)
def test_folding_keeps_length(text: str) -> None:
    for view in (fold, unify_apostrophes, fold_keep_case):
        assert len(view(text)) == len(text)


def test_fold_removes_accents_and_apostrophes() -> None:
    assert fold("Perú") == "peru"
    assert fold("J’habite") == "j habite"
    assert fold_keep_case("México") == "Mexico"
    assert unify_apostrophes("Anglè") == "anglè"


@pytest.mark.parametrize(
    ("variant", "standard"),
    [
        ("Venesuela", "Venezuela"),
        ("Benezuela", "Venezuela"),
        ("Colonbia", "Colombia"),
        ("Brazil", "Brasil"),
        ("Aiti", "Haití"),
        ("Paraguai", "Paraguay"),
        ("Ekwador", "Ecuador"),
        ("Nikaragwa", "Nicaragua"),
    ],
)
def test_phonetic_key_joins_spelling_variants(variant: str, standard: str) -> None:
    assert phonetic_key(variant) == phonetic_key(standard)


@pytest.mark.parametrize(
    ("a", "b"), [("Canada", "cansada"), ("Peru", "pero"), ("Chile", "chileno")]
)
def test_phonetic_key_keeps_different_words_apart(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


def test_short_names_are_not_matched_phonetically() -> None:
    for pattern in load_lexicon().patterns:
        if pattern.mode == PHONETIC:
            assert sum(c.isalpha() for c in pattern.phrase) >= 5, pattern
