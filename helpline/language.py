"""Offline language detection for incoming messages: a naive Bayes classifier over character
n-grams and words, trained lazily on the project's own NLU examples (`bot/data/nlu/<lang>.yml`).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpline.i18n import LANGUAGES
from helpline.paths import NLU_DIR

log = logging.getLogger(__name__)

#: Below this confidence a caller should ignore the guess (fall back to slot, channel hint...).
CONFIDENCE_THRESHOLD = 0.75

#: Character n-gram orders, taken inside each word padded with spaces (word boundaries).
NGRAM_ORDERS: tuple[int, ...] = (1, 2, 3, 4, 5)

#: Lidstone smoothing of the per-language feature distributions.
ALPHA = 0.05

#: Log-likelihoods are divided by this before the softmax: the n-grams of one word are far from
#: independent, and raw naive Bayes posteriors would be near 1.0 even for two-letter messages.
TEMPERATURE = 12.0

#: Each word also counts as a feature of its own, this many times.
WORD_WEIGHT = 3

#: Whether pairs of consecutive words are features too.
WORD_BIGRAMS = True

#: Messages with fewer letters than this carry too little evidence for a confident guess.
MIN_LETTERS = 4

#: Intents whose examples are not written in the file's language ("in English please" in the
#: Spanish file), so they would teach the wrong label; they are left out of training.
EXCLUDED_INTENTS = frozenset({"choose_language"})

#: The C-accelerated safe loader when PyYAML was built with libyaml (same semantics, faster).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_LETTERS = re.compile(r"[^\W\d_]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


def fold(text: str) -> str:
    """Lower-case, strip accents and other combining marks, squeeze letters repeated 3+ times.

    Works for any script: only combining marks are removed, so Arabic letters stay letters.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1", stripped)


def words(text: str) -> list[str]:
    """The letter-only words of `text` after folding (digits, punctuation, emoji dropped)."""
    return _LETTERS.findall(fold(text))


def word_features(word: str) -> list[str]:
    """Character n-grams of one folded word padded with spaces, plus the word (prefixed `w:`)."""
    padded = f" {word} "
    grams = [padded[i : i + n] for n in NGRAM_ORDERS for i in range(len(padded) - n + 1)]
    grams = [g for g in grams if g != " "]
    grams.extend(["w:" + word] * WORD_WEIGHT)
    return grams


def text_features(tokens: Sequence[str]) -> list[str]:
    """Features spanning words: word bigrams (prefixed `b:`)."""
    if not WORD_BIGRAMS:
        return []
    return [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def features(text: str) -> Iterator[str]:
    """Character n-grams of each padded word, the words themselves, and word bigrams."""
    tokens = words(text)
    for word in tokens:
        yield from word_features(word)
    yield from text_features(tokens)


def read_nlu_examples(path: Path, exclude: frozenset[str] = EXCLUDED_INTENTS) -> list[str]:
    """The example lines of one Rasa NLU YAML file (all intents except `exclude`)."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    out: list[str] = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block or block["intent"] in exclude:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                out.append(line[2:].strip())
    return out


def read_nlu_intents(path: Path) -> dict[str, list[str]]:
    """Every intent of one Rasa NLU YAML file with its example lines."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    out: dict[str, list[str]] = {}
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        lines = [
            line.strip()[2:].strip()
            for line in str(block.get("examples") or "").splitlines()
            if line.strip().startswith("- ")
        ]
        out.setdefault(str(block["intent"]), []).extend(lines)
    return out


@dataclass(frozen=True)
class LanguageDetector:
    """Multinomial naive Bayes over `features()`; uniform prior over the known languages."""

    languages: tuple[str, ...]
    log_probs: Mapping[str, tuple[float, ...]]
    temperature: float = TEMPERATURE

    @classmethod
    def train(cls, samples: Mapping[str, Iterable[str]], alpha: float = ALPHA) -> LanguageDetector:
        """Fit on `{lang: [text, ...]}`."""
        languages = tuple(samples)
        counts: list[Counter[str]] = []
        for lang in languages:
            word_counts: Counter[str] = Counter()
            counter: Counter[str] = Counter()
            for text in samples[lang]:
                tokens = words(text)
                word_counts.update(tokens)
                counter.update(text_features(tokens))
            for word, k in word_counts.items():
                for feat in word_features(word):
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
        return cls(languages, log_probs)

    @classmethod
    def from_nlu_dir(
        cls, nlu_dir: Path = NLU_DIR, languages: Sequence[str] = LANGUAGES
    ) -> LanguageDetector:
        """Train on `<nlu_dir>/<lang>.yml` for every language whose file exists."""
        samples = {
            lang: read_nlu_examples(nlu_dir / f"{lang}.yml")
            for lang in languages
            if (nlu_dir / f"{lang}.yml").is_file()
        }
        missing = sorted(set(languages) - set(samples))
        if missing:
            log.warning("language detector: no NLU data for %s", ", ".join(missing))
        if not samples:
            raise FileNotFoundError(f"no NLU files for {list(languages)} in {nlu_dir}")
        return cls.train(samples)

    def predict_proba(self, text: str) -> dict[str, float]:
        """Probability of each language; uniform when the text has no known feature."""
        n = len(self.languages)
        scores = [0.0] * n
        for feat in features(text):
            row = self.log_probs.get(feat)
            if row is None:
                continue
            for i in range(n):
                scores[i] += row[i]
        top = max(scores)
        weights = [math.exp((s - top) / self.temperature) for s in scores]
        letters = sum(len(w) for w in words(text))
        if letters < MIN_LETTERS:
            # Too little text: pull the distribution towards uniform in proportion.
            share = letters / MIN_LETTERS
            total = sum(weights)
            weights = [share * w / total + (1 - share) / n for w in weights]
        total = sum(weights)
        return {lang: w / total for lang, w in zip(self.languages, weights, strict=True)}

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
