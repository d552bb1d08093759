"""Finds lexicon phrases in a message with spaCy PhraseMatchers on a blank pipeline.

Four views of the message are matched, all the same length as the original text so that
character offsets carry over: accent-folded lower case, lower case with accents kept,
accent-folded with capitals kept, and a per-word phonetic key for names.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from helpline_nlu.lexicon import CASED, FOLDED, PHONETIC, STRICT, Lexicon, Pattern, load_lexicon
from helpline_nlu.text import fold, fold_keep_case, phonetic_key, unify_apostrophes

_VIEWS = {FOLDED: fold, STRICT: unify_apostrophes, CASED: fold_keep_case, PHONETIC: fold}
_ATTRS = {FOLDED: "LOWER", STRICT: "LOWER", CASED: "ORTH", PHONETIC: "NORM"}


@dataclasses.dataclass(frozen=True)
class Hit:
    """A lexicon phrase found in the message: character span, token span, meaning."""

    start: int
    end: int
    tok_start: int
    tok_end: int
    label: str
    value: Optional[str]
    mode: str

    @property
    def length(self) -> int:
        return self.tok_end - self.tok_start


def _with_phonetic_norms(doc: Doc) -> Doc:
    for token in doc:
        token.norm_ = phonetic_key(token.text)
    return doc


class LexiconMatcher:
    """Matches every pattern of a `Lexicon` against messages."""

    def __init__(self, lexicon: Lexicon, nlp: Optional[Language] = None) -> None:
        self.lexicon = lexicon
        self.nlp = nlp or spacy.blank("xx")
        self._keys: Dict[int, Tuple[str, Optional[str], str]] = {}
        self._matchers: Dict[str, PhraseMatcher] = {}
        grouped: Dict[Tuple[str, Optional[str], str], List[Pattern]] = {}
        for pattern in lexicon.patterns:
            grouped.setdefault((pattern.label, pattern.value, pattern.mode), []).append(pattern)
        for (label, value, mode), patterns in grouped.items():
            matcher = self._matchers.setdefault(
                mode, PhraseMatcher(self.nlp.vocab, attr=_ATTRS[mode])
            )
            key = f"{label}|{value}|{mode}"
            docs = [self._doc(p.phrase, mode) for p in patterns]
            matcher.add(key, [d for d in docs if len(d)])
            self._keys[self.nlp.vocab.strings[key]] = (label, value, mode)

    def _doc(self, text: str, mode: str) -> Doc:
        doc = self.nlp.make_doc(_VIEWS[mode](text))
        return _with_phonetic_norms(doc) if mode == PHONETIC else doc

    def tokens(self, text: str) -> Doc:
        """The folded view of `text`, whose tokens index every `Hit`."""
        return self.nlp.make_doc(fold(text))

    def find(self, text: str, folded: Optional[Doc] = None) -> List[Hit]:
        """All hits of all patterns in `text`, overlapping ones included."""
        folded = folded if folded is not None else self.tokens(text)
        views: Dict[str, Doc] = {FOLDED: folded}
        hits: List[Hit] = []
        for mode, matcher in self._matchers.items():
            if mode == PHONETIC:
                doc = _with_phonetic_norms(folded)  # NORM is free: the folded view matches LOWER
            else:
                doc = views.get(mode) or self._doc(text, mode)
            for match_id, start, end in matcher(doc):
                label, value, _ = self._keys[match_id]
                span = doc[start:end]
                if doc is folded:
                    tok_start, tok_end = start, end
                else:
                    aligned = folded.char_span(
                        span.start_char, span.end_char, alignment_mode="expand"
                    )
                    if aligned is None:
                        continue
                    tok_start, tok_end = aligned.start, aligned.end
                hits.append(
                    Hit(span.start_char, span.end_char, tok_start, tok_end, label, value, mode)
                )
        return hits


@lru_cache(maxsize=1)
def default_matcher() -> LexiconMatcher:
    """The matcher over the package's own lexicon (built once per process)."""
    return LexiconMatcher(load_lexicon())
