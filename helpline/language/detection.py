"""Offline language detection for incoming messages: a naive Bayes classifier over character
n-grams and words, trained lazily on the project's own NLU examples (`bot/data/nlu/<lang>.yml`).

The settings (`Params`) are chosen by cross-validation on the training files
(`python -m tests.language.figures`); the held-out set is read once, at the end.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpline.i18n import LANGUAGES
from helpline.language.nlu_data import read_nlu_examples
from helpline.language.text import words
from helpline.paths import NLU_DIR

log = logging.getLogger(__name__)

#: Below this confidence a caller should ignore the guess (fall back to slot, channel hint...);
#: at or above it the reply-language policy lets the detected language win over the saved one.
#: The lowest threshold whose confident guesses are wrong at most 1 % of the time in 5-fold
#: cross-validation over the training files (0.95 % at 0.8; 1.04 % at 0.75).
CONFIDENCE_THRESHOLD = 0.8



@dataclass(frozen=True)
class Params:
    """The detector's settings (features, smoothing, calibration)."""

    #: Character n-gram orders, taken inside each word padded with spaces (word boundaries).
    ngram_orders: tuple[int, ...] = (1, 2, 3, 4, 5)
    #: Lidstone smoothing of the per-language feature distributions.
    alpha: float = 0.05
    #: Log-likelihoods are divided by this before the softmax: the n-grams of one word are far
    #: from independent, and raw naive Bayes posteriors would be near 1.0 even for two letters.
    temperature: float = 12.0
    #: Each word also counts as a feature of its own, this many times.
    word_weight: int = 3
    #: Whether pairs of consecutive words are features too.
    word_bigrams: bool = True
    #: Messages with fewer letters than this carry too little evidence for a confident guess.
    min_letters: int = 4


DEFAULT_PARAMS = Params()

#: Intents whose examples are not written in the file's language ("in English please" in the
#: Spanish file), so they would teach the wrong label; they are left out of training.
EXCLUDED_INTENTS = frozenset({"choose_language"})


def word_features(word: str, params: Params = DEFAULT_PARAMS) -> list[str]:
    """Character n-grams of one folded word padded with spaces, plus the word (prefixed `w:`)."""
    padded = f" {word} "
    grams = [padded[i : i + n] for n in params.ngram_orders
             for i in range(len(padded) - n + 1)]
    grams = [g for g in grams if g != " "]
    grams.extend(["w:" + word] * params.word_weight)
    return grams


def text_features(tokens: Sequence[str], params: Params = DEFAULT_PARAMS) -> list[str]:
    """Features spanning words: word bigrams (prefixed `b:`)."""
    if not params.word_bigrams:
        return []
    return [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def features(text: str, params: Params = DEFAULT_PARAMS) -> Iterator[str]:
    """Character n-grams of each padded word, the words themselves, and word bigrams."""
    tokens = words(text)
    for word in tokens:
        yield from word_features(word, params)
    yield from text_features(tokens, params)


@dataclass(frozen=True)
class LanguageDetector:
    """Multinomial naive Bayes over `features()`; uniform prior over the known languages."""

    languages: tuple[str, ...]
    log_probs: Mapping[str, tuple[float, ...]]
    params: Params = DEFAULT_PARAMS

    @classmethod
    def train(cls, samples: Mapping[str, Iterable[str]],
              params: Params = DEFAULT_PARAMS) -> LanguageDetector:
        """Fit on `{lang: [text, ...]}`."""
        alpha = params.alpha
        languages = tuple(samples)
        counts: list[Counter[str]] = []
        for lang in languages:
            word_counts: Counter[str] = Counter()
            counter: Counter[str] = Counter()
            for text in samples[lang]:
                tokens = words(text)
                word_counts.update(tokens)
                counter.update(text_features(tokens, params))
            for word, k in word_counts.items():
                for feat in word_features(word, params):
                    counter[feat] += k
            counts.append(counter)
        vocabulary = set().union(*counts)
        log_denominators = [math.log(sum(c.values()) + alpha * len(vocabulary)) for c in counts]
        log_alpha = math.log(alpha)
        log_probs = {
            feat: tuple(
                (math.log(c[feat] + alpha) if feat in c else log_alpha) - d
                for c, d in zip(counts, log_denominators, strict=True)
            )
            for feat in vocabulary
        }
        return cls(languages, log_probs, params)

    @classmethod
    def from_nlu_dir(
        cls, nlu_dir: Path = NLU_DIR, languages: Sequence[str] = LANGUAGES
    ) -> LanguageDetector:
        """Train on `<nlu_dir>/<lang>.yml` for every language whose file exists."""
        samples = {
            lang: read_nlu_examples(nlu_dir / f"{lang}.yml", EXCLUDED_INTENTS)
            for lang in languages
            if (nlu_dir / f"{lang}.yml").is_file()
        }
        missing = sorted(set(languages) - set(samples))
        if missing:
            log.warning("language detector: no NLU data for %s", ", ".join(missing))
        if not samples:
            raise FileNotFoundError(f"no NLU files for {list(languages)} in {nlu_dir}")
        return cls.train(samples)

    def log_scores(self, text: str) -> list[float]:
        """The naive Bayes log-likelihood of `text` under each language (in `languages` order)."""
        n = len(self.languages)
        scores = [0.0] * n
        for feat in features(text, self.params):
            row = self.log_probs.get(feat)
            if row is None:
                continue
            for i in range(n):
                scores[i] += row[i]
        return scores

    def calibrated(self, scores: list[float], letters: int,
                   params: Params | None = None) -> list[float]:
        """Probabilities from `log_scores`: tempered, and pulled towards uniform when the text
        has fewer than `min_letters` letters (`params`: other calibration settings)."""
        params = params or self.params
        n = len(scores)
        top = max(scores)
        weights = [math.exp((s - top) / params.temperature) for s in scores]
        if letters < params.min_letters:
            # Too little text: pull the distribution towards uniform in proportion.
            share = letters / params.min_letters
            total = sum(weights)
            weights = [share * w / total + (1 - share) / n for w in weights]
        total = sum(weights)
        return [w / total for w in weights]

    def predict_proba(self, text: str) -> dict[str, float]:
        """Probability of each language; uniform when the text has no known feature."""
        letters = sum(len(w) for w in words(text))
        proba = self.calibrated(self.log_scores(text), letters)
        return dict(zip(self.languages, proba, strict=True))

    def detect(self, text: str) -> tuple[str, float]:
        """The most probable language and its probability."""
        proba = self.predict_proba(text)
        lang = max(proba, key=proba.__getitem__)
        return lang, proba[lang]


_lock = threading.Lock()
_cached: tuple[tuple[tuple[str, float, int], ...], LanguageDetector] | None = None


def _signature(nlu_dir: Path) -> tuple[tuple[str, float, int], ...]:
    sig = []
    for lang in LANGUAGES:
        path = nlu_dir / f"{lang}.yml"
        if path.is_file():
            st = path.stat()
            sig.append((lang, st.st_mtime, st.st_size))
    return tuple(sig)


def detector() -> LanguageDetector:
    """The production detector, trained at first use on `bot/data/nlu/` and kept in memory.

    Retrained when an NLU file changes (checked with one `stat` per language).
    """
    global _cached
    sig = _signature(NLU_DIR)
    with _lock:
        if _cached is None or _cached[0] != sig:
            _cached = (sig, LanguageDetector.from_nlu_dir(NLU_DIR))
        return _cached[1]


def detect(text: str) -> tuple[str, float]:
    """Detect the language of `text` among the supported ones: `(lang, confidence)`.

    Compare the confidence with `CONFIDENCE_THRESHOLD` before acting on the guess.
    """
    return detector().detect(text)
