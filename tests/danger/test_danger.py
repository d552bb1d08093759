"""Danger lexicon: hand-written cases per language, the pattern language, and recall on the
danger intents of the NLU training and held-out files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpline.danger import (
    PRECEDENCE,
    compile_phrase,
    danger_kind,
    danger_matches,
    lexicons,
)
from helpline.i18n import LANGUAGES
from helpline.language import read_nlu_intents
from helpline.paths import BOT_DIR, NLU_DIR

CASES_DIR = Path(__file__).parent / "cases"
HELDOUT_DIR = BOT_DIR / "tests" / "nlu_heldout"
DANGER_INTENTS = ("emergency", "report_trafficking", "report_violence")


def _cases(lang: str) -> dict[str, list]:
    return yaml.safe_load((CASES_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))


DANGER_CASES = [(lang, kind, text) for lang in LANGUAGES for kind, text in _cases(lang)["danger"]]
ORDINARY_CASES = [(lang, text) for lang in LANGUAGES for text in _cases(lang)["ordinary"]]


def test_every_language_has_a_lexicon_and_enough_cases() -> None:
    assert {lex.lang for lex in lexicons()} == set(LANGUAGES)
    for lang in LANGUAGES:
        cases = _cases(lang)
        assert len(cases["danger"]) >= 15
        assert len(cases["ordinary"]) >= 15
        assert {kind for kind, _ in cases["danger"]} == set(PRECEDENCE)


@pytest.mark.parametrize(("lang", "kind", "text"), DANGER_CASES)
def test_danger_message_is_flagged_with_its_kind(lang: str, kind: str, text: str) -> None:
    assert danger_kind(text, lang=lang) == kind
    assert danger_kind(text) == kind  # no language given: every lexicon is checked


@pytest.mark.parametrize(("lang", "text"), ORDINARY_CASES)
def test_ordinary_question_is_not_flagged(lang: str, text: str) -> None:
    found = [(m.lang, m.kind, m.phrase) for m in danger_matches(text, lang)]
    assert found == []
    assert danger_kind(text, lang=lang) is None


def test_examples_from_the_design() -> None:
    assert danger_kind("mi patron me quito el pasaporte y no me deja salir") == "trafficking"
    assert danger_kind("me estan golpeando ayuda") == "emergency"
    assert danger_kind("donde hay un hospital") is None


def test_precedence_emergency_over_trafficking_over_violence() -> None:
    # trafficking + violence words
    assert danger_kind("mi esposo me pega y me quito el pasaporte") == "trafficking"
    # all three
    text = "mi esposo me pega, me quito el pasaporte y ahora me esta ahorcando"
    assert {m.kind for m in danger_matches(text)} == set(PRECEDENCE)
    assert danger_kind(text) == "emergency"


def test_accents_case_repeats_and_spelling_variants() -> None:
    for text in ("ME ESTÁN GOLPEANDO", "me estan golpiando", "me estannn golpeandoooo"):
        assert danger_kind(text) == "emergency", text
    assert danger_kind("me kitaron el pasaporte") == "trafficking"  # k for qu
    assert danger_kind("mi marido me bioló") == "violence"  # b for v


def test_a_message_in_another_language_than_the_conversation_is_caught() -> None:
    assert danger_kind("mari m ap bat mwen", lang="es") == "violence"


def test_empty_and_emoji_text() -> None:
    assert danger_kind("") is None
    assert danger_kind("🙏🙏") is None


def test_pattern_language() -> None:
    import re

    assert re.search(compile_phrase(r"golpe*"), "lo golpearon")
    assert not re.search(compile_phrase(r"golpe*"), "agolpe")
    assert re.search(compile_phrase("quito ... pasaporte"), "quito el viejo pasaporte")
    assert not re.search(
        compile_phrase("quito ... pasaporte"), "quito a b c d e pasaporte"
    )
    assert re.search(compile_phrase("me (esta)? pegando"), "me pegando")
    assert re.search(compile_phrase("m'a frappe"), "il ma frappe")
    both = re.compile(compile_phrase("pasaporte & quito"), re.DOTALL)
    assert both.search("el pasaporte me lo quito el jefe")
    assert both.search("quito ... el pasaporte")
    assert not both.search("el pasaporte")
    with pytest.raises(ValueError):
        compile_phrase("... pasaporte")


def _intent_lines(base: Path) -> list[tuple[str, str, str]]:
    rows = []
    for lang in LANGUAGES:
        path = base / f"{lang}.yml"
        if path.is_file():
            for intent, lines in read_nlu_intents(path).items():
                rows.extend((lang, intent, line) for line in lines)
    return rows


def recall_and_false_positives(base: Path) -> tuple[float, float, list[str], int]:
    """Recall on danger intents, false-positive rate on the others, misses, danger count."""
    rows = _intent_lines(base)
    danger = [r for r in rows if r[1] in DANGER_INTENTS]
    other = [r for r in rows if r[1] not in DANGER_INTENTS]
    missed = [f"{lang} {intent}: {text}" for lang, intent, text in danger if not danger_kind(text)]
    flagged = sum(1 for _, _, text in other if danger_kind(text))
    recall = 1 - len(missed) / len(danger) if danger else 1.0
    fp_rate = flagged / len(other) if other else 0.0
    return recall, fp_rate, missed, len(danger)


@pytest.mark.parametrize("base", [NLU_DIR, HELDOUT_DIR], ids=["training", "heldout"])
def test_lexicon_flags_every_danger_example_of_the_nlu_data(base: Path) -> None:
    if not any((base / f"{lang}.yml").is_file() for lang in LANGUAGES):
        pytest.skip(f"no NLU files in {base} yet")
    recall, fp_rate, missed, total = recall_and_false_positives(base)
    assert total > 0
    assert recall >= 0.95, missed
    assert missed == [], f"recall {recall:.3f}: {missed}"
    assert fp_rate <= 0.02, f"false-positive rate {fp_rate:.3f}"
