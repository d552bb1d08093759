"""Danger lexicon figures, measured the honest way: by cross-validation over the development
lines (the NLU training files and the hand-written cases), the held-out set read once at the end.

The entries are written by hand, so "training" an entry means writing it for the lines it
matches. Plain recall on the development lines is then 100 % by construction and says nothing
about new messages. The k-fold figure asks what a fold would get from the entries that the
*other* folds justify: for each fold, only entries that match at least one development line
outside the fold count. A line caught only by entries written for it alone is a miss there.

`fitted_entries` lists the entries that match exactly one held-out line and nothing in the
development data (training, cases, development conversations): entries fitted to the exam.

Run `python -m tests.danger.figures [--folds K] [--heldout]` (the held-out figure only with
`--heldout`, once, at the end of a change).
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpline.i18n import LANGUAGES
from helpline.language.nlu_data import read_nlu_intents
from helpline.paths import BOT_DIR, NLU_DIR, ROOT
from helpline.safety.danger import DANGER_INTENTS, Lexicon, lexicons

CASES_DIR = Path(__file__).resolve().parent / "cases"
HELDOUT_DIR = BOT_DIR / "tests" / "nlu_heldout"
CONVERSATIONS_DIR = ROOT / "benchmarks" / "conversations" / "development"

#: An entry is named by its language, kind and phrase.
EntryKey = tuple[str, str, str]


@dataclass(frozen=True)
class Line:
    """One labelled message: where it comes from, and whether it is a danger message."""

    source: str  # "training", "cases", "heldout" or "conversations" (unlabelled)
    lang: str
    text: str
    danger: bool | None


@dataclass
class Score:
    """Danger lines caught and other lines flagged."""

    danger: int = 0
    caught: int = 0
    others: int = 0
    flagged: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.caught / self.danger if self.danger else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.flagged / self.others if self.others else 0.0

    @property
    def precision(self) -> float:
        found = self.caught + self.flagged
        return self.caught / found if found else 1.0


def nlu_lines(base: Path, source: str) -> list[Line]:
    """Every example of `<base>/<lang>.yml`, a danger line when its intent means danger."""
    out = []
    for lang in LANGUAGES:
        path = base / f"{lang}.yml"
        if path.is_file():
            for intent, lines in read_nlu_intents(path).items():
                out += [Line(source, lang, text, intent in DANGER_INTENTS) for text in lines]
    return out


def case_lines(cases_dir: Path = CASES_DIR) -> list[Line]:
    """The hand-written cases: danger messages and ordinary questions per language."""
    out = []
    for lang in LANGUAGES:
        data = yaml.safe_load((cases_dir / f"{lang}.yaml").read_text(encoding="utf-8"))
        out += [Line("cases", lang, text, True) for _kind, text in data["danger"]]
        out += [Line("cases", lang, text, False) for text in data["ordinary"]]
    return out


def conversation_lines(base: Path = CONVERSATIONS_DIR) -> list[Line]:
    """User turns of the development conversations (no per-line label: evidence only)."""
    out = []
    for path in sorted(base.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for conversation in data.get("conversations") or []:
            out += [Line("conversations", str(conversation.get("lang")), str(turn["user"]), None)
                    for turn in conversation.get("turns") or [] if "user" in turn]
    return out


def development_lines() -> list[Line]:
    """The labelled lines the lexicon is developed against: NLU training data and cases."""
    return nlu_lines(NLU_DIR, "training") + case_lines()


def heldout_lines() -> list[Line]:
    return nlu_lines(HELDOUT_DIR, "heldout")


def matches(line: Line, lexicon_set: Sequence[Lexicon]) -> set[EntryKey]:
    """The entries of every lexicon that match the line (each lexicon's combined pattern first,
    so a line that none of its entries matches costs one search)."""
    found: set[EntryKey] = set()
    for lexicon in lexicon_set:
        text = lexicon.normalise(line.text)
        if not any(regex.search(text) for _kind, regex in lexicon.combined):
            continue
        found |= {(e.lang, e.kind, e.phrase) for e in lexicon.entries if e.regex.search(text)}
    return found


def hits(lines: Sequence[Line]) -> list[set[EntryKey]]:
    """For each line, the entries that match it."""
    lexicon_set = lexicons()
    return [matches(line, lexicon_set) for line in lines]


def score(lines: Iterable[Line], found: Iterable[set[EntryKey]],
          allowed: set[EntryKey] | None = None) -> Score:
    """Recall and false alarms of the entries in `allowed` (all when None)."""
    result = Score()
    for line, entries in zip(lines, found, strict=True):
        flagged = bool(entries if allowed is None else entries & allowed)
        if line.danger:
            result.danger += 1
            result.caught += flagged
            if not flagged:
                result.missed.append(f"{line.source} {line.lang}: {line.text}")
        elif line.danger is False:
            result.others += 1
            result.flagged += flagged
            if flagged:
                result.false_alarms.append(f"{line.source} {line.lang}: {line.text}")
    return result


def folds(n: int, k: int, seed: int = 12) -> list[list[int]]:
    """`k` disjoint folds of the indices 0..n-1, shuffled with a fixed seed."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(lines: Sequence[Line], found: Sequence[set[EntryKey]],
                   k: int = 5, seed: int = 12) -> list[Score]:
    """Each fold scored with only the entries that match a development line outside it."""
    scores = []
    for fold in folds(len(lines), k, seed):
        inside = set(fold)
        supported: set[EntryKey] = set()
        for i, entries in enumerate(found):
            if i not in inside:
                supported |= entries
        scores.append(score([lines[i] for i in fold], [found[i] for i in fold], supported))
    return scores


def fitted_entries(heldout: Sequence[Line], heldout_found: Sequence[set[EntryKey]],
                   evidence_found: Iterable[set[EntryKey]]) -> list[EntryKey]:
    """Entries that match exactly one held-out line and no development line at all."""
    seen = set().union(*evidence_found)
    count: dict[EntryKey, int] = {}
    for entries in heldout_found:
        for entry in entries:
            count[entry] = count.get(entry, 0) + 1
    return sorted(e for e, n in count.items() if n == 1 and e not in seen)


def recall_floor(scores: Sequence[Score], margin: float = 0.02) -> float:
    """The floor a held-out test can assert: the worst fold's recall less a margin, rounded
    down to a hundredth."""
    return max(0.0, int((min(s.recall for s in scores) - margin) * 100) / 100)


def _table(name: str, s: Score) -> str:
    return (f"{name:<24}{s.danger:>7}{s.recall:>8.3f}{s.others:>8}{s.false_positive_rate:>9.4f}"
            f"{s.precision:>10.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--heldout", action="store_true",
                        help="also measure the held-out set (once, at the end of a change)")
    parser.add_argument("--fitted", action="store_true",
                        help="list the entries fitted to the held-out set (reads it)")
    args = parser.parse_args(argv)

    dev = development_lines()
    dev_found = hits(dev)
    print(f"{'lines':<24}{'danger':>7}{'recall':>8}{'others':>8}{'FP rate':>9}{'precision':>10}")
    for source in ("training", "cases"):
        picked = [i for i, line in enumerate(dev) if line.source == source]
        print(_table(source, score([dev[i] for i in picked], [dev_found[i] for i in picked])))
    print(_table("development (all)", score(dev, dev_found)))
    scores = cross_validate(dev, dev_found, args.folds)
    for i, s in enumerate(scores, 1):
        print(_table(f"  fold {i}/{args.folds}", s))
    recalls = [s.recall for s in scores]
    fps = [s.false_positive_rate for s in scores]
    print(f"{args.folds}-fold recall {statistics.mean(recalls):.3f} "
          f"(min {min(recalls):.3f}, sd {statistics.pstdev(recalls):.3f}); false-positive rate "
          f"{statistics.mean(fps):.4f}; floor for the held-out test {recall_floor(scores):.2f}")
    if args.fitted or args.heldout:
        held = heldout_lines()
        held_found = hits(held)
        if args.fitted:
            evidence = dev_found + hits(conversation_lines())
            fitted = fitted_entries(held, held_found, evidence)
            print(f"\nentries fitted to the held-out set ({len(fitted)}):")
            for lang, kind, phrase in fitted:
                print(f"  {lang} {kind}: {phrase}")
        if args.heldout:
            print()
            print(_table("held-out (once)", score(held, held_found)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
