"""Answers that must tell the truth: the hand-off, the privacy notice, consular rights."""

from __future__ import annotations

import actions.actions as a
from helpline.i18n import gettext_for
from tests.actions.conftest import make_tracker, run_action


async def test_a_request_for_a_person_promises_no_reply_and_gives_who_answers_now(
        knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="quiero hablar con una persona",
                           intent="request_human")
    texts, _, _ = await run_action(a.ActionRequestHuman(), tracker)
    joined = "\n".join(texts)
    assert "911" in joined
    assert "escribirán en este mismo chat" not in joined
    _ = gettext_for("es")
    assert _("Our team cannot write to you in this chat yet, so I will not promise you a "
             "reply here. These people answer now:") in texts


async def test_the_privacy_answer_names_the_carriers_and_the_court_order(
        knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="who can see my data?", intent="ask_privacy",
                           slots={"language": "en"})
    texts, _, _ = await run_action(a.ActionPrivacy(), tracker)
    joined = " ".join(texts)
    assert "Twilio" in joined and "court order" in joined
    assert "nothing goes to any third party" not in joined


async def test_consular_answers_translate_kinds_and_cite_article_36_as_it_reads(
        knowledge_base: str) -> None:
    tracker = make_tracker("in_mexico_spanish", text="¿dónde está mi consulado?",
                           intent="ask_consular_help", slots={"nationality": "HN"})
    texts, _, _ = await run_action(a.ActionConsularHelp(), tracker)
    joined = "\n".join(texts)
    for raw in ("— embassy", "— consulate", "foreign_ministry", "consular_section"):
        assert raw not in joined
    assert "art. 36" in joined
    assert "incluso si perdiste tu pasaporte" not in joined


async def test_a_detail_added_to_a_topic_answers_the_topic_again(knowledge_base: str) -> None:
    # Asked about school, then "we are Haitian": the school answer again, not the menu.
    tracker = make_tracker("in_mexico_spanish", text="somos haitianos", intent="inform",
                           entities=[{"entity": "nationality", "value": "HT"}],
                           slots={"topic": "ask_education", "nationality": "HT"})
    texts, _, _ = await run_action(a.ActionInform(), tracker)
    joined = "\n".join(texts)
    assert gettext_for("es")("School and education in {country}").format(
        country="México") in joined
    assert gettext_for("es")("What would you like to know?") not in joined


async def test_a_follow_up_is_answered_from_the_topic_or_says_who_can(
        knowledge_base: str) -> None:
    _es = gettext_for("es")
    curp = make_tracker("in_mexico_spanish", text="¿y si me piden la CURP?",
                        intent="nlu_fallback", slots={"topic": "ask_health"})
    texts, _, _ = await run_action(a.ActionMenu(), curp)
    joined = "\n".join(texts)
    assert "CURP" in joined and _es("About that, in {country}:").format(
        country="México") in joined
    assert _es("Sorry, I did not understand. Choose a topic or write your question in other "
               "words:") not in joined
    unknown = make_tracker("in_mexico_spanish", text="¿cuántos grados hace en "
                           "invierno?", intent="nlu_fallback",
                           slots={"topic": "ask_health"})
    texts, _, _ = await run_action(a.ActionMenu(), unknown)
    joined = "\n".join(texts)
    assert _es("I do not have a precise answer to that for {country}.").format(
        country="México") in joined
    assert "📞" in joined or "🏠" in joined  # who can answer, with a way to reach them
    fresh = make_tracker("in_mexico_spanish", text="???", intent="nlu_fallback")
    texts, _, _ = await run_action(a.ActionMenu(), fresh)
    assert _es("Sorry, I did not understand. Choose a topic or write your question in other "
               "words:") in texts[0]


async def test_no_answer_promises_a_person_in_the_chat() -> None:
    import re
    from pathlib import Path

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path("actions").glob("*.py"))
    assert not re.search(r"just ask for a person|will write to you here", source)


async def test_international_titles_are_in_the_users_language(knowledge_base: str) -> None:
    from actions.rights import INSTRUMENT_TITLES
    from knowledge.rules import load_rule_files

    titles = {s.title for s in load_rule_files().sources.values() if s.jurisdiction == "INT"}
    assert titles and titles <= set(INSTRUMENT_TITLES)
    tracker = make_tracker("in_mexico_spanish", text="me detuvieron", intent="ask_detention_rights")
    texts, _, _ = await run_action(a.ActionAnswerTopic(), tracker)
    joined = "\n".join(texts)
    assert "Vienna Convention" not in joined and "Convention relating" not in joined


async def test_a_question_about_a_relative_is_answered_for_them(knowledge_base: str) -> None:
    # "my brother was arrested in Mexico City, he is from Honduras"
    tracker = make_tracker("in_us_english", text="my brother was arrested in mexico city, he "
                           "is from honduras", intent="ask_detention_rights",
                           slots={"country": "MX", "nationality": "HN", "subject": "brother"})
    texts, _, _ = await run_action(a.ActionAnswerTopic(), tracker)
    assert texts[0].startswith("About your brother, in Mexico, from Honduras:")
    joined = "\n".join(texts)
    assert "If you are detained in Mexico" in joined
    assert "Honduras" not in texts[1].splitlines()[0]  # the title names where he is
    own = make_tracker("in_us_english", text="what if i am detained?",
                       intent="ask_detention_rights", slots={"subject": "self"})
    texts, _, _ = await run_action(a.ActionAnswerTopic(), own)
    assert not texts[0].startswith("About ")
