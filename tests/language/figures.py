"""Language detector figures by cross-validation over the NLU training files, the way its
settings (`Params`) and `CONFIDENCE_THRESHOLD` are chosen: the held-out set stays an exam.

Each fold trains on the other folds' lines of every language and scores its own. The grid
varies smoothing and word weight (which need training) and the calibration (temperature,
shortest confident text), which only re-reads each line's log-likelihoods. For the chosen
settings it prints, per threshold, the share of lines confidently guessed and how many of
those were wrong: the threshold is the lowest one that keeps confident mistakes under 1 %.

Run `python -m tests.language.figures [--folds K]`.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from helpline.i18n import LANGUAGES
from helpline.language.detection import (
    CONFIDENCE_THRESHOLD,
    DEFAULT_PARAMS,
    EXCLUDED_INTENTS,
    LanguageDetector,
    Params,
    read_nlu_examples,
)
from helpline.language.text import words
from helpline.paths import NLU_DIR

ALPHAS = (0.01, 0.05, 0.2)
WORD_WEIGHTS = (1, 3)
TEMPERATURES = (6.0, 12.0, 24.0)
MIN_LETTERS = (2, 4, 8)
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.9)
#: Confident mistakes a threshold may leave (share of the confident guesses).
MAX_CONFIDENT_WRONG = 0.01


@dataclass(frozen=True)
class Scored:
    """One development line as one fold's model saw it."""

    lang: str
    scores: list[float]
    letters: int


def training_lines() -> dict[str, list[str]]:
    return {lang: read_nlu_examples(NLU_DIR / f"{lang}.yml", EXCLUDED_INTENTS)
            for lang in LANGUAGES if (NLU_DIR / f"{lang}.yml").is_file()}


def folds_of(lines: dict[str, list[str]], k: int, seed: int = 13) -> list[dict[str, list[str]]]:
    """`k` disjoint parts of every language's lines, shuffled once."""
    parts: list[dict[str, list[str]]] = [{} for _ in range(k)]
    rng = random.Random(seed)
    for lang, texts in lines.items():
        shuffled = list(texts)
        rng.shuffle(shuffled)
        for i in range(k):
            parts[i][lang] = shuffled[i::k]
    return parts


def score_folds(parts: Sequence[dict[str, list[str]]], params: Params) -> list[Scored]:
    """Every line's log-likelihoods under the model trained without its fold."""
    out: list[Scored] = []
    for i, test in enumerate(parts):
        train: dict[str, list[str]] = {}
        for j, part in enumerate(parts):
            if j != i:
                for lang, texts in part.items():
                    train.setdefault(lang, []).extend(texts)
        model = LanguageDetector.train(train, params)
        for lang, texts in test.items():
            for text in texts:
                letters = sum(len(w) for w in words(text))
                out.append(Scored(lang, model.log_scores(text), letters))
    return out


def outcome(model: LanguageDetector, scored: list[Scored], params: Params,
            threshold: float) -> tuple[float, float, float]:
    """(accuracy, share confident, share of confident guesses that were wrong)."""
    correct = confident = confident_wrong = 0
    for line in scored:
        proba = model.calibrated(line.scores, line.letters, params)
        best = max(range(len(proba)), key=proba.__getitem__)
        right = model.languages[best] == line.lang
        correct += right
        if proba[best] >= threshold:
            confident += 1
            confident_wrong += not right
    n = len(scored)
    return correct / n, confident / n, confident_wrong / max(confident, 1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    args = parser.parse_args(argv)
    lines = training_lines()
    parts = folds_of(lines, args.folds)
    languages = tuple(lines)
    print(f"{sum(map(len, lines.values()))} training lines in {', '.join(languages)}; "
          f"{args.folds}-fold cross-validation")
    print(f"{'alpha':>6}{'word w.':>8}{'temp.':>7}{'min let.':>9}{'acc':>8}"
          f"{'conf.':>7}{'conf. wrong':>12}")
    results = []
    for alpha, weight in itertools.product(ALPHAS, WORD_WEIGHTS):
        trained = replace(DEFAULT_PARAMS, alpha=alpha, word_weight=weight)
        scored = score_folds(parts, trained)
        # Only `languages` and calibration are read from this model: any trained one will do.
        model = LanguageDetector.train({lang: texts[:1] for lang, texts in lines.items()},
                                       trained)
        for temperature, min_letters in itertools.product(TEMPERATURES, MIN_LETTERS):
            params = replace(trained, temperature=temperature, min_letters=min_letters)
            acc, conf, wrong = outcome(model, scored, params, CONFIDENCE_THRESHOLD)
            results.append((acc, -wrong, params, scored, model))
            mark = " *" if params == DEFAULT_PARAMS else ""
            print(f"{alpha:>6}{weight:>8}{temperature:>7}{min_letters:>9}{acc:>8.4f}"
                  f"{conf:>7.3f}{wrong:>12.4f}{mark}")
    best = max(results, key=lambda r: (r[0], r[1]))[2]
    print(f"\nbest by accuracy (then fewest confident mistakes): {best}")
    print(f"the shipped settings are marked * (DEFAULT_PARAMS = {DEFAULT_PARAMS})")
    print("\nthresholds for the shipped settings:")
    chosen_params = DEFAULT_PARAMS
    chosen = next(r for r in results if r[2] == chosen_params)
    print(f"{'threshold':>10}{'conf.':>8}{'conf. wrong':>12}")
    lowest = None
    for threshold in THRESHOLDS:
        _, conf, wrong = outcome(chosen[4], chosen[3], chosen_params, threshold)
        if lowest is None and wrong <= MAX_CONFIDENT_WRONG:
            lowest = threshold
        mark = " *" if threshold == CONFIDENCE_THRESHOLD else ""
        print(f"{threshold:>10}{conf:>8.3f}{wrong:>12.4f}{mark}")
    print(f"lowest threshold with at most {MAX_CONFIDENT_WRONG:.0%} confident mistakes: {lowest}"
          f" (CONFIDENCE_THRESHOLD = {CONFIDENCE_THRESHOLD})")


if __name__ == "__main__":
    main()
