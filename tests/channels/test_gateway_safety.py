"""Danger messages during an outage get numbers first: from the hotline snapshot for a known
country, general advice and a question about the country otherwise. The gateway never opens
the knowledge database: the snapshot the action server writes is all it reads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from channels import texts
from channels.app import create_app
from channels.safety import danger_lines, outage_replies
from helpline.i18n import gettext_for
from helpline.safety.hotlines import (
    SNAPSHOT_VERSION,
    HotlineSnapshot,
    refresh_snapshot,
    write_snapshot,
)
from helpline.settings import GatewaySettings
from tests.auxil.fake_rasa import FakeRasa
from tests.auxil.networking import ServedApp, free_port
from tests.auxil.settings import SECRET, make_settings


@pytest.fixture(scope="module")
def snapshot_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot of a freshly seeded knowledge base, as the action server writes it."""
    from knowledge.db import make_engine, session_scope
    from knowledge.setup import migrate, seed

    tmp_path = tmp_path_factory.mktemp("knowledge")
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed(session)
    with session_scope(engine) as session:
        assert refresh_snapshot(session, tmp_path / "hotlines.json") >= 10
    engine.dispose()
    return tmp_path / "hotlines.json"


def test_outage_reply_for_danger_in_known_country_lists_its_numbers(snapshot_path: Path) -> None:
    replies = outage_replies("me quieren matar", "es", "MX", HotlineSnapshot(snapshot_path))
    first = replies[0]["text"]
    assert first.startswith(gettext_for("es")(texts.DANGER_NUMBERS))
    assert "911" in first
    assert replies[-1]["text"] == gettext_for("es")(texts.APOLOGY)


def test_trafficking_adds_the_trafficking_line(snapshot_path: Path) -> None:
    lines = danger_lines("me quitaron el pasaporte y no me dejan salir", "es", "MX",
                         HotlineSnapshot(snapshot_path))
    assert "911" in lines[1]  # emergency first
    assert any("800 5533 000" in line for line in lines)


def test_unknown_country_gets_general_advice_and_the_question(snapshot_path: Path) -> None:
    snapshot = HotlineSnapshot(snapshot_path)
    lines = danger_lines("help me, he is going to kill me", "en", None, snapshot)
    assert lines == [gettext_for("en")(texts.DANGER_UNKNOWN_COUNTRY)]
    assert danger_lines("help me, he is going to kill me", "en", "ZZ", snapshot) == lines
    assert danger_lines("where is a clinic", "en", "MX", snapshot) == []


def test_no_snapshot_yet_gives_the_general_advice(tmp_path: Path) -> None:
    lines = danger_lines("me quieren matar", "es", "MX", HotlineSnapshot(tmp_path / "none.json"))
    assert lines == [gettext_for("es")(texts.DANGER_UNKNOWN_COUNTRY)]


def test_the_snapshot_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "hotlines.json"
    line = {"purpose": "emergency", "name": "Emergencias", "number": "911"}
    write_snapshot(path, {"version": SNAPSHOT_VERSION, "countries": {"MX": [line]}})
    snapshot = HotlineSnapshot(path)
    assert snapshot.numbers("mx", ["emergency"]) == [("Emergencias", "911")]
    write_snapshot(path, {"version": SNAPSHOT_VERSION,
                          "countries": {"MX": [{**line, "number": "112"}]}})
    os.utime(path, ns=(1, 1))  # a new stamp even within the file system's time resolution
    assert snapshot.numbers("MX", ["emergency"]) == [("Emergencias", "112")]
    path.write_text("{not json", encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert snapshot.numbers("MX", ["emergency"]) == [("Emergencias", "112")]  # last good one


def test_the_snapshot_lists_emergency_first_then_the_purposes_asked(snapshot_path: Path) -> None:
    data = json.loads(snapshot_path.read_text(encoding="utf-8"))
    assert data["version"] == SNAPSHOT_VERSION
    assert {"emergency", "trafficking", "violence"} <= {
        h["purpose"] for lines in data["countries"].values() for h in lines}
    lines = HotlineSnapshot(snapshot_path).lines("MX", ["violence", "emergency"])
    assert lines[0].purpose == "emergency"
    assert {h.purpose for h in lines} <= {"emergency", "violence"}


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


def test_gateway_gives_the_numbers_without_any_knowledge_database(
    tmp_path: Path, snapshot_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gateway's own settings hold no knowledge-base URL, and opening one would fail here:
    the country the actions sent back and the snapshot are enough for the numbers."""
    import knowledge.db

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the gateway opened the knowledge database")

    monkeypatch.setattr(knowledge.db, "make_engine", refuse)
    monkeypatch.setattr(knowledge.db, "session_scope", refuse)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    rasa = FakeRasa(extra=[{"custom": {"helpline": {"language": "es", "country": "MX"}}}])
    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None, helpline_env="test", sender_id_secret=SECRET,
        gateway_database_url=f"sqlite:///{tmp_path / 'gateway.db'}",
        hotline_snapshot_path=snapshot_path, gateway_retry_seconds=0.2,
        rasa_timeout_seconds=5.0)
    assert not hasattr(settings, "database_url")
    with ServedApp(rasa.app()) as rasa_server:
        settings.rasa_url = rasa_server.url
        with ServedApp(create_app(settings)) as gw:
            first = httpx.post(gw.url + "/webchat/message",
                               json={"session": "s-danger-002", "message": "hola, estoy en mexico"})
            assert first.json()["status"] == "answered"
            rasa.mode = "error"
            second = httpx.post(gw.url + "/webchat/message",
                                json={"session": "s-danger-002", "message": "me quieren matar"})
    body = second.json()
    assert body["status"] == "queued"
    danger = body["replies"][0]["text"]
    assert danger.startswith(gettext_for("es")(texts.DANGER_NUMBERS))
    assert "911" in danger
    assert not (tmp_path / "knowledge.db").exists()
