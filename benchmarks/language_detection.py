"""Language detection benchmark on the held-out NLU files: per-language accuracy and confusion.

Run `python -m benchmarks.language_detection`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from helpline.i18n import LANGUAGES
from helpline.language import (
    CONFIDENCE_THRESHOLD,
    EXCLUDED_INTENTS,
    LanguageDetector,
    read_nlu_intents,
    words,
)
from helpline.paths import BOT_DIR, NLU_DIR

HELDOUT_DIR = BOT_DIR / "tests" / "nlu_heldout"

#: A "short message" for the per-language table: at most this many words.
SHORT_WORDS = 6


def heldout_samples(
    heldout_dir: Path = HELDOUT_DIR, exclude: frozenset[str] = EXCLUDED_INTENTS
) -> dict[str, list[str]]:
    """`{lang: [example, ...]}` for every supported language with a held-out file."""
    out: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        path = heldout_dir / f"{lang}.yml"
        if path.is_file():
            intents = read_nlu_intents(path)
            out[lang] = [t for name, lines in intents.items() if name not in exclude for t in lines]
    return out


@dataclass
class LanguageScore:
    """Counts for one true language."""

    total: int = 0
    correct: int = 0
    short_total: int = 0
    short_correct: int = 0
    confident: int = 0
    confident_wrong: int = 0
    predicted: Counter[str] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def short_accuracy(self) -> float:
        return self.short_correct / self.short_total if self.short_total else 0.0


def evaluate(
    detector: LanguageDetector,
    samples: dict[str, list[str]],
    threshold: float = CONFIDENCE_THRESHOLD,
) -> dict[str, LanguageScore]:
    """Score `detector` on `{true_lang: [text, ...]}`."""
    scores: dict[str, LanguageScore] = {}
    for lang, texts in samples.items():
        score = scores.setdefault(lang, LanguageScore())
        for text in texts:
            guess, confidence = detector.detect(text)
            short = len(words(text)) <= SHORT_WORDS
            score.total += 1
            score.correct += guess == lang
            score.short_total += short
            score.short_correct += short and guess == lang
            score.predicted[guess] += 1
            if confidence >= threshold:
                score.confident += 1
                score.confident_wrong += guess != lang
    return scores


def errors(
    detector: LanguageDetector, samples: dict[str, list[str]]
) -> list[tuple[str, str, float, str]]:
    """Every misclassified held-out line as `(true, guess, confidence, text)`."""
    out = []
    for lang, texts in samples.items():
        for text in texts:
            guess, confidence = detector.detect(text)
            if guess != lang:
                out.append((lang, guess, confidence, text))
    return out


def main() -> None:
    """Train on `bot/data/nlu/`, evaluate on `bot/tests/nlu_heldout/`, print the tables."""
    started = time.perf_counter()
    detector = LanguageDetector.from_nlu_dir(NLU_DIR)
    train_seconds = time.perf_counter() - started
    samples = heldout_samples()
    if not samples:
        print(f"no held-out files in {HELDOUT_DIR}")
        return
    started = time.perf_counter()
    scores = evaluate(detector, samples)
    n_texts = sum(len(t) for t in samples.values())
    per_message_ms = 1000 * (time.perf_counter() - started) / max(n_texts, 1)
    print(
        f"trained on {', '.join(detector.languages)} in {train_seconds:.2f}s; "
        f"{per_message_ms:.2f} ms per message; threshold {CONFIDENCE_THRESHOLD}; "
        f"intents left out: {', '.join(sorted(EXCLUDED_INTENTS))}"
    )
    print()
    header = f"{'lang':<5}{'n':>5}{'acc':>8}{'short n':>9}{'short acc':>11}"
    header += f"{'confident':>11}{'conf. wrong':>13}"
    print(header)
    for lang, s in scores.items():
        print(
            f"{lang:<5}{s.total:>5}{s.accuracy:>8.3f}{s.short_total:>9}{s.short_accuracy:>11.3f}"
            f"{s.confident / s.total:>11.3f}{s.confident_wrong:>13}"
        )
    total = sum(s.total for s in scores.values())
    correct = sum(s.correct for s in scores.values())
    print(f"{'all':<5}{total:>5}{correct / total:>8.3f}")
    print()
    print("confusion (rows: true, columns: predicted)")
    cols = detector.languages
    print("     " + "".join(f"{c:>6}" for c in cols))
    for lang, s in scores.items():
        print(f"{lang:<5}" + "".join(f"{s.predicted[c]:>6}" for c in cols))
    wrong = errors(detector, samples)
    if wrong:
        print()
        print(f"errors ({len(wrong)}):")
        for true, guess, confidence, text in wrong:
            print(f"  {true}->{guess} {confidence:.2f}  {text}")


if __name__ == "__main__":
    main()
