"""Danger messages during an outage get numbers first: from the knowledge base for a known
country, general advice and a question about the country otherwise."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from channels import texts
from channels.app import create_app
from channels.safety import HotlineDirectory, danger_lines, outage_replies
from helpline.i18n import gettext_for
from tests.auxil.networking import ServedApp, free_port
from tests.auxil.settings import make_settings

danger = pytest.importorskip("helpline.danger", reason="danger lexicon (helpline.danger) missing")


@pytest.fixture(scope="module")
def knowledge_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp_path = tmp_path_factory.mktemp("knowledge")
    setup = pytest.importorskip("knowledge.setup", reason="knowledge base setup missing")
    from knowledge.db import make_engine, session_scope

    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    setup.migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        setup.seed(session)
    engine.dispose()
    return url


def test_outage_reply_for_danger_in_known_country_lists_its_numbers(knowledge_url: str) -> None:
    directory = HotlineDirectory(knowledge_url)
    replies = outage_replies("me quieren matar", "es", "MX", directory)
    first = replies[0]["text"]
    assert first.startswith(gettext_for("es")(texts.DANGER_NUMBERS))
    assert "911" in first
    assert replies[-1]["text"] == gettext_for("es")(texts.APOLOGY)


def test_trafficking_adds_the_trafficking_line(knowledge_url: str) -> None:
    directory = HotlineDirectory(knowledge_url)
    lines = danger_lines("me quitaron el pasaporte y no me dejan salir", "es", "MX", directory)
    assert any("911" in line for line in lines)
    assert any("800 5533 000" in line for line in lines)


def test_unknown_country_gets_general_advice_and_the_question(knowledge_url: str) -> None:
    directory = HotlineDirectory(knowledge_url)
    lines = danger_lines("help me, he is going to kill me", "en", None, directory)
    assert lines == [gettext_for("en")(texts.DANGER_UNKNOWN_COUNTRY)]
    assert danger_lines("where is a clinic", "en", "MX", directory) == []


def test_danger_message_during_outage_through_the_gateway(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"http://127.0.0.1:{free_port()}")
    with ServedApp(create_app(settings)) as gw:
        response = httpx.post(gw.url + "/webchat/message",
                              json={"session": "s-danger-001", "message": "me quieren matar"})
    body = response.json()
    assert body["status"] == "queued"
    _ = gettext_for("es")
    assert [r["text"] for r in body["replies"]] == [
        _(texts.DANGER_UNKNOWN_COUNTRY), _(texts.APOLOGY)]
