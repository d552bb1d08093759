"""Danger: its kinds, the intents that mean it, the hotlines each kind lists, and the per-language
lexicon that flags emergency, trafficking or violence messages, so a cry for help still gets
the emergency numbers when the intent model misclassifies it. The one owner of "danger": the
actions (`actions/safety.py`) and the gateway (`channels/safety.py`) both ask this module.
Its figures (recall by cross-validation, false positives): `python -m tests.danger.figures`.

Lexicons live in `helpline/safety/data/danger/<lang>.yaml`. Every entry is a phrase in a small
pattern language, matched on normalised text (lower case, no accents, repeated letters
squeezed, plus the language's own spelling rules, applied to the text and the patterns alike):

- words are separated by spaces and match across any spaces or punctuation;
- `word*` matches any ending (`golpe*` → golpea, golpeando, golpearon);
- `(a|b c)` alternatives, `(de)?` an optional word or group;
- `...` up to four other words in between;
- `'` an optional apostrophe or space (`m'a` → m'a, ma, m a);
- `A & B` both parts anywhere in the message, in any order (`passaporte & (pegou|segurou)`);
- anything else is a regular expression, e.g. `trata(?! mal)` to leave out a context;
- every phrase is anchored at word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import yaml

from helpline.i18n import LANGUAGES
from helpline.language.text import fold

DangerKind = Literal["emergency", "trafficking", "violence"]

#: Most urgent first: when several kinds match, the first one wins.
PRECEDENCE: tuple[DangerKind, ...] = get_args(DangerKind)

#: The intents of the conversation contract that mean danger, and the kind each one is.
DANGER_INTENTS: Mapping[str, DangerKind] = {
    "emergency": "emergency",
    "report_trafficking": "trafficking",
    "report_violence": "violence",
}

#: The hotline purposes (`knowledge.directory.HOTLINE_PURPOSES`) listed for each kind of
#: danger, most urgent first.
PURPOSES: Mapping[str, tuple[str, ...]] = {
    "emergency": ("emergency",),
    "trafficking": ("emergency", "trafficking"),
    "violence": ("emergency", "violence"),
}

LEXICON_DIR = Path(__file__).resolve().parent / "data" / "danger"

_GAP = r"(?:\W+\w+){0,4}"
_SEP = r"\W+"
_WORD_START = r"(?<!\w)"
_TEXT_START = r"\A"
_DOUBLES = re.compile(r"([^\W\d_])\1+")


@dataclass(frozen=True)
class Entry:
    """One lexicon phrase and its compiled regular expression."""

    lang: str
    kind: DangerKind
    phrase: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    """The phrases of one language and the spelling rules its text is normalised with."""

    lang: str
    spelling: tuple[tuple[re.Pattern[str], str], ...]
    entries: tuple[Entry, ...]
    combined: tuple[tuple[DangerKind, re.Pattern[str]], ...] = ()

    def normalise(self, text: str) -> str:
        """Fold, apply the spelling rules, squeeze doubled letters."""
        out = fold(text)
        for pattern, replacement in self.spelling:
            out = pattern.sub(replacement, out)
        return _DOUBLES.sub(r"\1", out)


def _split_top_level(phrase: str) -> list[str]:
    """Split on spaces that are not inside parentheses."""
    tokens: list[str] = []
    depth, current = 0, ""
    for ch in phrase:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == " " and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += ch
    if depth != 0:
        raise ValueError(f"unbalanced parentheses in {phrase!r}")
    if current:
        tokens.append(current)
    return tokens


def _token_regex(token: str) -> str:
    token = re.sub(r"(?<=[\w)])(?<!\\[A-Za-z])\*", r"\\w*", token)  # not after \W, \s...
    token = token.replace("'", r"\W?")
    return re.sub(r" +", lambda _: _SEP, token)  # spaces inside groups


def _compile_sequence(phrase: str) -> str:
    tokens = _split_top_level(phrase)
    if not tokens or tokens[0] == "..." or tokens[0].endswith(")?"):
        raise ValueError(f"a phrase must start with a plain word: {phrase!r}")
    parts = [_token_regex(tokens[0])]
    gap = False
    for token in tokens[1:]:
        if token == "...":
            gap = True
            continue
        sep = _GAP + _SEP if gap else _SEP
        gap = False
        if token.startswith("(") and token.endswith(")?"):
            parts.append(f"(?:{sep}{_token_regex(token[:-1])})?")
        else:
            parts.append(sep + _token_regex(token))
    if gap:
        raise ValueError(f"a phrase cannot end with '...': {phrase!r}")
    return _WORD_START + "".join(parts) + r"(?!\w)"


def compile_phrase(phrase: str) -> str:
    """Translate one lexicon phrase (already normalised) into a regular expression."""
    if " & " not in phrase:
        return _compile_sequence(phrase)
    parts = [_compile_sequence(part.strip()) for part in phrase.split(" & ")]
    return _TEXT_START + "".join(f"(?=.*?{part})" for part in parts)


def load_lexicon(path: Path) -> Lexicon:
    """Read and compile one `<lang>.yaml` lexicon file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lang = path.stem
    spelling = tuple((re.compile(src), dst) for src, dst in (data.get("spelling") or {}).items())
    lexicon = Lexicon(lang, spelling, ())
    entries = []
    for kind in PRECEDENCE:
        for phrase in data.get(kind) or []:
            norm = _normalise_phrase(lexicon, str(phrase))
            try:
                regex = re.compile(compile_phrase(norm), re.DOTALL)
            except (re.error, ValueError) as exc:
                raise ValueError(f"{path.name}: bad {kind} phrase {phrase!r}: {exc}") from exc
            entries.append(Entry(lang, kind, str(phrase), regex))
    unknown = set(data) - set(PRECEDENCE) - {"spelling"}
    if unknown:
        raise ValueError(f"{path.name}: unknown sections {sorted(unknown)}")
    combined = tuple(
        (kind, _combine([e.regex.pattern for e in of_kind]))
        for kind in PRECEDENCE
        if (of_kind := [e for e in entries if e.kind == kind])
    )
    return Lexicon(lang, spelling, tuple(entries), combined)


def _combine(patterns: list[str]) -> re.Pattern[str]:
    """One regular expression matching wherever any of `patterns` matches.

    Every compiled phrase starts with `(?<!\\w)` (a sequence) or `\\A` (an `&` phrase); each
    anchor is written once in front of its group, so inside a word or past the start of the
    text one check fails instead of one per phrase (over twice as fast on long messages).
    """
    if not all(p.startswith((_WORD_START, _TEXT_START)) for p in patterns):
        raise ValueError("a compiled phrase starts with neither anchor")
    groups = []
    for anchor in (_WORD_START, _TEXT_START):
        bodies = [p[len(anchor):] for p in patterns if p.startswith(anchor)]
        if bodies:
            groups.append(anchor + "(?:" + "|".join(f"(?:{b})" for b in bodies) + ")")
    return re.compile("|".join(groups), re.DOTALL)


def _normalise_phrase(lexicon: Lexicon, phrase: str) -> str:
    """Normalise a phrase like text, keeping `...` (the squeeze would make it one dot)."""
    return " & ".join(
        " ... ".join(lexicon.normalise(piece).strip() for piece in part.split("..."))
        for part in phrase.split("&")
    )


@cache
def lexicons(languages: Sequence[str] = LANGUAGES) -> tuple[Lexicon, ...]:
    """The compiled lexicons of `languages` that have a file (loaded once)."""
    return tuple(
        load_lexicon(LEXICON_DIR / f"{lang}.yaml")
        for lang in languages
        if (LEXICON_DIR / f"{lang}.yaml").is_file()
    )


def danger_matches(text: str, lang: str | None = None) -> Iterator[Entry]:
    """Every lexicon entry found in `text`, the `lang` lexicon first.

    All lexicons are searched whatever `lang` says: a cry for help typed in another language
    than the conversation's must still be caught.
    """
    ordered = sorted(lexicons(), key=lambda lex: lex.lang != lang)
    for lexicon in ordered:
        normalised = lexicon.normalise(text)
        for entry in lexicon.entries:
            if entry.regex.search(normalised):
                yield entry


def danger_kind(text: str, lang: str | None = None) -> DangerKind | None:
    """The most urgent danger the text signals, or None.

    Precedence: emergency > trafficking > violence. Every language's lexicon is checked, so
    `lang` (the conversation language) changes nothing in the answer: a cry for help typed in
    another language still counts. Use `danger_matches` to see which phrases matched.
    """
    normalised = {lex.lang: lex.normalise(text) for lex in lexicons()}
    for kind in PRECEDENCE:
        for lexicon in lexicons():
            for entry_kind, regex in lexicon.combined:
                if entry_kind == kind and regex.search(normalised[lexicon.lang]):
                    return kind
    return None
