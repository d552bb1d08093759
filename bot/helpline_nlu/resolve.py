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
"""

from __future__ import annotations

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
        lx.CUE_DESTINATION,
        lx.CUE_OTHER_PERSON,
        lx.CUE_ORIGIN_AT_START,
        lx.CUE_IDENTITY,
        lx.CUE_LANGUAGE,
        lx.ALONE_HINT,
    }
)
_PLACE_CUES = (lx.CUE_ORIGIN, lx.CUE_RESIDENCE, lx.CUE_DESTINATION)
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
_ROLES = {
    lx.CUE_ORIGIN: "nationality",
    lx.CUE_ORIGIN_AT_START: "nationality",
    lx.CUE_RESIDENCE: "country",
    lx.CUE_DESTINATION: DESTINATION,
}


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
            self.cue_before(tok_start, [lx.CUE_ORIGIN, lx.CUE_RESIDENCE], CUE_WINDOW),
            self.cue_before(tok_start, [lx.CUE_DESTINATION], DESTINATION_WINDOW),
        ]
        opening = self.cue_before(tok_start, [lx.CUE_ORIGIN_AT_START], 0)
        if opening is not None and opening.tok_start == 0:  # "de Venezuela", "from Haiti"
            found.append(opening)
        cues = [c for c in found if c is not None]
        return max(cues, key=lambda c: (c.tok_end, c.length)) if cues else None

    def identity_before(self, tok_start: int) -> bool:
        return self.cue_before(tok_start, [lx.CUE_IDENTITY, lx.CUE_ORIGIN], 0) is not None

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


def _entity(name: str, value: str, start: int, end: int) -> Entity:
    return {"entity": name, "start": start, "end": end, "value": value}


def _place_entities(groups: Sequence[List[Hit]], ctx: _Context) -> List[Entity]:
    """`country` and `nationality` from country names and demonyms; also `language`."""
    out: List[Entity] = []
    previous: Optional[Tuple[Hit, str]] = None  # last country name and its role
    ctx.places = [
        (g[0].tok_start, g[0].tok_end)
        for g in groups
        if any(h.label in (lx.COUNTRY, lx.DEMONYM) for h in g)
    ]
    for all_hits in groups:
        group = [h for h in all_hits if h.mode != lx.PHONETIC] or all_hits  # exact spelling first
        country = _best(group, lx.COUNTRY)
        weak = _best(group, lx.COUNTRY_AFTER_CUE)
        if country is None and weak and ctx.cue_before(weak.tok_start, _PLACE_CUES, 1):
            country = weak  # "estoy en usa", "vivo en lima"
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
        if country:
            assert country.value is not None
            cue = ctx.place_cue_before(country.tok_start)
            if cue is not None:
                role = _ROLES[cue.label]
            elif previous and all(
                w in ctx.lexicon.joiners for w in ctx.gap(previous[0].tok_end, country.tok_start)
            ):
                role = previous[1]
            else:
                role = "country"
            previous = (country, role)
            if role != DESTINATION:
                out.append(_entity(role, country.value, head.start, head.end))
        elif demonym:
            assert demonym.value is not None
            if ctx.cue_before(demonym.tok_start, [lx.CUE_OTHER_PERSON], 0):
                continue  # "casada con un colombiano": someone else's nationality
            residence = ctx.cue_before(demonym.tok_start, [lx.CUE_RESIDENCE], 1)
            role = "country" if residence is not None else "nationality"
            out.append(_entity(role, demonym.value, head.start, head.end))
    return out


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
        key = (e["entity"], e["value"])
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
