"""The action server as `make run` and compose start it: loopback, a token, safe errors, purges.

One real action server process (`python -m helpline.serve actions`) in production mode, on a
temporary database; forged calls are made to its `/webhook` as an attacker on the network would.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from helpline import handoff
from helpline.i18n import gettext_for
from tests.auxil.networking import free_port, listening_addresses
from tests.auxil.processes import PY, process_env, serving

pytestmark = pytest.mark.process

TOKEN = secrets.token_urlsafe(32)
TEXT = "me quieren matar, estoy en México"
SENDER = "a1b2c3d4e5f60718293a4b5c6d7e8f90"


def expired_row(engine: sa.Engine, sender: str, days: int = 40) -> None:
    handoff.ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(handoff.handoffs.insert().values(
            sender_id=sender, requested_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days),
            language="es", country="MX", topic="emergency", status="open"))


def senders(engine: sa.Engine) -> set[str]:
    return {str(r["sender_id"]) for r in handoff.open_requests(engine)}


class Server:
    def __init__(self, url: str, engine: sa.Engine, log: Path) -> None:
        self.url, self.engine, self.log = url, engine, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("actions")
    db = f"sqlite:///{tmp / 'knowledge.db'}"
    engine = sa.create_engine(db)
    expired_row(engine, "expired-before-start")
    port = free_port()
    env = process_env(HELPLINE_ENV="production", DATABASE_URL=db, ACTIONS_PORT=str(port),
                      ACTION_SERVER_TOKEN=TOKEN, RASA_TOKEN=secrets.token_urlsafe(24),
                      SENDER_ID_SECRET=secrets.token_urlsafe(40), HANDOFF_PURGE_SECONDS="1")
    log = tmp / "actions.log"
    with serving([PY, "-m", "helpline.serve", "actions"], tmp, env,
                 f"http://127.0.0.1:{port}/health", log):
        yield Server(f"http://127.0.0.1:{port}", engine, log)
    engine.dispose()


def call(action: str, latest: dict[str, Any], slots: dict[str, Any] | None = None,
         events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "next_action": action, "sender_id": SENDER, "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": SENDER, "slots": slots or {}, "latest_message": latest,
                    "events": events or [], "paused": False, "followup_action": None,
                    "active_loop": {}, "latest_action_name": "action_listen"},
    }


def test_binds_loopback_only(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::


def test_forged_webhook_calls_are_refused_and_change_nothing(server: Server) -> None:
    handoff.request_handoff(server.engine, "victim", "es", "MX", "ask_health")
    erase = call("action_affirm", {"text": "si", "intent": {"name": "affirm"}, "entities": []},
                 slots={"awaiting": "delete_confirm"})
    erase["tracker"]["sender_id"] = erase["sender_id"] = "victim"
    fake = call("action_request_human", {"text": "humano", "intent": {"name": "request_human"},
                                         "entities": []})
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"},
                    {"Authorization": TOKEN}):
        for body in (erase, fake):
            reply = httpx.post(f"{server.url}/webhook", json=body, headers=headers, timeout=10)
            assert reply.status_code == 401, (headers, reply.text)
    assert "victim" in senders(server.engine), "a forged call erased a hand-off request"
    assert SENDER not in senders(server.engine), "a forged call created a hand-off request"
    assert httpx.get(f"{server.url}/health", timeout=5).status_code == 200


def test_a_failing_action_answers_without_text_or_secrets(server: Server) -> None:
    broken = {"next_action": "action_greet", "domain": {},
              "tracker": {"latest_message": {"text": TEXT}}}  # no sender_id: rasa-sdk raises
    reply = httpx.post(f"{server.url}/webhook", json=broken,
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert reply.status_code == 500
    assert reply.json() == {"error": "internal error"}
    time.sleep(0.3)
    logged = server.log.read_text(encoding="utf-8")
    assert "action server error" in logged
    assert "quieren matar" not in logged and TOKEN not in logged


def test_a_typed_unknown_country_is_refused_through_the_server(server: Server) -> None:
    latest = {"text": '/inform{"country":"zz"}', "intent": {"name": "inform"},
              "entities": [{"entity": "country", "value": "zz"}]}
    events: list[dict[str, Any]] = [
        {"event": "user", "text": latest["text"], "parse_data": latest},
        {"event": "slot", "name": "country", "value": "zz"}]
    reply = httpx.post(f"{server.url}/webhook",
                       json=call("action_inform", latest, {"country": "zz", "language": "es"},
                                 events),
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    texts = [r["text"] for r in body["responses"] if r.get("text")]
    es = gettext_for("es")
    assert texts == [es("I did not recognise the country. Could you write its name?")]
    assert {"event": "slot", "name": "country", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in body["events"]]
    assert "desconocida" not in json.dumps(body, ensure_ascii=False)


def test_expired_handoffs_are_purged_at_start_and_on_schedule(server: Server) -> None:
    deadline = time.monotonic() + 10
    while "expired-before-start" in senders(server.engine) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "expired-before-start" not in senders(server.engine)
    expired_row(server.engine, "expired-while-running")
    handoff.request_handoff(server.engine, "recent", "fr", "CL", "ask_asylum")
    deadline = time.monotonic() + 10
    while "expired-while-running" in senders(server.engine) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "expired-while-running" not in senders(server.engine)
    assert "recent" in senders(server.engine)


def test_writes_the_hotline_snapshot_the_gateway_reads(tmp_path: Path) -> None:
    """At start, from the knowledge base: the gateway's numbers never need the database."""
    from helpline.safety.hotlines import HotlineSnapshot
    from knowledge.setup import prepare

    db = f"sqlite:///{tmp_path / 'knowledge.db'}"
    prepare(db)
    snapshot = tmp_path / "shared" / "hotlines.json"
    port = free_port()
    env = process_env(DATABASE_URL=db, ACTIONS_PORT=str(port), HOTLINE_SNAPSHOT_PATH=str(snapshot))
    with serving([PY, "-m", "helpline.serve", "actions"], tmp_path, env,
                 f"http://127.0.0.1:{port}/health", tmp_path / "actions.log"):
        deadline = time.monotonic() + 30
        while not snapshot.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    numbers = HotlineSnapshot(snapshot).numbers("MX", ["emergency", "trafficking"])
    assert numbers and numbers[0][1] == "911"
    assert any(number == "800 5533 000" for _name, number in numbers)
