"""Finds a stated age of the speaker ("tengo 16 años", "I'm 15", "m gen 16 an")."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, List, Optional, Pattern, Tuple

from helpline_nlu.lexicon import AgeRules, load_lexicon
from helpline_nlu.text import fold

MIN_PLAUSIBLE_AGE = 10
"""Younger stated ages are read as durations or someone else's age, not the writer's."""


@dataclasses.dataclass(frozen=True)
class StatedAge:
    """An age and the character span that states it."""

    age: int
    start: int
    end: int


def _alternation(phrases: List[str]) -> str:
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)


_COMPILED: Dict[int, Tuple[AgeRules, Pattern[str], Pattern[str]]] = {}


def _regexes(rules: AgeRules) -> Tuple[Pattern[str], Pattern[str]]:
    cached = _COMPILED.get(id(rules))
    if cached is None or cached[0] is not rules:
        words = sorted(rules.number_words, key=len, reverse=True)
        age_re = re.compile(
            rf"(?<!\w)(?:{_alternation(list(rules.first_person))})\s+"
            rf"(?P<num>\d{{1,3}}(?!\d)|(?:{_alternation(words)})(?!\w))"
        )
        unit_re = re.compile(rf"\s*(?:{_alternation(list(rules.units))})(?!\w)")
        cached = _COMPILED[id(rules)] = (rules, age_re, unit_re)
    return cached[1], cached[2]


def stated_ages(text: str, rules: Optional[AgeRules] = None) -> List[StatedAge]:
    """Ages the writer states about themselves, in order."""
    rules = rules or load_lexicon().age
    folded = fold(text)
    found: List[StatedAge] = []
    age_re, unit_re = _regexes(rules)
    for match in age_re.finditer(folded):
        raw = match.group("num")
        age = int(raw) if raw.isdigit() else rules.number_words.get(raw, -1)
        end = match.end()
        unit = unit_re.match(folded, end)
        following = folded[unit.end() if unit else end :].split()
        next_word = following[0].strip(",.;!?") if following else ""
        if unit:
            if next_word in rules.not_after_unit:
                continue
            end = unit.end()
        elif following and following[0][0] not in ",.;!?" and next_word not in rules.joiners:
            continue
        found.append(StatedAge(age, match.start(), end))
    return found


def minor_ages(text: str, rules: Optional[AgeRules] = None) -> List[StatedAge]:
    """Stated ages that make the writer a minor (under 18)."""
    return [a for a in stated_ages(text, rules) if MIN_PLAUSIBLE_AGE <= a.age < 18]
