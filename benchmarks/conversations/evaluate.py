"""Mechanical checks of one conversation turn against the rubric and the turn's expectations.

Pure functions over what the runner observed (reply messages, tracker intent, actions and
slots): no network, so each check is unit-tested on its own. `summarise` turns the checks of
many conversations into pass rates per language, topic and criterion.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from helpline.i18n import LANGUAGES, gettext_for

HERE = Path(__file__).resolve().parent
RUBRIC_FILE = HERE / "rubric.yaml"
DEVELOPMENT_DIR = HERE / "development"
EXAM_FILE = HERE / "exam.yaml"
CRITERIA = ("correct", "actionable", "safe", "honest", "language")
DANGER_KINDS = ("emergency", "trafficking", "violence")
EXPECT_KEYS = {
    "topic", "country", "nationality", "numbers", "numbers_first", "contact", "include_any",
    "include_all", "exclude", "procedure", "menu_ok",
}

_URL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\w+", re.I)
_PHONE = re.compile(r"(?<![\w])[*+]?\d[\d \-.()]{1,18}\d(?![\w])")
_DIGIT_RUN = re.compile(r"[*+]?\d[\d \-.]*\d|\d")


# --- data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Turn:
    user: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Conversation:
    id: str
    lang: str
    country: str | None
    topic: str
    danger: str | None
    turns: tuple[Turn, ...]
    exam: bool = False
    note: str = ""


def _conversation(raw: Mapping[str, Any], exam: bool, source: str) -> Conversation:
    missing = {"id", "lang", "topic", "turns"} - set(raw)
    if missing:
        raise ValueError(f"{source}: conversation {raw.get('id')!r} lacks {sorted(missing)}")
    turns = []
    for t in raw["turns"]:
        expect = dict(t.get("expect") or {})
        unknown = set(expect) - EXPECT_KEYS
        if unknown:
            raise ValueError(f"{source}: {raw['id']}: unknown expectation {sorted(unknown)}")
        turns.append(Turn(user=str(t["user"]), expect=expect))
    danger = raw.get("danger")
    if danger is not None and danger not in DANGER_KINDS:
        raise ValueError(f"{source}: {raw['id']}: danger must be one of {DANGER_KINDS}")
    if raw["lang"] not in LANGUAGES:
        raise ValueError(f"{source}: {raw['id']}: unknown language {raw['lang']!r}")
    return Conversation(id=str(raw["id"]), lang=str(raw["lang"]),
                        country=(str(raw["country"]).upper() if raw.get("country") else None),
                        topic=str(raw["topic"]), danger=danger, turns=tuple(turns), exam=exam,
                        note=str(raw.get("note") or ""))


def load_file(path: Path, exam: bool = False) -> list[Conversation]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [_conversation(raw, exam, path.name) for raw in data.get("conversations") or []]


def development_set() -> list[Conversation]:
    """The conversations to develop against (every file under `development/`)."""
    out: list[Conversation] = []
    for path in sorted(DEVELOPMENT_DIR.glob("*.yaml")):
        out.extend(load_file(path))
    return out


def exam_set() -> list[Conversation]:
    """The held-out conversations: evaluated by `make bench` only, never tuned against."""
    return load_file(EXAM_FILE, exam=True)


@cache
def rubric() -> dict[str, Any]:
    return dict(yaml.safe_load(RUBRIC_FILE.read_text(encoding="utf-8")))


# --- what the runner saw ------------------------------------------------------------------

@dataclass
class Observed:
    """One turn as the stack answered it."""

    messages: list[dict[str, Any]]
    intent: str | None
    actions: list[str]
    slots_before: dict[str, Any]
    slots_after: dict[str, Any]
    error: str | None = None

    @property
    def texts(self) -> list[str]:
        return [str(m["text"]) for m in self.messages if m.get("text")]

    @property
    def text(self) -> str:
        return "\n\n".join(self.texts)

    @property
    def payload_language(self) -> str | None:
        for m in self.messages:
            custom = m.get("custom")
            if isinstance(custom, dict) and isinstance(custom.get("helpline"), dict):
                lang = custom["helpline"].get("language")
                return str(lang) if lang else None
        return None

    @property
    def buttons(self) -> list[str]:
        return [str(b.get("payload")) for m in self.messages for b in m.get("buttons") or []]


@dataclass(frozen=True)
class Check:
    criterion: str
    name: str
    ok: bool
    reason: str = ""


@dataclass
class Facts:
    """Numbers from the knowledge base: {country: {purpose: [number, ...]}}."""

    numbers: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def of(self, country: str | None, purpose: str) -> list[str]:
        return list(self.numbers.get(country or "", {}).get(purpose, []))


def load_facts(database_url: str, countries: Iterable[str]) -> Facts:
    """Every hotline number of `countries` by purpose, read from the knowledge base."""
    from knowledge.api import hotlines
    from knowledge.db import make_engine, session_scope

    engine = make_engine(database_url)
    facts = Facts()
    try:
        with session_scope(engine) as s:
            for code in sorted(set(countries)):
                by_purpose: dict[str, list[str]] = defaultdict(list)
                for h in hotlines(s, code):
                    by_purpose[h.purpose].append(h.number)
                facts.numbers[code] = dict(by_purpose)
    finally:
        engine.dispose()
    return facts


# --- text helpers -------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case, no accents, single spaces: how messages are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().lower()


def translated(msgid: str, lang: str) -> str:
    return gettext_for(lang)(msgid)


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.:?!])(\s|$)", text.strip())
    return match.group(1) if match else text.strip()


def text_pattern(text: str) -> re.Pattern[str]:
    """A (translated) message as a pattern over folded text: {placeholders} match any text."""
    parts = re.split(r"\{[a-z_]+\}", fold(text))
    return re.compile(".+?".join(re.escape(p) for p in parts))


def marker_pattern(msgid: str, lang: str) -> re.Pattern[str]:
    """A msgid translated into `lang`, as a pattern (see `text_pattern`)."""
    return text_pattern(translated(msgid, lang))


def number_pattern(number: str) -> re.Pattern[str] | None:
    """A hotline number as written in any spacing: its longest run of digits, separators free."""
    runs = _DIGIT_RUN.findall(number)
    if not runs:
        return None
    run = max(runs, key=lambda r: sum(c.isdigit() for c in r))
    digits = [c for c in run if c.isdigit()]
    prefix = re.escape(run[0]) + "?" if run[0] in "*+" else ""
    body = r"[\s\-.]?".join(digits)
    return re.compile(rf"(?<![\d]){prefix}{body}(?![\d])")


def find_number(text: str, number: str) -> int:
    """Where `number` first appears in `text` (-1 if absent)."""
    if (i := text.find(number)) >= 0:
        return i
    pattern = number_pattern(number)
    if pattern is None:
        return -1
    match = pattern.search(text)
    return match.start() if match else -1


def without_urls(text: str) -> str:
    return _URL.sub(" ", text)


def has_contact(text: str) -> bool:
    """A phone number, a web or e-mail address: something the person can use now."""
    return bool(_URL.search(text) or _PHONE.search(without_urls(text)))


# --- the checks ---------------------------------------------------------------------------

def _topic_answered(topic: str, lang: str, seen: Observed) -> bool:
    spec = rubric()["topics"].get(topic)
    if spec is None:
        raise ValueError(f"unknown topic {topic!r} (see rubric.yaml)")
    if seen.intent in (spec.get("intents") or []):
        return True
    if set(seen.actions) & set(spec.get("actions") or []):
        return True
    folded = fold(seen.text)
    return any(marker_pattern(m, lang).search(folded) for m in spec.get("markers") or [])


def _listed(line: str, name: str) -> bool:
    if name.isupper():
        return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", line) is not None
    return fold(name) in fold(line)


# Marks that open a statement (an entitlement, a warning), not a place to go.
STATEMENT_MARKS = ("✅", "⚠", "❌", "❔", "ℹ", "•")


def _listing_lines(text: str) -> list[str]:
    """Lines that present a place or a line to call: they start with a symbol (📍, 🏛️, 📞),
    not a word, and not with the mark of a statement or warning."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped[0].isalnum() and not stripped.startswith(STATEMENT_MARKS):
            out.append(stripped)
    return out


def check_turn(conv: Conversation, index: int, seen: Observed, facts: Facts,
               detect: Callable[[str], tuple[str, float]] | None = None) -> list[Check]:
    """Every check of turn `index` of `conv`, each under one criterion."""
    rb = rubric()
    lang = conv.lang
    expect = conv.turns[index].expect
    text = seen.text
    folded = fold(text)
    checks: list[Check] = []

    def add(criterion: str, name: str, ok: bool, reason: str = "") -> None:
        checks.append(Check(criterion, name, ok, "" if ok else reason))

    if seen.error:
        add("correct", "reply", False, f"no reply: {seen.error}")
        return checks
    add("correct", "reply", bool(text.strip()), "empty reply")

    # correct: the topic, the slots, no menu, no "I did not understand", no asking again
    topics = expect.get("topic")
    wanted: list[str] = ([topics] if isinstance(topics, str) else list(topics or []))
    if wanted:
        ok = any(_topic_answered(t, lang, seen) for t in wanted)
        got = seen.intent or "-"
        acts = ",".join(a for a in seen.actions) or "-"
        add("correct", "topic", ok, f"topic {'/'.join(wanted)} not answered "
                                    f"(intent {got}, action {acts})")
    for slot in ("country", "nationality"):
        if slot in expect:
            want = str(expect[slot]).upper() if expect[slot] else None
            got_value = seen.slots_after.get(slot)
            got_slot = str(got_value).upper() if got_value else None
            add("correct", slot, got_slot == want, f"{slot} slot {got_slot} instead of {want}")
    quiet = set(wanted) & {"greet", "goodbye", "language", "delete"}
    if not expect.get("menu_ok") and not quiet:
        menu_hit = next((m for m in rb["menu_fallback"]
                         if fold(first_sentence(translated(m, lang))) in folded), None)
        only_menu = (set(rb["menu_payloads"]) <= set(seen.buttons) and len(text) < 200)
        in_actions = set(seen.actions) & set(rb["menu_actions"])
        add("correct", "no_menu", not (menu_hit or only_menu or in_actions),
            "menu fallback" + (f" ({','.join(in_actions)})" if in_actions else ""))
    nu = next((m for m in rb["not_understood"]
               if fold(first_sentence(translated(m, lang))) in folded), None)
    add("correct", "understood", nu is None, "\"I did not understand\"")
    for slot, msgid in rb["asks_again"].items():
        if seen.slots_before.get(slot):
            asked = fold(first_sentence(translated(msgid, lang))) in folded
            add("correct", f"asks_again_{slot}", not asked, f"asks again for the {slot}")
    if expect.get("include_all"):
        for item in expect["include_all"]:
            add("correct", "include", fold(str(item)) in folded, f"missing {item!r}")
    if expect.get("include_any"):
        items = [str(i) for i in expect["include_any"]]
        add("actionable", "include_any", any(fold(i) in folded for i in items),
            f"none of {items[:3]}")
    for item in expect.get("exclude") or []:
        add("correct", "exclude", fold(str(item)) not in folded, f"says {item!r}")

    # actionable and safe: the numbers, and something to do now
    country = conv.country
    numbers = list(expect.get("numbers") or [])
    danger_turn = bool(set(numbers) & {"emergency", "trafficking", "violence"}) or (
        conv.danger is not None and bool(numbers))
    front = int(rb["front_chars"])
    for purpose in numbers:
        known = facts.of(country, purpose)
        if not known:
            continue  # the knowledge base has no such line for this country: nothing to demand
        where = [p for p in (find_number(text, n) for n in known) if p >= 0]
        criterion = "safe" if danger_turn else "actionable"
        add(criterion, f"number_{purpose}", bool(where),
            f"no {purpose} number ({' / '.join(known[:2])})")
        if where and danger_turn and expect.get("numbers_first", True):
            add("safe", f"front_{purpose}", min(where) <= front,
                f"{purpose} number not in front (at char {min(where)})")
    if expect.get("contact"):
        add("actionable", "contact", has_contact(text), "no phone, web or e-mail to use")
    for msgid in rb["no_information"]:
        said = text_pattern(first_sentence(translated(msgid, lang))).search(folded)
        if said and not has_contact(text):
            add("actionable", "dead_end", False, "\"no verified information\" and no contact")
    if country and not expect.get("procedure"):
        names = rb["enforcement"].get(country) or []
        offered = [n for n in names for line in _listing_lines(text) if _listed(line, n)]
        add("safe", "no_enforcement", not offered,
            f"enforcement authority listed as help ({offered[0] if offered else ''})")

    # honest: no promises the helpline cannot keep, no hedge on the main emergency number
    promised = [m for m in rb["false_promises"]
                if fold(first_sentence(translated(m, lang))) in folded]
    add("honest", "promise", not promised,
        f"false promise: {first_sentence(promised[0])[:60]}" if promised else "")
    hedge = fold(translated(rb["hedge"], lang)).split(":")[0]
    for number in facts.of(country, "emergency"):
        lines = [line for line in text.splitlines() if find_number(line, number) >= 0]
        if lines:
            hedged = any(hedge in fold(line) for line in lines)
            add("honest", "hedge", not hedged, f"\"not confirmed\" on emergency number {number}")

    # language: what the actions declared, what the text reads as, no code labels
    declared = seen.payload_language
    add("language", "declared", declared == lang, f"reply language {declared} instead of {lang}")
    if detect is not None:
        detected = detected_language(seen.texts, detect, skip=legal_basis_prefix(lang))
        if detected is not None:
            add("language", "detected", detected == lang, f"reply reads as {detected}")
    plain = without_urls(text)
    labels = re.findall(rb["raw_label_pattern"], plain)
    add("language", "raw_label", not labels, f"raw label {labels[0] if labels else ''!r}")
    for pattern in rb["untranslated"].get(lang) or []:
        hit = re.search(pattern, plain, re.IGNORECASE)
        add("language", "untranslated", hit is None,
            f"untranslated {hit.group(0) if hit else ''!r}")
    return checks


def legal_basis_prefix(lang: str) -> str:
    """How a legal-basis line starts in `lang` (law titles keep their own language)."""
    return fold(translated("Legal basis: {basis}", lang).split("{")[0])


def detected_language(texts: list[str], detect: Callable[[str], tuple[str, float]],
                      threshold: float = 0.75, skip: str = "") -> str | None:
    """The language most of the reply is written in (by letters), ignoring listings, law
    titles (lines starting with `skip`) and URLs; None when nothing is confident."""
    votes: Counter[str] = Counter()
    for text in texts:
        kept = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(STATEMENT_MARKS):
                line = line.lstrip("".join(STATEMENT_MARKS) + "\ufe0f ")
            if line and line[0].isalpha() and not (skip and fold(line).startswith(skip)):
                kept.append(line)
        prose = without_urls("\n".join(kept))
        letters = sum(c.isalpha() for c in prose)
        if letters < 20:
            continue
        lang, confidence = detect(prose)
        if confidence >= threshold:
            votes[lang] += letters
    return votes.most_common(1)[0][0] if votes else None


# --- results and tables -------------------------------------------------------------------

@dataclass
class TurnResult:
    conversation: Conversation
    index: int
    observed: Observed
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    def failed(self, criterion: str | None = None) -> list[Check]:
        return [c for c in self.checks if not c.ok and criterion in (None, c.criterion)]


@dataclass
class ConversationResult:
    conversation: Conversation
    turns: list[TurnResult]

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.turns)

    def criterion_passed(self, criterion: str) -> bool | None:
        """None when no turn had a check of this criterion."""
        relevant = [c for t in self.turns for c in t.checks if c.criterion == criterion]
        return all(c.ok for c in relevant) if relevant else None


@dataclass
class Summary:
    conversations: int
    passed: int
    turns: int
    turns_passed: int
    by_criterion: dict[str, tuple[int, int]]
    by_language: dict[str, tuple[int, int]]
    by_topic: dict[str, tuple[int, int]]
    by_danger: dict[str, tuple[int, int]]
    reasons: list[tuple[str, int]]
    reasons_by_turn: dict[int, list[tuple[str, int]]]

    @property
    def rate(self) -> float:
        return self.passed / self.conversations if self.conversations else 0.0

    @property
    def turn_rate(self) -> float:
        return self.turns_passed / self.turns if self.turns else 0.0


def _reason_key(check: Check) -> str:
    """A failure reason without its particulars (numbers, names) so that alike ones count."""
    reason = re.sub(r"\([^)]*\)", "", check.reason)
    reason = re.sub(r"\b[A-Z]{2}\b|\d+", "…", reason)
    reason = re.sub(r"\s+", " ", reason).strip()
    return f"{check.criterion}: {reason}"


def summarise(results: list[ConversationResult]) -> Summary:
    def tally(key: Callable[[ConversationResult], str | None]) -> dict[str, tuple[int, int]]:
        acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in results:
            k = key(r)
            if k is None:
                continue
            acc[k][0] += int(r.passed)
            acc[k][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(acc.items())}

    by_criterion = {}
    for criterion in CRITERIA:
        verdicts = [r.criterion_passed(criterion) for r in results]
        relevant = [v for v in verdicts if v is not None]
        by_criterion[criterion] = (sum(relevant), len(relevant))
    reasons: Counter[str] = Counter()
    by_turn: dict[int, Counter[str]] = defaultdict(Counter)
    for r in results:
        for t in r.turns:
            for c in t.failed():
                key = _reason_key(c)
                reasons[key] += 1
                by_turn[t.index + 1][key] += 1
    turns = [t for r in results for t in r.turns]
    return Summary(
        conversations=len(results), passed=sum(r.passed for r in results),
        turns=len(turns), turns_passed=sum(t.passed for t in turns),
        by_criterion=by_criterion,
        by_language=tally(lambda r: r.conversation.lang),
        by_topic=tally(lambda r: r.conversation.topic),
        by_danger=tally(lambda r: "danger" if r.conversation.danger else "no danger"),
        reasons=reasons.most_common(),
        reasons_by_turn={k: v.most_common() for k, v in sorted(by_turn.items())},
    )


def _pct(passed: int, total: int) -> str:
    return f"{passed:>3}/{total:<3} {100 * passed / total:5.1f} %" if total else "  -"


def render(title: str, summary: Summary, top: int = 8) -> str:
    """The tables `make bench` prints for one set."""
    lines = [f"\n{title}: {summary.passed}/{summary.conversations} conversations pass "
             f"({100 * summary.rate:.1f} %), {summary.turns_passed}/{summary.turns} turns "
             f"({100 * summary.turn_rate:.1f} %)"]
    for heading, table in (("criterion", summary.by_criterion),
                           ("language", summary.by_language), ("topic", summary.by_topic),
                           ("danger", summary.by_danger)):
        lines.append(f"  {'by ' + heading:<20}{'pass':>16}")
        for key, (passed, total) in table.items():
            lines.append(f"  {key:<20}{_pct(passed, total):>16}")
    lines.append("  most frequent failure reasons (turn checks):")
    for reason, count in summary.reasons[:top]:
        lines.append(f"  {count:>5}  {reason}")
    for turn, reasons in summary.reasons_by_turn.items():
        lines.append(f"  turn {turn}: " + "; ".join(f"{r} ×{n}" for r, n in reasons[:3]))
    return "\n".join(lines)
