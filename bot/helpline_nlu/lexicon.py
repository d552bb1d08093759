"""Loads the entity lexicons (YAML data files and Babel's CLDR names) into match patterns."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import yaml
from babel import Locale

from helpline_nlu.text import fold

DATA_DIR = Path(__file__).with_name("data")

LANGUAGES: Tuple[str, ...] = ("es", "en", "pt", "fr", "ht")
"""Languages whose words the lexicons hold."""

CLDR_LANGUAGES: Tuple[str, ...] = ("es", "en", "pt", "fr")
"""Languages for which Babel ships CLDR territory and language names."""

# Pattern labels.
COUNTRY = "country"
COUNTRY_AFTER_CUE = "country_after_cue"  # capitalised-only names written in lower case
DEMONYM = "demonym"
LANGUAGE = "language"
MIGRATION_STATUS = "migration_status"
SITUATION = "situation"
SERVICE_CATEGORY = "service_category"
CUE_ORIGIN = "cue_origin"
CUE_RESIDENCE = "cue_residence"
CUE_IDENTITY = "cue_identity"
CUE_LANGUAGE = "cue_language"
CUE_DESTINATION = "cue_destination"
CUE_OTHER_PERSON = "cue_other_person"
CUE_ORIGIN_AT_START = "cue_origin_at_start"
ALONE_HINT = "alone_hint"
BLOCKER = "blocker"

NAME_LABELS: FrozenSet[str] = frozenset({COUNTRY, DEMONYM, LANGUAGE})
PLACE_LABELS: FrozenSet[str] = frozenset({COUNTRY, COUNTRY_AFTER_CUE})
CATEGORY_FILES: Dict[str, str] = {
    LANGUAGE: "language.yaml",
    MIGRATION_STATUS: "migration_status.yaml",
    SITUATION: "situation.yaml",
    SERVICE_CATEGORY: "service_category.yaml",
}

# Match modes: how a phrase is compared with the message.
FOLDED = "folded"  # case and accents ignored
STRICT = "strict"  # case ignored, accents required ("=" prefix in data)
CASED = "cased"  # accents ignored, capitals required ("^" prefix in data)
PHONETIC = "phonetic"  # names only: spelling-insensitive key per word

PHONETIC_MIN_LETTERS = 5
"""Names shorter than this match only as written (accents and case aside)."""

PHONETIC_MIN_WORD_IN_PHRASE = 6
"""Status, situation and service phrases match phonetically ("ospital", "enbarasada")
only when one of their words has at least this many letters."""


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One phrase to look for, what it means, and how strictly to compare it."""

    label: str
    value: Optional[str]
    phrase: str
    mode: str


@dataclasses.dataclass(frozen=True)
class AgeRules:
    """Words around a number that make it the speaker's age."""

    first_person: Tuple[str, ...]
    units: Tuple[str, ...]
    joiners: FrozenSet[str]
    not_after_unit: FrozenSet[str]
    number_words: Dict[str, int]


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """Everything the extractor matches, built once per process."""

    patterns: Tuple[Pattern, ...]
    joiners: FrozenSet[str]
    breakers: FrozenSet[str]
    negators: FrozenSet[str]
    language_needs_cue: FrozenSet[str]
    age: AgeRules


def load_yaml(name: str) -> Any:
    """Reads one data file of this package."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _flatten(per_language: Mapping[str, Iterable[Any]]) -> List[str]:
    out = []
    for lang in per_language:
        for item in per_language[lang] or ():
            if not isinstance(item, str):  # YAML reads a bare `no` or `on` as a boolean
                raise ValueError(f"lexicon entry {item!r} ({lang}) is not text; quote it")
            out.append(item)
    return out


def _phrase_mode(raw: str) -> Tuple[str, str]:
    if raw.startswith("="):
        return raw[1:], STRICT
    if raw.startswith("^"):
        return raw[1:], CASED
    return raw, FOLDED


def _longest_word(phrase: str) -> int:
    return max((len(w) for w in phrase.split()), default=0)


def _letters(phrase: str) -> int:
    return sum(c.isalpha() for c in phrase)


def _name_patterns(label: str, value: str, raw: str, cased: Set[str]) -> List[Pattern]:
    phrase, mode = _phrase_mode(raw)
    if mode == FOLDED and fold(phrase) in cased:
        mode = CASED
    out = [Pattern(label, value, phrase, mode)]
    if mode == CASED and label == COUNTRY:
        out.append(Pattern(COUNTRY_AFTER_CUE, value, phrase, FOLDED))
    if mode == FOLDED and _letters(phrase) >= PHONETIC_MIN_LETTERS:
        out.append(Pattern(label, value, phrase, PHONETIC))
    return out


def cldr_country_names(remap: Dict[str, Optional[str]]) -> Dict[str, Set[str]]:
    """ISO code -> territory names in every CLDR language of `CLDR_LANGUAGES`."""
    names: Dict[str, Set[str]] = {}
    for lang in CLDR_LANGUAGES:
        for code, name in Locale.parse(lang).territories.items():
            if len(code) != 2 or not code.isalpha():
                continue  # regions such as "419" (Latin America)
            iso = remap.get(code, code) if code in remap else code
            if iso is None:
                continue
            names.setdefault(iso, set()).add(name)
            if "(" in name:  # "Myanmar (Birmania)" -> also "Myanmar"
                names[iso].add(name.split("(")[0].strip())
    return names


def _cldr_language_names() -> Dict[str, Set[str]]:
    names: Dict[str, Set[str]] = {}
    for lang in CLDR_LANGUAGES:
        locale_names = Locale.parse(lang).languages
        for code in LANGUAGES:
            if code in locale_names:
                names.setdefault(code, set()).add(locale_names[code])
    return names


def _country_patterns() -> List[Pattern]:
    data = load_yaml("countries.yaml")
    cased = {fold(n) for n in data.get("case_sensitive", [])}
    excluded = {fold(n) for n in data.get("excluded", [])}
    names = cldr_country_names(data.get("remap", {}))
    for code, per_language in (data.get("names") or {}).items():
        names.setdefault(code, set()).update(_flatten(per_language))
    cities = load_yaml("cities.yaml")
    cased |= {fold(n) for n in cities.get("case_sensitive", [])}
    for code, city_names in cities["cities"].items():
        names.setdefault(code, set()).update(_flatten({code: city_names}))
    patterns: List[Pattern] = []
    for code, country_names in sorted(names.items()):
        for name in sorted(country_names):
            if fold(name) not in excluded:
                patterns.extend(_name_patterns(COUNTRY, code, name, cased))
    return patterns


def _demonym_patterns() -> List[Pattern]:
    patterns: List[Pattern] = []
    for code, per_language in load_yaml("demonyms.yaml").items():
        for name in _flatten(per_language):
            patterns.extend(_name_patterns(DEMONYM, code, name, set()))
    return patterns


def _category_patterns(label: str) -> List[Pattern]:
    data = load_yaml(CATEGORY_FILES[label])
    values: Dict[str, Dict[str, List[str]]] = data["values"]
    extra = _cldr_language_names() if label == LANGUAGE else {}
    patterns: List[Pattern] = []
    for value, per_language in values.items():
        phrases = _flatten(per_language) + sorted(extra.get(value, ()))
        for raw in phrases:
            if label in NAME_LABELS:
                patterns.extend(_name_patterns(label, value, raw, set()))
            else:
                phrase, mode = _phrase_mode(raw)
                patterns.append(Pattern(label, value, phrase, mode))
                if mode == FOLDED and _longest_word(phrase) >= PHONETIC_MIN_WORD_IN_PHRASE:
                    patterns.append(Pattern(label, value, phrase, PHONETIC))
    return patterns


def _plain_patterns(label: str, phrases: Iterable[str]) -> List[Pattern]:
    out = []
    for raw in phrases:
        phrase, mode = _phrase_mode(raw)
        out.append(Pattern(label, None, phrase, mode))
    return out


def _fold_set(words: Iterable[Any]) -> FrozenSet[str]:
    return frozenset(fold(w).strip() for w in _flatten({"": words}))


def _age_rules() -> AgeRules:
    data = load_yaml("age.yaml")
    number_words: Dict[str, int] = {}
    for per_language in data["number_words"].values():
        number_words.update({fold(str(k)): int(v) for k, v in per_language.items()})
    return AgeRules(
        first_person=tuple(
            sorted({fold(p) for p in _flatten(data["first_person"])}, key=len, reverse=True)
        ),
        units=tuple(sorted({fold(p) for p in _flatten(data["units"])}, key=len, reverse=True)),
        joiners=_fold_set(data["joiners"]),
        not_after_unit=_fold_set(data["not_after_unit"]),
        number_words=number_words,
    )


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Builds the full lexicon from the data files and Babel (cached per process)."""
    cues = load_yaml("cues.yaml")
    situation = load_yaml("situation.yaml")
    languages = load_yaml("language.yaml")
    patterns: List[Pattern] = []
    patterns += _country_patterns()
    patterns += _demonym_patterns()
    for label in CATEGORY_FILES:
        patterns += _category_patterns(label)
    patterns += _plain_patterns(CUE_ORIGIN, _flatten(cues["origin"]))
    patterns += _plain_patterns(CUE_RESIDENCE, _flatten(cues["residence"]))
    patterns += _plain_patterns(CUE_IDENTITY, _flatten(cues["identity"]))
    patterns += _plain_patterns(CUE_DESTINATION, _flatten(cues["destination"]))
    patterns += _plain_patterns(CUE_OTHER_PERSON, _flatten(cues["other_person"]))
    patterns += _plain_patterns(CUE_ORIGIN_AT_START, _flatten({"": cues["origin_at_start"]}))
    patterns += _plain_patterns(CUE_LANGUAGE, _flatten(languages["language_cues"]))
    patterns += _plain_patterns(BLOCKER, _flatten({"": cues["blockers"]}))
    patterns += _plain_patterns(ALONE_HINT, _flatten(situation["alone_hints"]))
    return Lexicon(
        patterns=tuple(dict.fromkeys(patterns)),
        joiners=_fold_set(cues["joiners"]),
        breakers=_fold_set(cues["breakers"]),
        negators=_fold_set(_flatten(cues["negators"])),
        language_needs_cue=_fold_set(languages["needs_cue"]),
        age=_age_rules(),
    )
