"""Turns raw lexicon hits into normalised entities: residence vs origin, negation, ages.

Rules, in order:
1. Overlapping hits: the longest wins; ties go to the more specific meaning (a negated
   status over a plain one) and then to exact over phonetic spelling. Cues (words such
   as "vivo en", "soy de") are kept apart and never compete with entities.
2. A word that is both a country name or language name and a demonym ("Argentina",
   "español") is a `nationality` right after an identity word ("soy", "I'm", "je suis"),
   otherwise a country / language. Language names listed as `needs_cue` ("haitiano")
   are a language only right after a language word ("hablo haitiano", "en haitiano").
3. A country name takes the role of the nearest cue before it (at most three words
   away, not across a sentence end or a new clause): origin cue -> `nationality`,
   residence cue -> `country`. Without a cue it follows the country it is listed with
   ("de Honduras y Guatemala"), or else it is `country`. After a destination cue ("quiero
   ir a", "send money to") it gives no entity: it is neither residence nor origin.
   Names that need capitals ("USA", "Lima") also count in lower case right after a cue.
   A message opening with "de", "from", "soti"... and a country name answers "where are
   you from?": `nationality`.
4. A demonym is `nationality`, unless a residence cue stands right before it
   ("vivo en la dominicana"), or it describes someone else ("mi esposo es peruano",
   "casada con un colombiano"), which gives nothing.
5. A `regular` status after a negation is `irregular`; a negated situation is dropped.
6. A stated age under 18 is situation `minor`; `minor` with "alone" words, or next to
   an explicit unaccompanied phrase, becomes `unaccompanied_minor`.
7. A city or region of the gazetteer is a country name with a place: when it takes the role
   `country` it also gives `location` {lat, lon, city, country} (one per message: the last
   city, else the last region with a centre). Capitalised-only city names in lower case also
   count after "en"/"in"/"nan" or as the whole answer ("lima", "en lima, peru"). A name that
   several countries share resolves to the country named right after it ("Valencia, España",
   "Valencia, Carabobo") or named as residence in the message; else to its `prefer`
   default; else, as `country`, it gives `location` {city, candidates} that the action server
   resolves with the conversation's country, and no `country`.
8. A country name or demonym next to a document word ("my Brazilian criminal record",
   "cédula venezolana") gives nothing: the document is the subject, not the person.
9. A relation ("mi hermano", "my wife") in subject position gives `subject` (the relation):
   then cues in the first person ("estoy en", "soy de") give nothing, and third-person cues
   ("está detenido en", "he is from") give that person's `country` and `nationality`.
   Without a relation, a third-person origin ("mi esposo es de Colombia") gives nothing, and a
   first-person place or a "what about me" gives `subject` `self`.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

from helpline_nlu import lexicon as lx
from helpline_nlu.age import minor_ages
from helpline_nlu.lexicon import Lexicon
from helpline_nlu.matching import Hit

CUE_WINDOW = 4
"""Most words allowed between a cue and the country name it introduces."""

DESTINATION_WINDOW = 1
"""Most words between a destination cue and its country ("ir a los Estados Unidos")."""

NEGATION_WINDOW = 2
"""Words before a status or situation searched for a negation."""

_CUE_LABELS = frozenset(
    {
        lx.CUE_ORIGIN,
        lx.CUE_RESIDENCE,
        lx.CUE_ORIGIN_THIRD,
        lx.CUE_RESIDENCE_THIRD,
        lx.CUE_DOCUMENT,
        lx.CUE_COMPANY,
        lx.CUE_SELF,
        lx.RELATION,
        lx.CUE_DESTINATION,
        lx.CUE_OTHER_PERSON,
        lx.CUE_ORIGIN_AT_START,
        lx.CUE_IDENTITY,
        lx.CUE_LANGUAGE,
        lx.ALONE_HINT,
    }
)
_PLACE_CUES = (
    lx.CUE_ORIGIN,
    lx.CUE_RESIDENCE,
    lx.CUE_DESTINATION,
    lx.CUE_ORIGIN_THIRD,
    lx.CUE_RESIDENCE_THIRD,
)
_PLACE_LABELS = (lx.COUNTRY, lx.DEMONYM, lx.SHARED_CITY)
_ADJACENT_GAP = frozenset({",", "(", ")", "-", "/", "de", "del", "en", "in", "em", "no", "na",
                           "du"})
"""Words allowed between a shared city name and the country or region that settles it."""
_DOCUMENT_GAP = frozenset({"de", "del", "from", "of", "do", "da", "du", "d", "the", "el", "la",
                           "nan"})
_ORIGIN_WORDS = frozenset({"de", "del", "from", "do", "da", "du", "d", "soti"})
_COUNT_WORDS = frozenset({"un", "una", "dos", "tres", "cuatro", "two", "three", "four", "dois",
                          "duas", "deux", "trois", "quatre", "yon", "de", "twa", "kat"})
RELATION_WINDOW = 3
"""Words after a relation searched for a sign that it acts on the speaker."""
_PRIORITY = {
    (lx.BLOCKER, None): 5,
    (lx.MIGRATION_STATUS, "unknown"): 3,
    (lx.MIGRATION_STATUS, "irregular"): 2,
    (lx.MIGRATION_STATUS, "asylum_seeker"): 2,
    (lx.MIGRATION_STATUS, "refugee"): 2,
    (lx.SITUATION, "unaccompanied_minor"): 2,
}
_PUNCTUATION = frozenset(".,;:!?")

Entity = Dict[str, Any]

DESTINATION = "destination"
NONE = "none"
_ROLES = {
    lx.CUE_ORIGIN: "nationality",
    lx.CUE_ORIGIN_AT_START: "nationality",
    lx.CUE_RESIDENCE: "country",
    lx.CUE_DESTINATION: DESTINATION,
    lx.CUE_ORIGIN_THIRD: "nationality",
    lx.CUE_RESIDENCE_THIRD: "country",
}
LOCATION = "location"
_SPEAKER = "_speaker"  # internal mark: given with a first-person cue in a message about someone
SUBJECT = "subject"
SELF = "self"


def _rank(group: Sequence[Hit]) -> Tuple[int, int, int, int]:
    first = group[0]
    priority = max(_PRIORITY.get((h.label, h.value), 1) for h in group)
    exact = any(h.mode != lx.PHONETIC for h in group)
    return (-first.length, -priority, -int(exact), first.tok_start)


def select(hits: Iterable[Hit]) -> List[List[Hit]]:
    """Non-overlapping groups of entity hits (same span in one group), in text order."""
    by_span: Dict[Tuple[int, int], List[Hit]] = {}
    for hit in hits:
        if hit.label not in _CUE_LABELS:
            by_span.setdefault((hit.tok_start, hit.tok_end), []).append(hit)
    taken: set = set()
    chosen: List[List[Hit]] = []
    for group in sorted(by_span.values(), key=_rank):
        tokens = set(range(group[0].tok_start, group[0].tok_end))
        if tokens & taken:
            continue
        taken |= tokens
        chosen.append(group)
    return sorted(chosen, key=lambda g: g[0].tok_start)


def _best(group: Sequence[Hit], label: str) -> Optional[Hit]:
    candidates = [h for h in group if h.label == label]
    exact = [h for h in candidates if h.mode != lx.PHONETIC]
    ranked = exact or candidates
    return ranked[0] if ranked else None


class _Context:
    """The folded tokens of a message plus its cue hits, to look around an entity."""

    def __init__(self, doc: Doc, hits: Sequence[Hit], lexicon: Lexicon) -> None:
        self.words = [t.text for t in doc]
        self.cues = [h for h in hits if h.label in _CUE_LABELS]
        self.places: List[Tuple[int, int]] = []  # token spans of place names, set by the caller
        self.lexicon = lexicon

    def gap(self, start: int, end: int) -> List[str]:
        return self.words[start:end]

    def cue_before(self, tok_start: int, labels: Iterable[str], window: int) -> Optional[Hit]:
        wanted = set(labels)
        best: Optional[Hit] = None
        for cue in self.cues:
            if cue.label not in wanted or cue.tok_end > tok_start:
                continue
            if tok_start - cue.tok_end > window:
                continue
            if any(w in self.lexicon.breakers for w in self.gap(cue.tok_end, tok_start)):
                continue
            if any(cue.tok_end <= s and e <= tok_start for s, e in self.places):
                continue  # another place stands between: the cue belongs to it
            if best is None or (cue.tok_end, cue.length) > (best.tok_end, best.length):
                best = cue
        return best

    def place_cue_before(self, tok_start: int) -> Optional[Hit]:
        """The origin, residence or destination cue a country name at `tok_start` follows."""
        found = [
            self.cue_before(
                tok_start,
                [lx.CUE_ORIGIN, lx.CUE_RESIDENCE, lx.CUE_ORIGIN_THIRD, lx.CUE_RESIDENCE_THIRD],
                CUE_WINDOW,
            ),
            self.cue_before(tok_start, [lx.CUE_DESTINATION], DESTINATION_WINDOW),
        ]
        opening = self.cue_before(tok_start, [lx.CUE_ORIGIN_AT_START], 0)
        if opening is not None and opening.tok_start == 0:  # "de Venezuela", "from Haiti"
            found.append(opening)
        cues = [c for c in found if c is not None]
        return max(cues, key=lambda c: (c.tok_end, c.length)) if cues else None

    def identity_before(self, tok_start: int) -> bool:
        return self.cue_before(tok_start, [lx.CUE_IDENTITY, lx.CUE_ORIGIN], 0) is not None

    def first_person(self, cue: Optional[Hit]) -> bool:
        """Whether a cue speaks in the first person ("estoy en", "I'm from", "m soti")."""
        if cue is None:
            return False
        return any(w in self.lexicon.first_person for w in self.words[cue.tok_start : cue.tok_end])

    def document_next_to(self, tok_start: int, tok_end: int) -> bool:
        """A document word right before (or "de"/"from" before) or right after a name."""
        for cue in self.cues:
            if cue.label != lx.CUE_DOCUMENT:
                continue
            if cue.tok_start == tok_end:  # "Brazilian criminal record", "Chilean ID"
                return True
            if cue.tok_end <= tok_start and all(
                w in _DOCUMENT_GAP for w in self.gap(cue.tok_end, tok_start)
            ) and tok_start - cue.tok_end <= 2:
                return True  # "cédula venezolana", "antecedentes penales de Brasil"
        return False

    def weak_place_allowed(self, hit: Hit) -> bool:
        """A capitalised-only (or cue-only) place name as written here still counts."""
        if self.cue_before(hit.tok_start, _PLACE_CUES, 1) is not None:
            return True
        at_start = self.cue_before(hit.tok_start, [lx.CUE_ORIGIN_AT_START], 0) is not None
        if at_start and hit.tok_start == 1:
            return True  # "de lima", "from tapachula"
        name = " ".join(self.words[hit.tok_start : hit.tok_end])
        if name in self.lexicon.place_needs_cue:
            return False
        previous = self.words[hit.tok_start - 1] if hit.tok_start > 0 else None
        if previous in self.lexicon.locatives and (hit.length == 1 or previous != "en"):
            return True  # "en lima", "in houston", "nan la romana" (not "en el paso siguiente")
        return self.only_places_and(hit)

    def only_places_and(self, hit: Hit) -> bool:
        """The message is just place names and answer words ("lima", "hola, lima peru")."""
        taken = set(range(hit.tok_start, hit.tok_end))
        for start, end in self.places:
            taken |= set(range(start, end))
        for i, word in enumerate(self.words):
            if i in taken or word in _PUNCTUATION or not word.strip():
                continue
            if word not in self.lexicon.place_answer_words:
                return False
        return True

    def language_allowed(self, hit: Hit) -> bool:
        """A language name that is also a demonym counts only after "en", "hablo", "an"..."""
        if " ".join(self.words[hit.tok_start : hit.tok_end]) not in self.lexicon.language_needs_cue:
            return True
        return self.cue_before(hit.tok_start, [lx.CUE_LANGUAGE], 0) is not None

    def negated(self, tok_start: int) -> bool:
        window = self.words[max(0, tok_start - NEGATION_WINDOW) : tok_start]
        for word in reversed(window):
            if word in _PUNCTUATION:
                return False
            if word in self.lexicon.negators:
                return True
        return False


def _entity(name: str, value: Any, start: int, end: int) -> Entity:
    return {"entity": name, "start": start, "end": end, "value": value}


def _relation_spans(ctx: _Context) -> List[Hit]:
    """Relation hits, longest first where they overlap, in text order."""
    chosen: List[Hit] = []
    taken: set = set()
    relations = [c for c in ctx.cues if c.label == lx.RELATION]
    for hit in sorted(relations, key=lambda h: (-h.length, h.tok_start)):
        tokens = set(range(hit.tok_start, hit.tok_end))
        if tokens & taken:
            continue
        taken |= tokens
        chosen.append(hit)
    return sorted(chosen, key=lambda h: h.tok_start)


def _subject(groups: Sequence[List[Hit]], ctx: _Context) -> Optional[Hit]:
    """The relation the message is about ("mi hermano fue detenido"), if any (rule 9)."""
    if any(c.label == lx.CUE_SELF for c in ctx.cues):
        return None
    demonym_starts = {g[0].tok_start for g in groups if any(h.label == lx.DEMONYM for h in g)}
    place_starts = {g[0].tok_start for g in groups if any(h.label in _PLACE_LABELS for h in g)}
    company = False
    previous_end: Optional[int] = None
    for rel in _relation_spans(ctx):
        joined = previous_end is not None and all(
            w in ctx.lexicon.joiners for w in ctx.gap(previous_end, rel.tok_start)
        )
        company = (joined and company) or any(
            c.label == lx.CUE_COMPANY
            and (c.tok_end == rel.tok_start
                 or (c.tok_end == rel.tok_start - 1 and _counted(ctx.words[c.tok_end])))
            for c in ctx.cues
        )  # "con mi esposo", "ak 2 pitit mwen"
        previous_end = rel.tok_end
        if company:
            continue
        after: List[str] = []
        for word in ctx.words[rel.tok_end : rel.tok_end + RELATION_WINDOW]:
            if word in _PUNCTUATION or word in ctx.lexicon.breakers:
                break
            after.append(word)
        if any(w in ctx.lexicon.speaker_words for w in after):
            continue  # "mi esposo me pega": the speaker's question
        if after and after[0] in ctx.lexicon.identity_verbs and (
            rel.tok_end + 1 in demonym_starts
            or (len(after) > 1 and after[1] in _ORIGIN_WORDS and rel.tok_end + 2 in place_starts)
        ):
            continue  # "mi esposo es peruano", "mi esposo es de Colombia"
        return rel
    return None


def _counted(word: str) -> bool:
    return word.isdigit() or word in _COUNT_WORDS


def _shared_resolution(
    groups: Sequence[List[Hit]], ctx: _Context
) -> Dict[int, Optional[str]]:
    """Group index -> the place id a shared city name resolves to in this message (rule 7)."""
    out: Dict[int, Optional[str]] = {}
    for index, group in enumerate(groups):
        shared = _best(group, lx.SHARED_CITY) or _best(group, lx.SHARED_AFTER_CUE)
        if shared is None or shared.value is None:
            continue
        candidates = {ctx.lexicon.places[i].country: i for i in ctx.lexicon.shared[shared.value]}
        found: Optional[str] = None
        for other in groups[index + 1 :]:  # "Valencia, España", "Valencia (Carabobo)"
            if not all(w in _ADJACENT_GAP for w in ctx.gap(group[0].tok_end, other[0].tok_start)):
                break
            code = _country_of(other)
            if code in candidates:
                found = candidates[code]
            break
        weak = shared.label == lx.SHARED_AFTER_CUE and _best(group, lx.SHARED_CITY) is None
        if found is None and weak and not ctx.weak_place_allowed(shared):
            continue  # "la paz", "david" as ordinary words
        if found is None:
            for other in groups:  # "estoy en España, en Valencia"
                if other is group:
                    continue
                code = _country_of(other)
                cue = ctx.place_cue_before(other[0].tok_start)
                residence = (lx.CUE_RESIDENCE, lx.CUE_RESIDENCE_THIRD)
                if code in candidates and cue is not None and cue.label in residence:
                    found = candidates[code]
                    break
        out[index] = found
    return out


def _country_of(group: Sequence[Hit]) -> Optional[str]:
    hit = _best(group, lx.COUNTRY)
    return hit.value if hit is not None else None


def _location_value(place: lx.Place) -> Dict[str, Any]:
    return {"lat": place.lat, "lon": place.lon, "city": place.name, "country": place.country}


def _candidates_value(ids: Sequence[str], lexicon: Lexicon) -> Dict[str, Any]:
    """A shared name not settled by the message: every place it may be."""
    places = [lexicon.places[i] for i in ids]
    return {
        "city": places[0].name,
        "candidates": [_location_value(p) for p in places if p.lat is not None],
    }


def _place_entities(groups: Sequence[List[Hit]], ctx: _Context) -> List[Entity]:
    """`country` and `nationality` from country names, cities and demonyms; `location` from
    cities; `subject` from relations; also `language`."""
    out: List[Entity] = []
    previous: Optional[Tuple[Hit, str]] = None  # last country name and its role
    ctx.places = [
        (g[0].tok_start, g[0].tok_end) for g in groups if any(h.label in _PLACE_LABELS for h in g)
    ]
    relation_tokens = {t for r in _relation_spans(ctx) for t in range(r.tok_start, r.tok_end)}
    ctx.cues = [  # "ICE arete mari m nan New York": "m nan" is not the speaker's residence here
        c for c in ctx.cues
        if c.label not in _PLACE_CUES or not relation_tokens & set(range(c.tok_start, c.tok_end))
    ]
    subject = _subject(groups, ctx)
    shared = _shared_resolution(groups, ctx)
    locations: List[Tuple[bool, Entity]] = []  # (is a city, entity) of places in the role country
    first_person_place: Optional[Hit] = None  # the first-person cue of a place or origin
    for index, all_hits in enumerate(groups):
        group = [h for h in all_hits if h.mode != lx.PHONETIC] or all_hits  # exact spelling first
        country = _best(group, lx.COUNTRY)
        weak = _best(group, lx.COUNTRY_AFTER_CUE)
        if country is None and weak and ctx.weak_place_allowed(weak):
            country = weak  # "estoy en usa", "vivo en lima", "lima"
        city = _best(all_hits, lx.CITY) if country is not None else None
        unresolved: Optional[Hit] = None
        if index in shared:
            place_id = shared[index]
            shared_hit = _best(all_hits, lx.SHARED_CITY) or _best(all_hits, lx.SHARED_AFTER_CUE)
            assert shared_hit is not None
            if place_id is not None:  # settled by the message: overrides a default or a country
                place = ctx.lexicon.places[place_id]
                country = dataclasses.replace(shared_hit, label=lx.COUNTRY, value=place.country)
                city = dataclasses.replace(shared_hit, label=lx.CITY, value=place_id)
            elif country is None:
                unresolved = shared_hit
        demonym = _best(group, lx.DEMONYM)
        language = _best(group, lx.LANGUAGE)
        head = group[0]
        if demonym and (country or language) and ctx.identity_before(head.tok_start):
            country = language = None
        if language and not ctx.language_allowed(language):
            language = None
        if language:
            assert language.value is not None
            out.append(_entity(lx.LANGUAGE, language.value, head.start, head.end))
            continue
        place_hit = country or unresolved
        speaker = False
        if place_hit is not None:
            if ctx.document_next_to(head.tok_start, head.tok_end):
                continue  # "antecedentes penales de Brasil": the document's country
            cue = ctx.place_cue_before(place_hit.tok_start)
            if cue is not None:
                role = _ROLES[cue.label]
                if subject is not None and ctx.first_person(cue):
                    speaker = True  # the speaker's own place: kept unless the subject's differs
                elif subject is None and cue.label == lx.CUE_ORIGIN_THIRD:
                    role = NONE  # someone else's origin: "mi esposo es de Colombia"
                elif subject is None and ctx.first_person(cue) and role != DESTINATION:
                    first_person_place = first_person_place or cue
            elif previous and all(
                w in ctx.lexicon.joiners for w in ctx.gap(previous[0].tok_end, place_hit.tok_start)
            ):
                role = previous[1]
            else:
                role = "country"
            if unresolved is not None:
                if role == "country":
                    ids = ctx.lexicon.shared[str(unresolved.value)]
                    value = _candidates_value(ids, ctx.lexicon)
                    locations.append((True, _entity(LOCATION, value, head.start, head.end)))
                continue
            assert country is not None and country.value is not None
            previous = (country, role)
            if role in (DESTINATION, NONE):
                continue
            out.append({**_entity(role, country.value, head.start, head.end), _SPEAKER: speaker})
            if role == "country" and city is not None and city.value in ctx.lexicon.places:
                place = ctx.lexicon.places[str(city.value)]
                if place.lat is not None:
                    entity = _entity(LOCATION, _location_value(place), head.start, head.end)
                    locations.append((place.kind == "city", {**entity, _SPEAKER: speaker}))
        elif demonym:
            assert demonym.value is not None
            if ctx.cue_before(demonym.tok_start, [lx.CUE_OTHER_PERSON], 0):
                continue  # "casada con un colombiano": someone else's nationality
            if ctx.document_next_to(head.tok_start, head.tok_end):
                continue  # "my Brazilian criminal record", "cédula venezolana"
            identity = ctx.cue_before(demonym.tok_start, [lx.CUE_IDENTITY, lx.CUE_ORIGIN], 0)
            speaker = subject is not None and ctx.first_person(identity)
            residence = ctx.cue_before(demonym.tok_start, [lx.CUE_RESIDENCE], 1)
            role = "country" if residence is not None else "nationality"
            if subject is None and ctx.first_person(identity or residence):
                first_person_place = first_person_place or identity or residence
            out.append({**_entity(role, demonym.value, head.start, head.end), _SPEAKER: speaker})
    out, locations = _the_subjects(out, locations, subject is not None)
    out.extend(_one_location(locations, out))
    if subject is not None:
        assert subject.value is not None
        out.append(_entity(SUBJECT, subject.value, subject.start, subject.end))
    else:
        marker = next((c for c in ctx.cues if c.label == lx.CUE_SELF), None) or first_person_place
        if marker is not None:
            out.append(_entity(SUBJECT, SELF, marker.start, marker.end))
    return out


def _the_subjects(
    entities: List[Entity], locations: List[Tuple[bool, Entity]], about_someone_else: bool
) -> Tuple[List[Entity], List[Tuple[bool, Entity]]]:
    """In a message about someone else, the speaker's own place or nationality ("estoy en
    México", "soy hondureño") is left out when the message gives that person's; else it is
    theirs too ("estamos en Houston, mi esposo no respira"). Drops the marks."""
    if about_someone_else:
        for name in ("country", "nationality"):
            if any(e["entity"] == name and not e.get(_SPEAKER) for e in entities):
                entities = [e for e in entities if not (e["entity"] == name and e.get(_SPEAKER))]
        if any(not e.get(_SPEAKER) for _, e in locations):
            locations = [(c, e) for c, e in locations if not e.get(_SPEAKER)]
    strip = {_SPEAKER}
    return (
        [{k: v for k, v in e.items() if k not in strip} for e in entities],
        [(c, {k: v for k, v in e.items() if k not in strip}) for c, e in locations],
    )


def _one_location(locations: List[Tuple[bool, Entity]], entities: List[Entity]) -> List[Entity]:
    """The location of the message: its last city (else region) in the role `country`, if
    that is the country the message ends on."""
    if not locations:
        return []
    countries = [e["value"] for e in entities if e["entity"] == "country"]
    cities = [e for is_city, e in locations if is_city] or [e for _, e in locations]
    chosen = cities[-1]
    value = chosen["value"]
    if "candidates" in value:
        return [chosen] if not countries else _settled(value, countries[-1], chosen)
    return [chosen] if not countries or value["country"] == countries[-1] else []


def _settled(value: Dict[str, Any], country: str, entity: Entity) -> List[Entity]:
    for candidate in value["candidates"]:
        if candidate["country"] == country:
            return [{**entity, "value": candidate}]
    return []


def _category_entities(groups: Sequence[List[Hit]], ctx: _Context) -> List[Entity]:
    out: List[Entity] = []
    for group in groups:
        for label in (lx.MIGRATION_STATUS, lx.SITUATION, lx.SERVICE_CATEGORY):
            hit = _best(group, label)
            if hit is None or hit.value is None:
                continue
            value = hit.value
            if label == lx.MIGRATION_STATUS and value == "regular" and ctx.negated(hit.tok_start):
                value = "irregular"
            if label == lx.SITUATION and ctx.negated(hit.tok_start):
                break
            out.append(_entity(label, value, hit.start, hit.end))
            break
    return out


def _minor_entities(text: str, entities: List[Entity], ctx: _Context) -> List[Entity]:
    out = list(entities)
    taken = [(e["start"], e["end"]) for e in out]
    for age in minor_ages(text, ctx.lexicon.age):
        if not any(s < age.end and age.start < e for s, e in taken):
            out.append(_entity(lx.SITUATION, "minor", age.start, age.end))
    values = {e["value"] for e in out if e["entity"] == lx.SITUATION}
    alone = any(c.label == lx.ALONE_HINT for c in ctx.cues)
    if "minor" in values and (alone or "unaccompanied_minor" in values):
        upgraded = []
        for e in out:
            if e["entity"] == lx.SITUATION and e["value"] == "minor":
                if "unaccompanied_minor" in values:
                    continue
                e = {**e, "value": "unaccompanied_minor"}
                values.add("unaccompanied_minor")
            upgraded.append(e)
        out = upgraded
    return out


def _dedupe(entities: List[Entity]) -> List[Entity]:
    seen: set = set()
    out = []
    for e in sorted(entities, key=lambda e: (e["start"], e["end"])):
        key = (e["entity"], json.dumps(e["value"], sort_keys=True))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def resolve(text: str, doc: Doc, hits: Sequence[Hit], lexicon: Lexicon) -> List[Entity]:
    """Normalised entities (entity, value, start, end) for one message."""
    ctx = _Context(doc, hits, lexicon)
    groups = [g for g in select(hits) if not any(h.label == lx.BLOCKER for h in g)]
    entities = _place_entities(groups, ctx) + _category_entities(groups, ctx)
    return _dedupe(_minor_entities(text, entities, ctx))
