"""Stratified 5-fold cross-validation of the intent classifier on the NLU training data.

Runs in the Rasa environment: `.venv-rasa/bin/python bot/scripts/crossval_nlu.py [--folds 5]`.
Loads every `bot/data/nlu/<lang>.yml`, trains one multilingual `NgramIntentModel` per fold
(the same code and default config as `NgramIntentClassifier`, softmax calibration included)
on the other folds of all languages, and scores the held-back fold. Folds are stratified on
(language, intent) with a fixed seed. As with `FallbackClassifier` (threshold 0.3 in
config.yml), a prediction whose top confidence is below the threshold counts as wrong.

Prints accuracy per language, the weakest intents per language, the most frequent confused
pairs per language with a few misclassified training lines, and one JSON summary line last.
With `--repeats N` the folds are drawn N times (seeds seed..seed+N-1) and the counts pooled,
which steadies the figures when comparing two versions of the data (`--data DIR`);
`--baseline DIR` also scores only the lines already present in an older data directory, so
added examples do not flatter the comparison.
The held-out set (`bot/tests/nlu_heldout/`) is never read here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

BOT_DIR = Path(__file__).resolve().parents[1]
NLU_DIR = BOT_DIR / "data" / "nlu"
LANGUAGES = ("es", "en", "pt", "fr", "ht")
FALLBACK = "nlu_fallback"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")

sys.path.insert(0, str(BOT_DIR))
sys.path.insert(0, str(BOT_DIR / "scripts"))

from evaluate_nlu import load_examples as read_examples  # noqa: E402


def load_examples(directory: Path = NLU_DIR) -> list[tuple[str, str, str]]:
    """(language, intent, text) of every training line, entity annotations stripped."""
    rows = [
        (lang, intent, _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text))
        for lang, intent, text in read_examples(directory)
        if lang in LANGUAGES
    ]
    return sorted(rows, key=lambda row: LANGUAGES.index(row[0]))  # stable: file order kept


def cross_validate(rows, folds: int, seed: int, threshold: float) -> list[str]:
    """The predicted intent of every row when it was in the test fold."""
    from helpline_nlu.intent_classifier import NgramIntentClassifier, NgramIntentModel

    config = NgramIntentClassifier.get_default_config()
    texts = [text for _, _, text in rows]
    intents = np.array([intent for _, intent, _ in rows])
    strata = np.array([f"{lang}/{intent}" for lang, intent, _ in rows])
    predicted = [""] * len(rows)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fold, (train_index, test_index) in enumerate(splitter.split(texts, strata), 1):
        model = NgramIntentModel(config).fit([texts[i] for i in train_index], intents[train_index])
        probabilities = model.predict_proba([texts[i] for i in test_index])
        for i, row in zip(test_index, probabilities, strict=True):
            best = int(np.argmax(row))
            predicted[i] = str(model.classes[best]) if row[best] >= threshold else FALLBACK
        print(f"fold {fold}/{folds} done", file=sys.stderr, flush=True)
    return predicted


def report(rows, predicted, weakest: int, pairs: int, examples: int) -> dict:
    """Prints the tables; returns the per-language and overall accuracies."""
    totals: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    per_intent_total: Counter[tuple[str, str]] = Counter()
    per_intent_correct: Counter[tuple[str, str]] = Counter()
    confused: dict[str, Counter] = defaultdict(Counter)
    wrong_lines: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for (lang, intent, text), guess in zip(rows, predicted, strict=True):
        totals[lang] += 1
        per_intent_total[lang, intent] += 1
        if guess == intent:
            correct[lang] += 1
            per_intent_correct[lang, intent] += 1
        else:
            confused[lang][intent, guess] += 1
            wrong_lines[lang, intent, guess].append(text)

    accuracy = {lang: correct[lang] / totals[lang] for lang in LANGUAGES if totals[lang]}
    overall = sum(correct.values()) / sum(totals.values())
    print("\n== accuracy per language")
    for lang, value in accuracy.items():
        print(f"  {lang}  {value:.4f}  ({correct[lang]}/{totals[lang]})")
    print(f"  all {overall:.4f}")

    print(f"\n== weakest {weakest} intent/language cells")
    cells = sorted(per_intent_total, key=lambda k: per_intent_correct[k] / per_intent_total[k])
    for lang, intent in cells[:weakest]:
        n, ok = per_intent_total[lang, intent], per_intent_correct[lang, intent]
        print(f"  {lang}  {intent:22s} {ok / n:.3f}  ({ok}/{n})")

    for lang in LANGUAGES:
        print(f"\n== {lang}: top confusions (expected -> predicted)")
        for (intent, guess), count in confused[lang].most_common(pairs):
            print(f"  {count:3d}  {intent} -> {guess}")
            for text in wrong_lines[lang, intent, guess][:examples]:
                print(f"         | {text}")
    per_language = {lang: round(value, 4) for lang, value in accuracy.items()}
    return {"overall": round(overall, 4), "per_language": per_language}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threshold", type=float, default=0.3, help="fallback threshold")
    parser.add_argument("--weakest", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--examples", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeat with seeds seed, seed+1, ... and pool the predictions")
    parser.add_argument("--data", type=Path, default=NLU_DIR, help="directory of <lang>.yml")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="also score only the lines that are in this older data directory")
    args = parser.parse_args()
    rows = load_examples(args.data)
    pooled_rows, predicted = [], []
    for repeat in range(args.repeats):
        pooled_rows += rows
        predicted += cross_validate(rows, args.folds, args.seed + repeat, args.threshold)
    summary = report(pooled_rows, predicted, args.weakest, args.pairs, args.examples)
    if args.baseline:
        old = set(load_examples(args.baseline))
        pairs = zip(pooled_rows, predicted, strict=True)
        kept = [(row, guess) for row, guess in pairs if row in old]
        per_language = {}
        for lang in LANGUAGES:
            hits = [guess == row[1] for row, guess in kept if row[0] == lang]
            if hits:
                per_language[lang] = round(sum(hits) / len(hits), 4)
        overall = round(sum(guess == row[1] for row, guess in kept) / len(kept), 4)
        summary["baseline_lines"] = {"overall": overall, "per_language": per_language}
        print(f"\n== baseline lines only ({len(kept)} predictions): {overall} {per_language}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
