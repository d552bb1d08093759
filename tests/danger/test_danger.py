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
    score_nlu_file,
)
from helpline.i18n import LANGUAGES
from helpline.paths import BOT_DIR, NLU_DIR

CASES_DIR = Path(__file__).parent / "cases"
HELDOUT_DIR = BOT_DIR / "tests" / "nlu_heldout"


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
    assert not re.search(compile_phrase("quito ... pasaporte"), "quito a b c d e pasaporte")
    assert re.search(compile_phrase("me (esta)? pegando"), "me pegando")
    assert re.search(compile_phrase("m'a frappe"), "il ma frappe")
    both = re.compile(compile_phrase("pasaporte & quito"), re.DOTALL)
    assert both.search("el pasaporte me lo quito el jefe")
    assert both.search("quito ... el pasaporte")
    assert not both.search("el pasaporte")
    assert not re.search(compile_phrase(r"ayuda(?!\W*\w)"), "ayuda con mi pension")
    assert re.search(compile_phrase(r"ayuda(?!\W*\w)"), "ayuda!!")
    with pytest.raises(ValueError):
        compile_phrase("... pasaporte")


@pytest.mark.parametrize("base", [NLU_DIR, HELDOUT_DIR], ids=["training", "heldout"])
def test_lexicon_flags_every_danger_example_of_the_nlu_data(base: Path) -> None:
    scores = [
        score_nlu_file(base / f"{lang}.yml")
        for lang in LANGUAGES
        if (base / f"{lang}.yml").is_file()
    ]
    if not scores:
        pytest.skip(f"no NLU files in {base} yet")
    total = sum(s.danger_total for s in scores)
    caught = sum(s.danger_caught for s in scores)
    others = sum(s.other_total for s in scores)
    flagged = sum(s.other_flagged for s in scores)
    missed = [line for s in scores for line in s.missed]
    assert total > 0
    assert caught / total >= 0.95, missed
    assert missed == [], f"recall {caught / total:.3f}: {missed}"
    assert flagged / others <= 0.02, [line for s in scores for line in s.flagged]
