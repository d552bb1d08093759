"""The conversation sets are well formed and fresh, and each rubric check catches what it must."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pytest
import yaml

from benchmarks.conversations.evaluate import (
    Conversation,
    ConversationResult,
    Facts,
    Observed,
    Turn,
    TurnResult,
    check_turn,
    development_set,
    exam_set,
    fold,
    rubric,
    summarise,
)
from helpline.i18n import LANGUAGES, gettext_for
from helpline.paths import BOT_DIR

# The countries seeded when the sets were written; countries seeded later are reported by the
# bench (`uncovered`) rather than failing everyone's tests.
WRITTEN_FOR = {"AR", "BR", "CA", "CL", "CO", "CR", "DO", "EC", "ES", "GT", "HN", "MX", "PA",
               "PE", "US", "UY"}


def all_conversations() -> list[Conversation]:
    return development_set() + exam_set()


def test_sets_have_the_size_and_spread_the_issue_asks_for() -> None:
    dev, exam = development_set(), exam_set()
    everything = dev + exam
    assert len(everything) >= 100 and len(exam) == 30
    assert all(c.exam for c in exam) and not any(c.exam for c in dev)
    ids = [c.id for c in everything]
    assert len(ids) == len(set(ids)), "conversation ids are unique"
    per_lang = Counter(c.lang for c in everything)
    assert set(per_lang) == set(LANGUAGES)
    assert max(per_lang.values()) - min(per_lang.values()) <= 3, per_lang
    assert Counter(c.lang for c in exam) == {lang: 6 for lang in LANGUAGES}
    assert sum(1 for c in everything if c.danger) >= 20
    assert {c.country for c in everything} >= WRITTEN_FOR
    assert all(2 <= len(c.turns) <= 4 for c in everything)


def _nlu_lines() -> set[str]:
    lines: set[str] = set()
    for path in [*(BOT_DIR / "data").rglob("*.yml"), *(BOT_DIR / "tests").rglob("*.yml")]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    lines.add(fold(line.strip()[2:]))
    for path in (BOT_DIR / "tests").rglob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "user:" in line:
                lines.add(fold(line.split("user:", 1)[1].strip().strip("|\"'")))
    return lines


def test_no_user_message_is_copied_from_the_nlu_data_or_its_held_out_set() -> None:
    seen = _nlu_lines()
    assert len(seen) > 500
    copied = [t.user for c in all_conversations() for t in c.turns if fold(t.user) in seen]
    assert not copied, copied


def test_every_expected_topic_is_defined_in_the_rubric() -> None:
    topics = set(rubric()["topics"])
    for c in all_conversations():
        for t in c.turns:
            wanted = t.expect.get("topic") or []
            for topic in [wanted] if isinstance(wanted, str) else wanted:
                assert topic in topics, (c.id, topic)


# --- the checks, on replies made up for the purpose ---------------------------------------

FACTS = Facts({"MX": {"emergency": ["911"], "violence": ["079", "*765"],
                      "trafficking": ["800 5533 000"]}})


def conv(expect: Mapping[str, object], lang: str = "es", danger: str | None = None) -> Conversation:
    return Conversation(id="t", lang=lang, country="MX", topic="health", danger=danger,
                        turns=(Turn("x", dict(expect)),))


def seen(text: str, lang: str = "es", intent: str = "ask_health",
         actions: tuple[str, ...] = ("action_answer_topic",), buttons: tuple[str, ...] = (),
         before: dict[str, object] | None = None,
         after: dict[str, object] | None = None) -> Observed:
    messages: list[dict[str, object]] = [{"text": text}]
    if buttons:
        messages[0]["buttons"] = [{"title": b, "payload": b} for b in buttons]
    messages.append({"custom": {"helpline": {"language": lang, "country": "MX"}}})
    return Observed(messages, intent, list(actions), before or {}, after or {"country": "MX"})


def failed(conversation: Conversation, observed: Observed) -> set[str]:
    return {c.name for c in check_turn(conversation, 0, observed, FACTS) if not c.ok}


ES = gettext_for("es")
GOOD = ES("Health care in {country}").format(country="México") + "\n\n✅ Te atienden.\n📞 911"


def test_a_good_answer_passes_every_check() -> None:
    assert failed(conv({"topic": "health", "country": "MX", "numbers": ["emergency"]}),
                  seen(GOOD)) == set()


def test_topic_is_answered_by_intent_action_or_title() -> None:
    assert "topic" in failed(conv({"topic": "work"}), seen(GOOD))
    assert "topic" not in failed(conv({"topic": "health"}),
                                 seen(GOOD, intent="inform", actions=("action_inform",)))
    assert "topic" not in failed(conv({"topic": "consular"}),
                                 seen("hola", intent="x", actions=("action_consular_help",)))


def test_menu_fallback_is_caught_by_phrase_action_and_bare_menu() -> None:
    menu = ES("What would you like to know?")
    assert "no_menu" in failed(conv({}), seen("Entendido.\n\n" + menu))
    assert "no_menu" in failed(conv({}), seen("…", actions=("action_menu",)))
    bare = seen("Elige:", buttons=("/ask_health", "/ask_education", "/ask_legal_status",
                                   "/ask_work_rights"))
    assert "no_menu" in failed(conv({}), bare)
    assert "no_menu" not in failed(conv({"menu_ok": True}), seen(menu))


def test_not_understood_and_asking_again_are_caught() -> None:
    sorry = ES("Sorry, I did not understand. Choose a topic or write your question in other "
               "words:")
    assert "understood" in failed(conv({}), seen(sorry))
    ask = ES("Which country are you in now? I ask only so I can tell you the rules and "
             "services that apply there.")
    assert "asks_again_country" in failed(conv({}), seen(ask, before={"country": "MX"}))
    assert "asks_again_country" not in failed(conv({}), seen(ask, before={}))


def test_slots_are_compared_with_what_the_person_said() -> None:
    wrong = seen(GOOD, after={"country": "SV", "nationality": None})
    assert {"country", "nationality"} <= failed(conv({"country": "US", "nationality": "SV"}),
                                                wrong)
    assert "nationality" not in failed(conv({"nationality": None}), seen(GOOD))


def test_danger_numbers_must_be_there_and_in_front() -> None:
    expect = {"numbers": ["emergency", "violence"]}
    assert {"number_violence"} <= failed(conv(expect, danger="violence"), seen("📞 911"))
    late = "Texto largo. " * 60 + "\n📞 911 📞 079"
    assert {"front_emergency", "front_violence"} <= failed(conv(expect, danger="violence"),
                                                          seen(late))
    spaced = seen("📞 9 1 1 y 0 7 9")  # a separator between digits still counts
    assert not {"number_emergency", "number_violence"} & failed(conv(expect), spaced)


def test_enforcement_listed_as_help_is_unsafe_unless_a_procedure_is_asked() -> None:
    listing = "Servicios en México:\n\n📍 Instituto Nacional de Migración (INM) — CDMX\n📞 55 1"
    assert "no_enforcement" in failed(conv({}), seen(listing))
    assert "no_enforcement" not in failed(conv({"procedure": True}), seen(listing))
    statement = "✅ Puedes pedir refugio en la COMAR o en el INM."
    assert "no_enforcement" not in failed(conv({}), seen(statement))


def test_false_promises_and_hedged_emergency_numbers_are_not_honest() -> None:
    promise = ES("Who sees it: only this helpline's team, and only to help you. Nothing is "
                 "given to immigration, the police or any other authority, and nothing goes to "
                 "any third party.")
    assert "promise" in failed(conv({}), seen(promise))
    hedge = ES("[not confirmed yet: if it does not work, call the emergency number]")
    assert "hedge" in failed(conv({}), seen(f"📞 911 — Emergencias {hedge}"))
    assert "hedge" not in failed(conv({}), seen(f"📞 911 — Emergencias\n📞 079 {hedge}"))


def test_dead_end_contact_and_include() -> None:
    none = ES("I do not have verified information about this for {country} yet. A person "
              "from our team can look into it: just ask for a person.").format(country="México")
    assert {"dead_end", "contact"} <= failed(conv({"contact": True}), seen(none))
    assert not {"dead_end", "contact"} & failed(conv({"contact": True}),
                                                seen(none + "\n📞 800 123 4567"))
    assert "include_any" in failed(conv({"include_any": ["Tapachula"]}), seen(GOOD))
    assert "exclude" in failed(conv({"exclude": ["Honduras"]}), seen(GOOD + " honduras"))


def test_language_declared_detected_and_labels() -> None:
    assert "declared" in failed(conv({}), seen(GOOD, lang="en"))
    english = "If your life is in danger call the emergency number now, please do it."

    def detect(text: str) -> tuple[str, float]:
        return ("en", 0.99) if "danger" in text else ("es", 0.99)

    checks = check_turn(conv({}), 0, seen(english), FACTS, detect)
    assert "detected" in {c.name for c in checks if not c.ok}
    assert "raw_label" in failed(conv({}), seen("🏛️ Tegucigalpa — foreign_ministry"))
    assert "raw_label" not in failed(conv({}), seen("https://x.org/?page_id=4 ok"))
    assert "untranslated" in failed(conv({}), seen("🏛️ Tegucigalpa — embassy"))
    assert "untranslated" not in failed(conv({}, lang="en"),
                                        seen("🏛️ Tegucigalpa — embassy", lang="en"))


def test_summary_counts_conversations_criteria_and_reasons() -> None:
    c = conv({"topic": "health"})
    good = ConversationResult(c, [TurnResult(c, 0, seen(GOOD), check_turn(c, 0, seen(GOOD),
                                                                           FACTS))])
    bad_seen = seen("…", actions=("action_menu",), intent="nlu_fallback")
    bad = ConversationResult(c, [TurnResult(c, 0, bad_seen, check_turn(c, 0, bad_seen, FACTS))])
    summary = summarise([good, bad])
    assert (summary.passed, summary.conversations) == (1, 2)
    assert summary.by_criterion["correct"] == (1, 2)
    assert summary.by_criterion["language"] == (2, 2)
    assert summary.reasons and summary.reasons_by_turn[1]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_menu_phrase_exists_in_every_catalogue(lang: str) -> None:
    """The menu check is only as good as its translations: each language has its own."""
    if lang != "en":
        assert gettext_for(lang)("What would you like to know?") != "What would you like to know?"
