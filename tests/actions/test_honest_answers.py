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
