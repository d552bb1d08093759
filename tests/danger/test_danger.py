"""Danger lexicon: hand-written cases per language, the pattern language, recall on the danger
intents of the NLU training files, and a floor on the held-out files measured by
cross-validation over the development lines (`python -m tests.danger.figures`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpline.i18n import LANGUAGES
from helpline.safety.danger import (
    PRECEDENCE,
    compile_phrase,
    danger_kind,
    danger_matches,
    lexicons,
)
from tests.danger.figures import (
    EntryKey,
    Line,
    conversation_lines,
    cross_validate,
    development_lines,
    fitted_entries,
    heldout_lines,
    hits,
    recall_floor,
    score,
)

CASES_DIR = Path(__file__).parent / "cases"

#: The held-out recall the lexicon must keep: the worst of five development folds (0.814 when
#: measured, each fold scored only with entries the other folds justify) less 0.02. Measured on
#: development lines, never on the held-out set; `test_the_floor_comes_from_cross_validation`
#: keeps it from rising above what the development data supports.
HELDOUT_RECALL_FLOOR = 0.79
#: At most this share of the held-out set's other lines may be flagged (development: 0.0066).
HELDOUT_FALSE_POSITIVE_CEILING = 0.02


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


@pytest.fixture(scope="module")
def development() -> tuple[list[Line], list[set[EntryKey]]]:
    lines = development_lines()
    return lines, hits(lines)


@pytest.fixture(scope="module")
def heldout() -> tuple[list[Line], list[set[EntryKey]]]:
    lines = heldout_lines()
    if not lines:
        pytest.skip("no held-out NLU files")
    return lines, hits(lines)


def test_lexicon_flags_every_danger_example_of_the_training_data(
    development: tuple[list[Line], list[set[EntryKey]]],
) -> None:
    lines, found = development
    training = [(line, f) for line, f in zip(lines, found, strict=True)
                if line.source == "training"]
    result = score([line for line, _ in training], [f for _, f in training])
    assert result.danger > 1000
    assert result.missed == [], f"recall {result.recall:.3f}: {result.missed}"
    assert result.false_positive_rate <= 0.02, result.false_alarms


def test_the_floor_comes_from_cross_validation(
    development: tuple[list[Line], list[set[EntryKey]]],
) -> None:
    scores = cross_validate(*development, k=5)
    assert recall_floor(scores) >= HELDOUT_RECALL_FLOOR, [round(s.recall, 3) for s in scores]


def test_heldout_recall_stays_above_the_cross_validated_floor(
    heldout: tuple[list[Line], list[set[EntryKey]]],
) -> None:
    result = score(*heldout)
    assert result.danger >= 100
    assert result.recall >= HELDOUT_RECALL_FLOOR, f"recall {result.recall:.3f}"
    assert result.false_positive_rate <= HELDOUT_FALSE_POSITIVE_CEILING


def test_no_entry_is_fitted_to_a_single_heldout_line(
    development: tuple[list[Line], list[set[EntryKey]]],
    heldout: tuple[list[Line], list[set[EntryKey]]],
) -> None:
    evidence = development[1] + hits(conversation_lines())
    fitted = fitted_entries(*heldout, evidence)
    assert fitted == [], "entries matching one held-out line and no development line"


def test_danger_kinds_and_purposes_agree_with_the_core_and_the_domain() -> None:
    """One owner of danger (`helpline.safety.danger`); the core, which imports nothing of the
    rest, keeps the hotline purposes, and the domain the intents: they must agree."""
    from helpline.paths import BOT_DIR
    from helpline.safety.danger import DANGER_INTENTS, PURPOSES
    from knowledge.api import DANGER_PURPOSES
    from knowledge.directory import HOTLINE_PURPOSES

    assert set(PURPOSES) == set(PRECEDENCE) == set(DANGER_INTENTS.values())
    assert all(purposes[0] == "emergency" for purposes in PURPOSES.values())
    assert {p for ps in PURPOSES.values() for p in ps} <= set(HOTLINE_PURPOSES)
    assert {p for ps in PURPOSES.values() for p in ps} == set(DANGER_PURPOSES)
    domain = yaml.safe_load((BOT_DIR / "domain.yml").read_text(encoding="utf-8"))
    assert set(DANGER_INTENTS) <= set(domain["intents"])
