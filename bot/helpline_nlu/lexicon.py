"""Loads the entity lexicons (YAML data files and Babel's CLDR names) into match patterns.

The gazetteer (`cities.yaml`) gives each city or region two patterns on the same span: its
country (label `country`, as a country name) and the place itself (label `city`, value a place
id such as "PE:Lima" whose coordinates are in `Lexicon.places`). Names that several countries
share give a `shared_city` pattern instead (value: the folded name, candidates in
`Lexicon.shared`), resolved by `helpline_nlu.resolve` from the rest of the message.
"""

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
CITY = "city"  # a gazetteer place (value: place id); always on the span of its country name
SHARED_CITY = "shared_city"  # a name several countries' places share (value: folded name)
SHARED_AFTER_CUE = "shared_after_cue"  # the same, capitalised-only names in lower case
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
CUE_ORIGIN_THIRD = "cue_origin_third"  # "he is from", "es de": someone else's origin
CUE_RESIDENCE_THIRD = "cue_residence_third"  # "he is in", "está detenido en"
CUE_DOCUMENT = "cue_document"  # "criminal record", "cédula": a country is the document's
CUE_COMPANY = "cue_company"  # "con", "with": the relation that follows is company
CUE_SELF = "cue_self"  # "y yo", "what about me": the question is the speaker's again
RELATION = "relation"  # "mi hermano", "my wife" (value: the relation)

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
class Place:
    """A city or region of the gazetteer; `lat`/`lon` are its centre (None for big regions)."""

    id: str
    country: str
    name: str
    kind: str
    lat: Optional[float]
    lon: Optional[float]


@dataclasses.dataclass(frozen=True)
class Lexicon:
    """Everything the extractor matches, built once per process."""

    patterns: Tuple[Pattern, ...]
    joiners: FrozenSet[str]
    breakers: FrozenSet[str]
    negators: FrozenSet[str]
    language_needs_cue: FrozenSet[str]
    age: AgeRules
    places: Mapping[str, Place] = dataclasses.field(default_factory=dict)
    shared: Mapping[str, Tuple[str, ...]] = dataclasses.field(default_factory=dict)
    place_needs_cue: FrozenSet[str] = frozenset()
    first_person: FrozenSet[str] = frozenset()
    speaker_words: FrozenSet[str] = frozenset()
    locatives: FrozenSet[str] = frozenset()
    place_answer_words: FrozenSet[str] = frozenset()
    identity_verbs: FrozenSet[str] = frozenset()


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


def _country_names() -> Tuple[Dict[str, Set[str]], Set[str], Set[str]]:
    """ISO code -> country names (CLDR and countries.yaml), the folded case-sensitive names
    and the folded excluded names."""
    data = load_yaml("countries.yaml")
    cased = {fold(n) for n in data.get("case_sensitive", [])}
    excluded = {fold(n) for n in data.get("excluded", [])}
    names = cldr_country_names(data.get("remap", {}))
    for code, per_language in (data.get("names") or {}).items():
        names.setdefault(code, set()).update(_flatten(per_language))
    return names, cased, excluded


def load_gazetteer() -> Tuple[Dict[str, Place], Dict[str, List[Tuple[str, str]]]]:
    """Places by id, and folded name -> [(name as written, place id)] in file order."""
    data = load_yaml("cities.yaml")
    places: Dict[str, Place] = {}
    names: Dict[str, List[Tuple[str, str]]] = {}
    for section, kind in (("cities", "city"), ("regions", "region")):
        for code, entries in (data.get(section) or {}).items():
            for name, spec in (entries or {}).items():
                spec = spec or {}
                at = spec.get("at")
                numbers = at is not None and all(isinstance(v, (int, float)) for v in at)
                if at is not None and (len(at) != 2 or not numbers):
                    raise ValueError(f"cities.yaml: {code} {name}: `at` must be [lat, lon]")
                place_id = f"{code}:{name}"
                places[place_id] = Place(
                    place_id, code, name, kind,
                    float(at[0]) if at else None, float(at[1]) if at else None,
                )
                for raw in [name, *_flatten({name: spec.get("also") or []})]:
                    names.setdefault(fold(raw), []).append((raw, place_id))
    return places, names


def _gazetteer_patterns(
    places: Mapping[str, Place],
    names: Mapping[str, List[Tuple[str, str]]],
    country_names: Mapping[str, Set[str]],
    cased: Set[str],
    needs_cue: Set[str],
    prefer: Mapping[str, str],
) -> Tuple[List[Pattern], Dict[str, Tuple[str, ...]]]:
    """Country + city patterns for names one country's places hold; shared-name patterns
    for the others (and for a preferred default, both)."""
    owners: Dict[str, Set[str]] = {}  # folded country name -> codes
    for code, country_names_of in country_names.items():
        for name in country_names_of:
            owners.setdefault(fold(name), set()).add(code)
    patterns: List[Pattern] = []
    shared: Dict[str, Tuple[str, ...]] = {}
    for folded, entries in names.items():
        by_country: Dict[str, str] = {}
        for _, place_id in entries:
            by_country.setdefault(places[place_id].country, place_id)
        other_country = owners.get(folded, set()) - set(by_country)
        default = prefer.get(folded)
        if len(by_country) == 1 and not other_country:
            default = next(iter(by_country))
        elif len(by_country) > 1 or other_country:
            shared[folded] = tuple(by_country.values())
        for raw, place_id in entries:
            if place_id not in by_country.values():
                continue  # a second place of one country under the same name: the first counts
            if folded in shared:
                patterns.extend(_shared_patterns(folded, raw, cased, needs_cue))
            if default == places[place_id].country:
                patterns.extend(_place_patterns(places[place_id], raw, cased, needs_cue))
    return patterns, shared


def _place_patterns(place: Place, raw: str, cased: Set[str], needs_cue: Set[str]) -> List[Pattern]:
    folded = fold(raw)
    if folded in needs_cue:
        return [Pattern(COUNTRY_AFTER_CUE, place.country, raw, FOLDED),
                Pattern(CITY, place.id, raw, FOLDED)]
    out = _name_patterns(COUNTRY, place.country, raw, cased)
    out += [Pattern(CITY, place.id, p.phrase, p.mode if p.mode == PHONETIC else FOLDED)
            for p in out]
    return out


def _shared_patterns(folded: str, raw: str, cased: Set[str], needs_cue: Set[str]) -> List[Pattern]:
    if folded in needs_cue:
        return [Pattern(SHARED_AFTER_CUE, folded, raw, FOLDED)]
    if folded in cased:
        return [Pattern(SHARED_CITY, folded, raw, CASED),
                Pattern(SHARED_AFTER_CUE, folded, raw, FOLDED)]
    return [Pattern(SHARED_CITY, folded, raw, FOLDED)]


def _country_patterns() -> Tuple[
        List[Pattern], Dict[str, Place], Dict[str, Tuple[str, ...]], FrozenSet[str]]:
    """Country names and gazetteer places: patterns, places by id, shared names, and the
    folded names that count only after a place word."""
    names, cased, excluded = _country_names()
    cities = load_yaml("cities.yaml")
    cased |= {fold(n) for n in cities.get("case_sensitive", [])}
    needs_cue = {fold(n) for n in cities.get("needs_cue", [])}
    prefer = {fold(k): v for k, v in (cities.get("prefer") or {}).items()}
    places, place_names = load_gazetteer()
    patterns: List[Pattern] = []
    for code, country_names in sorted(names.items()):
        for name in sorted(country_names):
            if fold(name) not in excluded:
                patterns.extend(_name_patterns(COUNTRY, code, name, cased))
    place_patterns, shared = _gazetteer_patterns(places, place_names, names, cased, needs_cue,
                                                 prefer)
    return patterns + place_patterns, places, shared, frozenset(needs_cue)


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


def _relation_patterns() -> List[Pattern]:
    patterns: List[Pattern] = []
    for value, per_language in load_yaml("subject.yaml")["values"].items():
        for raw in _flatten(per_language):
            phrase, mode = _phrase_mode(raw)
            patterns.append(Pattern(RELATION, value, phrase, mode))
    return patterns


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Builds the full lexicon from the data files and Babel (cached per process)."""
    cues = load_yaml("cues.yaml")
    situation = load_yaml("situation.yaml")
    languages = load_yaml("language.yaml")
    subject = load_yaml("subject.yaml")
    country_patterns, places, shared, place_needs_cue = _country_patterns()
    patterns: List[Pattern] = []
    patterns += country_patterns
    patterns += _demonym_patterns()
    for label in CATEGORY_FILES:
        patterns += _category_patterns(label)
    patterns += _plain_patterns(CUE_ORIGIN, _flatten(cues["origin"]))
    patterns += _plain_patterns(CUE_RESIDENCE, _flatten(cues["residence"]))
    patterns += _plain_patterns(CUE_ORIGIN_THIRD, _flatten(cues["origin_third"]))
    patterns += _plain_patterns(CUE_RESIDENCE_THIRD, _flatten(cues["residence_third"]))
    patterns += _plain_patterns(CUE_IDENTITY, _flatten(cues["identity"]))
    patterns += _plain_patterns(CUE_DESTINATION, _flatten(cues["destination"]))
    patterns += _plain_patterns(CUE_OTHER_PERSON, _flatten(cues["other_person"]))
    patterns += _plain_patterns(CUE_DOCUMENT, _flatten(cues["documents"]))
    patterns += _plain_patterns(CUE_ORIGIN_AT_START, _flatten({"": cues["origin_at_start"]}))
    patterns += _plain_patterns(CUE_LANGUAGE, _flatten(languages["language_cues"]))
    patterns += _plain_patterns(BLOCKER, _flatten({"": cues["blockers"]}))
    patterns += _plain_patterns(ALONE_HINT, _flatten(situation["alone_hints"]))
    patterns += _plain_patterns(CUE_COMPANY, _flatten(subject["company"]))
    patterns += _plain_patterns(CUE_SELF, _flatten(subject["self"]))
    patterns += _relation_patterns()
    return Lexicon(
        patterns=tuple(dict.fromkeys(patterns)),
        joiners=_fold_set(cues["joiners"]),
        breakers=_fold_set(cues["breakers"]),
        negators=_fold_set(_flatten(cues["negators"])),
        language_needs_cue=_fold_set(languages["needs_cue"]),
        age=_age_rules(),
        places=places,
        shared=shared,
        place_needs_cue=place_needs_cue,
        first_person=_fold_set(_flatten(cues["first_person"])),
        speaker_words=_fold_set(_flatten(subject["speaker_words"])),
        locatives=_fold_set(cues["locatives"]),
        place_answer_words=_fold_set(_flatten(cues["place_answer_words"])),
        identity_verbs=_fold_set(_flatten(subject["identity_verbs"])),
    )
