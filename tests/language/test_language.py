"""Language detection: behaviour on a small seed corpus, and accuracy on the held-out NLU data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.language_detection import HELDOUT_DIR, evaluate, heldout_samples
from helpline.i18n import LANGUAGES
from helpline.language import (
    CONFIDENCE_THRESHOLD,
    EXCLUDED_INTENTS,
    LanguageDetector,
    detect,
    detector,
    features,
    fold,
    read_nlu_examples,
)
from helpline.language import detection as language
from helpline.paths import NLU_DIR

SEED_DIR = Path(__file__).parent / "fixtures" / "nlu"
HAVE_NLU = all((NLU_DIR / f"{lang}.yml").is_file() for lang in LANGUAGES)


@pytest.fixture(scope="module")
def seed() -> LanguageDetector:
    return LanguageDetector.from_nlu_dir(SEED_DIR)


# --- text normalisation -------------------------------------------------------------------


def test_fold_strips_accents_case_and_long_repeats() -> None:
    assert fold("AYÚDAAAA Kreyòl ÇA") == "ayuda kreyol ca"
    assert fold("socorrooo") == "socorro"  # double letters of the language survive


def test_fold_keeps_non_latin_letters() -> None:
    folded = fold("مرحبا، أحتاج طبيب")
    assert "مرحبا" in folded and "طبيب" in folded


def test_features_are_bounded_ngrams_and_words() -> None:
    feats = list(features("Mwen"))
    for expected in (" mwen", "mwen ", " m", "wen ", "w:mwen"):
        assert expected in feats
    assert list(features("😀 123 !!")) == []


# --- behaviour on the seed corpus ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("donde queda el hospital mas cercano", "es"),
        ("where is the nearest hospital", "en"),
        ("onde fica o hospital mais perto", "pt"),
        ("ou se trouve l'hopital le plus proche", "fr"),
        ("kote lopital ki pi pre a ye", "ht"),
    ],
)
def test_seed_detector_recognises_each_language(
    seed: LanguageDetector, text: str, expected: str
) -> None:
    lang, confidence = seed.detect(text)
    assert lang == expected
    assert confidence > 0.5


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙏", "!!!", "12345", "👍"])
def test_empty_or_emoji_only_is_uniform(seed: LanguageDetector, text: str) -> None:
    proba = seed.predict_proba(text)
    assert set(proba) == set(LANGUAGES)
    assert max(proba.values()) == pytest.approx(1 / len(LANGUAGES))
    assert seed.detect(text)[1] < CONFIDENCE_THRESHOLD


@pytest.mark.parametrize("text", ["ok", "si", "no", "a", "m"])
def test_very_short_text_is_low_confidence(seed: LanguageDetector, text: str) -> None:
    assert seed.detect(text)[1] < CONFIDENCE_THRESHOLD


def test_probabilities_sum_to_one(seed: LanguageDetector) -> None:
    proba = seed.predict_proba("mi jefe no me paga")
    assert sum(proba.values()) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in proba.values())


def test_mixed_text_puts_both_languages_on_top(seed: LanguageDetector) -> None:
    proba = seed.predict_proba("my boss no me paga y i need help con mi trabajo")
    top_two = sorted(proba, key=proba.__getitem__, reverse=True)[:2]
    assert set(top_two) == {"es", "en"}


def test_unknown_script_is_not_a_confident_guess(seed: LanguageDetector) -> None:
    assert seed.detect("أين أجد طبيبا")[1] < CONFIDENCE_THRESHOLD


def test_non_latin_language_can_be_learned() -> None:
    samples = {lang: read_nlu_examples(SEED_DIR / f"{lang}.yml", EXCLUDED_INTENTS)
               for lang in ("es", "fr")}
    samples["ar"] = ["أين أجد طبيبا قريبا", "أحتاج مساعدة من فضلك", "مدير العمل لا يدفع راتبي"]
    model = LanguageDetector.train(samples)
    lang, confidence = model.detect("أحتاج طبيبا")
    assert lang == "ar"
    assert confidence >= CONFIDENCE_THRESHOLD


def test_choose_language_examples_are_not_training_data(tmp_path: Path) -> None:
    (tmp_path / "es.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hola\n'
        "- intent: choose_language\n  examples: |\n    - in english please\n",
        encoding="utf-8",
    )
    assert read_nlu_examples(tmp_path / "es.yml", EXCLUDED_INTENTS) == ["hola"]


# --- the production detector --------------------------------------------------------------


def test_production_detector_reads_the_nlu_files() -> None:
    present = [lang for lang in LANGUAGES if (NLU_DIR / f"{lang}.yml").is_file()]
    if not present:
        pytest.skip(f"no NLU files in {NLU_DIR} yet")
    model = detector()
    assert model.languages == tuple(present)
    assert detector() is model  # cached in process
    for lang in present:
        example = read_nlu_examples(NLU_DIR / f"{lang}.yml", EXCLUDED_INTENTS)[0]
        assert set(model.predict_proba(example)) == set(present)


def test_production_training_is_fast() -> None:
    if not any((NLU_DIR / f"{lang}.yml").is_file() for lang in LANGUAGES):
        pytest.skip(f"no NLU files in {NLU_DIR} yet")
    started = time.process_time()  # CPU time: other processes on the machine do not count
    LanguageDetector.from_nlu_dir(NLU_DIR)
    assert time.process_time() - started < 1.0


@pytest.mark.skipif(not HAVE_NLU, reason="NLU training files for all five languages not there yet")
def test_detect_a_short_haitian_creole_question() -> None:
    lang, confidence = detect("kote m ka jwenn yon dokte")
    assert lang == "ht"
    assert confidence >= CONFIDENCE_THRESHOLD
    assert detect("😀")[1] < CONFIDENCE_THRESHOLD


@pytest.mark.parametrize("lang", LANGUAGES)
def test_heldout_accuracy_per_language(lang: str) -> None:
    if not (NLU_DIR / f"{lang}.yml").is_file():
        pytest.skip(f"no training file {NLU_DIR / (lang + '.yml')} yet")
    samples = heldout_samples()
    if lang not in samples:
        pytest.skip(f"no held-out file {HELDOUT_DIR / (lang + '.yml')} yet")
    if not HAVE_NLU:
        pytest.skip("accuracy is only meaningful with all five training files")
    score = evaluate(detector(), {lang: samples[lang]})[lang]
    assert score.total >= 50
    assert score.accuracy >= 0.95, f"{lang}: {score.accuracy:.3f} on {score.total} lines"


def test_detector_is_retrained_when_a_file_changes(monkeypatch, tmp_path: Path) -> None:
    for lang in ("es", "en"):
        (tmp_path / f"{lang}.yml").write_text(
            (SEED_DIR / f"{lang}.yml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    monkeypatch.setattr(language, "NLU_DIR", tmp_path)
    monkeypatch.setattr(language, "_cached", None)
    first = language.detector()
    assert first.languages == ("es", "en")
    (tmp_path / "fr.yml").write_text(
        (SEED_DIR / "fr.yml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    second = language.detector()
    assert second.languages == ("es", "en", "fr")
