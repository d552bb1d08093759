"""The hand-off inbox: the queue (`helpline.handoff`) on SQLite and PostgreSQL, and the console's
inbox pages through the real app and its databases, talking over HTTP on loopback to a stand-in
of the gateway's internal API (`StandInGateway`, below: the contract's routes, token check and
error codes, recording what it is asked to send, and failing on demand in ways the real gateway
shows only when a channel or Rasa misbehaves). `test_inbox_gateway.py` runs the console against
the real gateway.

Covered: logins and roles, the order (danger first, then oldest), claim/release/close and who
may do what, the transcript (escaped), replies and their audit (never the text), WhatsApp's
window and the template, media proxied with safe headers, erased conversations, an unreachable
gateway, a missing or wrong service token, the rows fragment and its refresh script, and the
waiting notice sent once by the lifespan's task.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from console import inbox
from console.app import create_app
from console.settings import ConsoleSettings
from helpline import handoff
from knowledge.db import make_engine
from tests.auxil.networking import ServedApp, free_port, wait_for
from tests.console.conftest import ADMIN, CASEWORKER, csrf_of, login

TOKEN = "service-token-0123456789abcdefghijklmnop"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ALICE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"  # pseudonyms as the gateway makes them
BRUNO = "b0b0b0b0c1c1c1c1d2d2d2d2e3e3e3e3f4f4f4f4"
CARLA = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
NOW = dt.datetime.now(dt.UTC)


# --- the gateway's internal API, as the contract describes it ------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Person:
    channel: str
    language: str = "es"
    last_inbound_at: dt.datetime = field(default_factory=lambda: NOW - dt.timedelta(hours=1))
    events: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class StandInGateway:
    """The contract's `/internal/` routes over an in-memory set of people."""

    token: str | None = TOKEN
    template_sid: str | None = "HX0123456789abcdef0123456789abcdef"
    window_hours: int = 24
    people: dict[str, Person] = field(default_factory=dict)
    #: (pseudonym, what was sent: {"text": ...} | {"template": True} | {"waiting": True})
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Set to an error code ("rasa_unavailable", "delivery_failed", "channel_unavailable") to
    #: fail every call, or to "partial" for a long reply whose second message fails.
    failing: str | None = None
    #: Whether replies are recorded in the tracker (the gateway says so in its answer).
    recording: bool = True
    calls: list[str] = field(default_factory=list)

    @staticmethod
    def error(status: int, code: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": code, "message": code, **extra}, status_code=status)

    def _window(self, person: Person) -> dict[str, Any]:
        if person.channel != "whatsapp":
            return {"applies": False, "last_inbound_at": _iso(person.last_inbound_at),
                    "closes_at": None, "open": True}
        closes = person.last_inbound_at + dt.timedelta(hours=self.window_hours)
        return {"applies": True, "last_inbound_at": _iso(person.last_inbound_at),
                "closes_at": _iso(closes), "open": dt.datetime.now(dt.UTC) < closes}

    def _record(self, pseudonym: str, text: str, **meta: Any) -> None:
        self.people[pseudonym].events.append(
            {"at": dt.datetime.now(dt.UTC).isoformat(), "who": "caseworker", "text": text,
             "media": None, **meta})

    def app(self) -> Starlette:
        def check(request: Request) -> tuple[Person | None, Response | None]:
            self.calls.append(f"{request.method} {request.url.path}")
            if self.token is None:
                return None, self.error(503, "service_token_not_configured")
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return None, self.error(401, "unauthorized")
            person = self.people.get(request.path_params["pseudonym"])
            if person is None:
                return None, self.error(404, "conversation_gone")
            if self.failing == "rasa_unavailable":
                return None, self.error(502, "rasa_unavailable")
            return person, None

        async def conversation(request: Request) -> Response:
            person, refused = check(request)
            if person is None:
                assert refused is not None
                return refused
            return JSONResponse({
                "pseudonym": request.path_params["pseudonym"], "channel": person.channel,
                "language": person.language, "window": self._window(person),
                "template_available": person.channel == "whatsapp" and bool(self.template_sid),
                "events": person.events})

        async def reply(request: Request) -> Response:
            person, refused = check(request)
            if person is None:
                assert refused is not None
                return refused
            pseudonym = request.path_params["pseudonym"]
            body = await request.json()
            window = self._window(person)
            if body.get("template") is True:
                if not window["applies"]:
                    return self.error(422, "invalid_reply")
                if not self.template_sid:
                    return self.error(409, "no_template")
                if self.failing == "delivery_failed":
                    return self.error(502, "delivery_failed")
                self.sent.append((pseudonym, {"template": True}))
                self._record(pseudonym, f"[template {self.template_sid}]")
                return JSONResponse({"sent": 1, "channel": person.channel})
            text = body.get("text")
            if not isinstance(text, str) or not 1 <= len(text.strip()) <= 4000:
                return self.error(422, "invalid_reply")
            if not window["open"]:
                return self.error(409, "window_closed", closes_at=window["closes_at"])
            if self.failing == "delivery_failed":
                return self.error(502, "delivery_failed", sent=0)
            if self.failing == "partial":
                self.sent.append((pseudonym, {"text": text.strip()[:10]}))
                self._record(pseudonym, text.strip()[:10])
                return self.error(502, "delivery_failed", sent=1)
            self.sent.append((pseudonym, {"text": text.strip()}))
            if self.recording:
                self._record(pseudonym, text.strip())
            return JSONResponse({"sent": 1, "channel": person.channel,
                                 "recorded": self.recording})

        async def waiting(request: Request) -> Response:
            person, refused = check(request)
            if person is None:
                assert refused is not None
                return refused
            if not self._window(person)["open"]:
                return self.error(409, "window_closed")
            if self.failing == "delivery_failed":
                return self.error(502, "delivery_failed")
            self.sent.append((request.path_params["pseudonym"], {"waiting": True}))
            return JSONResponse({"sent": 1})

        async def media(request: Request) -> Response:
            person, refused = check(request)
            if person is None:
                assert refused is not None
                return refused
            item = person.media.get(request.path_params["media_id"])
            if self.failing == "channel_unavailable":
                return self.error(502, "channel_unavailable")
            if item is None:
                return self.error(404, "media_gone")
            return Response(item[1], media_type=item[0])

        return Starlette(routes=[
            Route("/internal/conversations/{pseudonym}", conversation, methods=["GET"]),
            Route("/internal/conversations/{pseudonym}/reply", reply, methods=["POST"]),
            Route("/internal/conversations/{pseudonym}/waiting", waiting, methods=["POST"]),
            Route("/internal/media/{pseudonym}/{media_id}", media, methods=["GET"]),
        ])

    def texts_to(self, pseudonym: str) -> list[str]:
        return [s["text"] for p, s in self.sent if p == pseudonym and "text" in s]


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def gateway() -> Iterator[tuple[StandInGateway, ServedApp]]:
    stand_in = StandInGateway()
    with ServedApp(stand_in.app()) as served:
        yield stand_in, served


@pytest.fixture
def inbox_settings(settings: ConsoleSettings,
                   gateway: tuple[StandInGateway, ServedApp]) -> ConsoleSettings:
    return settings.model_copy(update={"gateway_url": gateway[1].url,
                                       "gateway_service_token": TOKEN,
                                       "inbox_refresh_seconds": 7})


@pytest.fixture
def kb(inbox_settings: ConsoleSettings) -> Iterator[sa.Engine]:
    engine = make_engine(inbox_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_client(inbox_settings: ConsoleSettings) -> Iterator[TestClient]:
    with TestClient(create_app(inbox_settings), follow_redirects=False,
                    headers={"accept-language": "en"}) as c:
        yield c


@pytest.fixture
def worker(app_client: TestClient) -> TestClient:
    assert login(app_client, CASEWORKER).status_code == 303
    return app_client


def other_client(settings: ConsoleSettings, email: str) -> TestClient:
    c = TestClient(create_app(settings), follow_redirects=False,
                   headers={"accept-language": "en"})
    c.__enter__()
    assert login(c, email).status_code == 303
    return c


def queue(engine: sa.Engine, sender: str, ago: dt.timedelta = dt.timedelta(minutes=5),
          **values: Any) -> int:
    """An open request made `ago`, as the action server would make it."""
    request_id = handoff.request_handoff(engine, sender, values.pop("language", "es"),
                                         values.pop("country", "MX"),
                                         values.pop("topic", "ask_health"), **values)
    with engine.begin() as conn:
        conn.execute(handoff.handoffs.update().where(handoff.handoffs.c.id == request_id)
                     .values(requested_at=dt.datetime.now(dt.UTC) - ago))
    return request_id


def post(client: TestClient, path: str, page: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(page), **data})


def inbox_page(client: TestClient) -> str:
    response = client.get("/inbox")
    assert response.status_code == 200
    return response.text


# --- the queue ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def queue_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each backend for the queue (a SQLite file or a PostgreSQL
    schema, dropped afterwards)."""
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'queue.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"inboxtest_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(f"{PG_SERVER}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_the_inbox_has_danger_first_then_the_oldest(queue_db: sa.Engine) -> None:
    old = queue(queue_db, "old", dt.timedelta(hours=3))
    new = queue(queue_db, "new", dt.timedelta(minutes=1))
    danger_new = queue(queue_db, "danger-new", dt.timedelta(minutes=2), danger="violence")
    danger_old = queue(queue_db, "danger-old", dt.timedelta(hours=1), danger="emergency")
    assert [r["id"] for r in handoff.inbox(queue_db)] == [danger_old, danger_new, old, new]
    # A danger message while the request is open marks it, and the channel is kept.
    assert handoff.request_handoff(queue_db, "old", "es", "MX", "ask_health",
                                   danger="trafficking", channel="telegram") == old
    assert [r["id"] for r in handoff.inbox(queue_db)][:3] == [old, danger_old, danger_new]
    row = handoff.get_request(queue_db, old)
    assert row is not None and row["danger"] == "trafficking" and row["channel"] == "telegram"
    handoff.close(queue_db, new, CASEWORKER, "answered")
    assert new not in [r["id"] for r in handoff.inbox(queue_db)]


def test_claim_release_close_and_their_audit(queue_db: sa.Engine) -> None:
    rid = queue(queue_db, "p1")
    assert handoff.claim(queue_db, rid, "ana@example.org") == "ana@example.org"
    assert handoff.claim(queue_db, rid, "ben@example.org") == "ana@example.org"  # stays hers
    assert not handoff.release(queue_db, rid, "ben@example.org")
    assert not handoff.close(queue_db, rid, "ben@example.org", "answered")
    assert handoff.record_reply(queue_db, rid, "ana@example.org")
    assert handoff.release(queue_db, rid, "ana@example.org")
    assert handoff.claim(queue_db, rid, "ben@example.org") == "ben@example.org"
    assert handoff.release(queue_db, rid, "admin@example.org", force=True)  # an admin's
    with pytest.raises(ValueError):
        handoff.close(queue_db, rid, "ana@example.org", "solved")
    assert handoff.close(queue_db, rid, "ana@example.org", "referred")  # unclaimed: anyone
    assert not handoff.close(queue_db, rid, "ana@example.org", "answered")  # closed once
    assert handoff.claim(queue_db, rid, "ana@example.org") is None
    row = handoff.get_request(queue_db, rid)
    assert row is not None
    assert (row["status"], row["outcome"], row["claimed_by"]) == (
        "closed", "referred", "ana@example.org")
    assert [(a["actor"], a["action"], a["outcome"]) for a in handoff.audit_of(queue_db, rid)] == [
        ("ana@example.org", "claimed", None), ("ana@example.org", "replied", None),
        ("ana@example.org", "released", None), ("ben@example.org", "claimed", None),
        ("admin@example.org", "released", None), ("ana@example.org", "closed", "referred")]


def test_a_waiting_notice_is_due_once_and_only_while_unclaimed(queue_db: sa.Engine) -> None:
    waiting = queue(queue_db, "waiting", dt.timedelta(minutes=45))
    claimed = queue(queue_db, "claimed", dt.timedelta(minutes=45))
    queue(queue_db, "recent", dt.timedelta(minutes=5))
    handoff.claim(queue_db, claimed, "ana@example.org")
    due = handoff.due_reminders(queue_db, dt.timedelta(minutes=30))
    assert [r["id"] for r in due] == [waiting]
    assert handoff.mark_reminded(queue_db, waiting)
    assert not handoff.mark_reminded(queue_db, waiting)  # a second console does not send it
    assert handoff.due_reminders(queue_db, dt.timedelta(minutes=30)) == []
    handoff.unmark_reminded(queue_db, waiting)  # it could not be sent: due again
    assert [r["id"] for r in handoff.due_reminders(queue_db, dt.timedelta(minutes=30))] == [
        waiting]


def test_erasure_and_retention_remove_requests_and_their_audit(queue_db: sa.Engine) -> None:
    gone = queue(queue_db, "erased")
    handoff.claim(queue_db, gone, "ana@example.org")
    kept = queue(queue_db, "kept")
    old = queue(queue_db, "old", dt.timedelta(days=40))
    handoff.close(queue_db, old, "ana@example.org", "no_reply")  # closed ones expire too
    assert handoff.erase_sender(queue_db, "erased") == 1
    assert handoff.get_request(queue_db, gone) is None and handoff.audit_of(queue_db, gone) == []
    assert handoff.purge_expired(queue_db, 30) == 1
    assert handoff.get_request(queue_db, old) is None and handoff.audit_of(queue_db, old) == []
    assert [r["id"] for r in handoff.inbox(queue_db)] == [kept]


def test_h002_keeps_the_requests_an_h001_table_holds(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'h001.db'}")
    handoff.migrate(engine, "h001")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO handoff_requests (sender_id, requested_at, language, country, topic, "
            "status) VALUES ('p1', '2026-12-01 10:00:00.000000', 'fr', 'CL', 'ask_asylum', "
            "'open')"))
    handoff.migrate(engine)
    [row] = handoff.inbox(engine)
    assert (row["sender_id"], row["language"], row["danger"], row["claimed_by"],
            row["reminded_at"]) == ("p1", "fr", None, None, None)
    from alembic import command

    from helpline.schema import alembic_config

    cfg = alembic_config(handoff.MIGRATIONS_DIR, str(engine.url))
    with engine.begin() as conn:  # and back
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "h001")
    assert "handoff_audit" not in sa.inspect(engine).get_table_names()
    engine.dispose()


# --- the pages: who may see them ------------------------------------------------------------


def test_the_inbox_needs_an_account(app_client: TestClient, kb: sa.Engine) -> None:
    rid = queue(kb, ALICE)
    for path in ("/inbox", "/inbox/rows", f"/inbox/{rid}", f"/inbox/{rid}/conversation",
                 f"/inbox/{rid}/media/m1"):
        response = app_client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/inbox")
    page = app_client.get("/login").text
    for path in ("/inbox/claim", "/inbox/release", f"/inbox/{rid}/reply",
                 f"/inbox/{rid}/close"):
        assert post(app_client, path, page, request=str(rid), text="hola",
                    outcome="answered").status_code == 403, path
    assert handoff.get_request(kb, rid)["claimed_by"] is None  # type: ignore[index]


def test_every_inbox_form_checks_csrf(worker: TestClient, kb: sa.Engine) -> None:
    rid = queue(kb, ALICE)
    for path in ("/inbox/claim", "/inbox/release", f"/inbox/{rid}/reply",
                 f"/inbox/{rid}/close"):
        for token in (None, "guessed"):
            data = {"request": str(rid), "text": "hola", "outcome": "answered"}
            if token:
                data["csrf_token"] = token
            assert worker.post(path, data=data).status_code == 403, path
    row = handoff.get_request(kb, rid)
    assert row is not None and row["claimed_by"] is None and row["status"] == "open"


def test_caseworkers_and_admins_have_the_inbox_in_the_menu(worker: TestClient,
                                                           inbox_settings: ConsoleSettings
                                                           ) -> None:
    assert '<a href="/inbox"' in worker.get("/checker").text
    page = inbox_page(worker)
    assert '<a href="/inbox" aria-current="page">Inbox</a>' in page
    admin = other_client(inbox_settings, ADMIN)
    try:
        assert admin.get("/inbox").status_code == 200
    finally:
        admin.__exit__(None, None, None)


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_danger_first_and_never_a_whole_pseudonym(worker: TestClient,
                                                                 kb: sa.Engine) -> None:
    queue(kb, ALICE, dt.timedelta(hours=2, minutes=5), language="pt", country="BR",
          topic="ask_work_rights", channel="whatsapp")
    queue(kb, BRUNO, dt.timedelta(minutes=12), language="fr", country="CL",
          topic="report_violence", danger="violence", channel="telegram")
    queue(kb, CARLA, dt.timedelta(days=1, hours=3), language="ht", country=None,
          topic=None, channel="webchat")
    page = inbox_page(worker)
    order = [page.index(p[:8]) for p in (BRUNO, CARLA, ALICE)]
    assert order == sorted(order), "danger first, then the longest waiting"
    for pseudonym in (ALICE, BRUNO, CARLA):
        assert pseudonym not in page and pseudonym[:8] + "…" in page
    for shown in ("⚠ Violence", "12 min", "2 h 5 min", "1 d 3 h", "Português", "Brazil",
                  "Work", "WhatsApp", "Telegram", "Web chat", "Kreyòl ayisyen", "Chile",
                  "nobody yet", "Open requests: 3"):
        assert shown in page, shown
    assert 'class="danger"' in page


def test_the_rows_refresh_without_a_reload(worker: TestClient, kb: sa.Engine) -> None:
    page = inbox_page(worker)
    assert '<script src="/static/inbox.js" defer></script>' in page
    assert 'data-src="/inbox/rows" data-refresh="7"' in page
    assert "Nobody is waiting for a person." in page
    queue(kb, ALICE)
    rows = worker.get("/inbox/rows")
    assert rows.status_code == 200 and "<html" not in rows.text
    assert ALICE[:8] in rows.text and "Open requests: 1" in rows.text
    assert rows.headers["cache-control"] == "no-store"
    script = worker.get("/static/inbox.js")
    assert script.status_code == 200 and "data-refresh" in script.text
    assert 'redirect: "manual"' in script.text  # a login page never replaces the rows


# --- claim, release, close ------------------------------------------------------------------


def test_claiming_shows_who_has_it_to_the_others(worker: TestClient, kb: sa.Engine,
                                                 inbox_settings: ConsoleSettings,
                                                 gateway: tuple[StandInGateway, ServedApp]
                                                 ) -> None:
    gateway[0].people[ALICE] = Person("telegram")
    rid = queue(kb, ALICE)
    response = post(worker, "/inbox/claim", inbox_page(worker), request=str(rid))
    assert response.status_code == 303 and response.headers["location"] == (
        f"/inbox/{rid}?notice=claimed")
    assert "You have claimed this request" in worker.get(response.headers["location"]).text
    colleague = other_client(inbox_settings, ADMIN)
    try:
        listing = colleague.get("/inbox").text
        assert CASEWORKER in listing
        page = colleague.get(f"/inbox/{rid}").text
        assert f"{CASEWORKER} has claimed this request" in page
        assert f'action="/inbox/{rid}/reply"' not in page and "Send reply" not in page
        refused = post(colleague, f"/inbox/{rid}/reply", page, text="hola")
        assert refused.status_code == 409 and "has claimed this request" in refused.text
        assert post(colleague, f"/inbox/{rid}/close", page,
                    outcome="answered").status_code == 409
        assert gateway[0].sent == []
        # ...but an admin can take it back for the team.
        back = post(colleague, "/inbox/release", page, request=str(rid))
        assert back.status_code == 303 and back.headers["location"] == "/inbox?notice=released"
    finally:
        colleague.__exit__(None, None, None)
    assert "nobody yet" in inbox_page(worker)
    actions = [(a["actor"], a["action"]) for a in handoff.audit_of(kb, rid)]
    assert actions == [(CASEWORKER, "claimed"), (ADMIN, "released")]


def test_a_caseworker_releases_and_closes_with_an_outcome(worker: TestClient, kb: sa.Engine,
                                                          gateway: tuple[StandInGateway,
                                                                         ServedApp]) -> None:
    gateway[0].people[ALICE] = Person("webchat")
    rid = queue(kb, ALICE)
    post(worker, "/inbox/claim", inbox_page(worker), request=str(rid))
    released = post(worker, "/inbox/release", inbox_page(worker), request=str(rid))
    assert released.headers["location"] == "/inbox?notice=released"
    page = worker.get(f"/inbox/{rid}").text
    for value in ("answered", "referred", "no_reply"):
        assert f'name="outcome" value="{value}"' in page
    bad = post(worker, f"/inbox/{rid}/close", page, outcome="solved")
    assert bad.status_code == 422 and "Choose how the request ended." in bad.text
    done = post(worker, f"/inbox/{rid}/close", page, outcome="no_reply")
    assert done.status_code == 303 and done.headers["location"] == "/inbox?notice=closed"
    listing = worker.get("/inbox?notice=closed").text
    assert "Closed." in listing and ALICE[:8] not in listing
    closed = worker.get(f"/inbox/{rid}").text
    assert "No reply from the person" in closed and "Send reply" not in closed
    assert [(a["action"], a["outcome"]) for a in handoff.audit_of(kb, rid)] == [
        ("claimed", None), ("released", None), ("closed", "no_reply")]


# --- the conversation and replies -----------------------------------------------------------


def test_the_transcript_is_shown_escaped_with_media(worker: TestClient, kb: sa.Engine,
                                                    gateway: tuple[StandInGateway, ServedApp]
                                                    ) -> None:
    gateway[0].people[ALICE] = Person("telegram", events=[
        {"at": "2026-12-03T09:00:00+00:00", "who": "user",
         "text": "<script>alert('x')</script> necesito ayuda", "media": None},
        {"at": "2026-12-03T09:00:01+00:00", "who": "bot", "text": "Te escucho.", "media": None},
        {"at": "2026-12-03T09:01:00+00:00", "who": "user", "text": "",
         "media": {"id": "m-voice1", "kind": "voice"}},
        {"at": "2026-12-03T09:02:00+00:00", "who": "user", "text": "mi contrato",
         "media": {"id": "m-photo1", "kind": "photo"}},
        {"at": "2026-12-03T09:05:00+00:00", "who": "caseworker", "text": "Hola, soy Ana.",
         "media": None},
    ])
    rid = queue(kb, ALICE, channel="telegram")
    page = worker.get(f"/inbox/{rid}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; necesito ayuda" in page.text
    for shown in ("Te escucho.", "Voice note (not transcribed)", "Photo", "mi contrato",
                  "Hola, soy Ana.", "2026-12-03 09:00 UTC", 'class="from-caseworker"'):
        assert shown in page.text, shown
    assert f'<audio controls preload="none" src="/inbox/{rid}/media/m-voice1">' in page.text
    assert f'href="/inbox/{rid}/media/m-photo1"' in page.text
    assert ALICE not in page.text  # only the short form, never the whole pseudonym
    # The same conversation alone, which the page's script fetches again.
    assert f'data-src="/inbox/{rid}/conversation" data-refresh="7"' in page.text
    part = worker.get(f"/inbox/{rid}/conversation")
    assert part.status_code == 200 and "<html" not in part.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in part.text
    assert "<script>alert" not in part.text and "Hola, soy Ana." in part.text
    del gateway[0].people[ALICE]
    assert "This conversation is gone" in worker.get(f"/inbox/{rid}/conversation").text


def test_a_reply_reaches_the_gateway_and_is_audited_without_its_text(
        worker: TestClient, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram")
    rid = queue(kb, ALICE, channel="telegram")
    page = worker.get(f"/inbox/{rid}").text
    assert f'action="/inbox/{rid}/reply"' in page and "Send reply" in page
    text = "Hola. Mañana a las 10 te llamamos; si estás en peligro llama al 911. <b>ok</b>"
    response = post(worker, f"/inbox/{rid}/reply", page, text=f"  {text}\n")
    assert response.status_code == 303
    assert response.headers["location"] == f"/inbox/{rid}?notice=sent"
    assert stand_in.texts_to(ALICE) == [text]
    after = worker.get(response.headers["location"]).text
    assert "Sent: the reply is on its way" in after
    assert "&lt;b&gt;ok&lt;/b&gt;" in after  # the recorded reply, in the transcript, escaped
    # Replying claimed the unclaimed request; the audit says who did what, not what was said.
    assert handoff.get_request(kb, rid)["claimed_by"] == CASEWORKER  # type: ignore[index]
    audit = handoff.audit_of(kb, rid)
    assert [a["action"] for a in audit] == ["claimed", "replied"]
    with kb.connect() as conn:
        dumped = " ".join(str(v) for row in conn.execute(sa.select(handoff.audit))
                          for v in row)
    assert "Mañana" not in dumped and "911" not in dumped


def test_a_reply_is_checked_and_kept_when_refused(worker: TestClient, kb: sa.Engine,
                                                  gateway: tuple[StandInGateway, ServedApp]
                                                  ) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram")
    rid = queue(kb, ALICE)
    page = worker.get(f"/inbox/{rid}").text
    empty = post(worker, f"/inbox/{rid}/reply", page, text="   ")
    assert empty.status_code == 422 and "Write a reply of 1 to 4000 characters." in empty.text
    long = "x" * 4001
    too_long = post(worker, f"/inbox/{rid}/reply", page, text=long)
    assert too_long.status_code == 422 and long in too_long.text  # the draft is not lost
    stand_in.failing = "delivery_failed"
    failed = post(worker, f"/inbox/{rid}/reply", page, text="¿Sigues ahí?")
    assert failed.status_code == 502
    assert "did not accept the message: nothing was sent" in failed.text
    assert "¿Sigues ahí?</textarea>" in failed.text
    assert stand_in.sent == []
    assert "replied" not in [a["action"] for a in handoff.audit_of(kb, rid)]
    # A long reply whose channel failed half-way: what went out is a reply, and it says so.
    stand_in.failing = "partial"
    partial = post(worker, f"/inbox/{rid}/reply", page, text="Primera parte. Segunda parte.")
    assert partial.status_code == 502
    assert "stopped after 1 of the reply&#39;s messages" in partial.text
    assert [a["action"] for a in handoff.audit_of(kb, rid)] == ["claimed", "replied"]
    # Sent but not recorded in the tracker: the caseworker is told the next one will not see it.
    stand_in.failing, stand_in.recording = None, False
    unrecorded = post(worker, f"/inbox/{rid}/reply", page, text="Te llamo mañana.")
    assert unrecorded.headers["location"] == f"/inbox/{rid}?notice=sent_unrecorded"
    assert "did not record it" in worker.get(unrecorded.headers["location"]).text


def test_whatsapp_outside_the_window_offers_only_the_template(
        worker: TestClient, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    last = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    stand_in.people[ALICE] = Person("whatsapp", last_inbound_at=last)
    rid = queue(kb, ALICE, channel="whatsapp")
    page = worker.get(f"/inbox/{rid}").text
    assert "WhatsApp&#39;s 24-hour window closed at 2026-12-02 08:30 UTC" in page
    assert 'name="text"' not in page and "Send the approved template" in page
    assert "only the approved template can be sent" in page
    # A text posted anyway (an old tab) is refused by the gateway, and the page says why.
    refused = post(worker, f"/inbox/{rid}/reply", page, text="hola")
    assert refused.status_code == 409
    assert "window closed at 2026-12-02 08:30 UTC" in refused.text
    sent = post(worker, f"/inbox/{rid}/reply", page, template="1")
    assert sent.status_code == 303 and sent.headers["location"].endswith("notice=template_sent")
    assert stand_in.sent == [(ALICE, {"template": True})]
    assert [a["action"] for a in handoff.audit_of(kb, rid)] == ["claimed", "sent_template"]
    # Without an approved template the page says that nothing can be sent.
    stand_in.template_sid = None
    page = worker.get(f"/inbox/{rid}").text
    assert "No approved WhatsApp template is configured" in page
    assert "Send the approved template" not in page


def test_whatsapp_inside_the_window_shows_when_it_closes(
        worker: TestClient, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    last = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    gateway[0].people[ALICE] = Person("whatsapp", last_inbound_at=last)
    rid = queue(kb, ALICE, channel="whatsapp")
    page = worker.get(f"/inbox/{rid}").text
    closes = (last + dt.timedelta(hours=24)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"WhatsApp: free text can be sent until {closes}" in page
    assert 'name="text"' in page and "Send the approved template" not in page


def test_media_is_proxied_from_the_gateway_with_safe_headers(
        worker: TestClient, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    gateway[0].people[ALICE] = Person("telegram", media={
        "m-voice1": ("audio/ogg", b"OggS voice bytes"),
        "m-doc1": ("text/html", b"<script>alert(1)</script>"),
    })
    rid = queue(kb, ALICE)
    voice = worker.get(f"/inbox/{rid}/media/m-voice1")
    assert voice.status_code == 200 and voice.content == b"OggS voice bytes"
    assert voice.headers["content-type"] == "audio/ogg"
    assert voice.headers["content-disposition"] == "inline"
    assert voice.headers["cache-control"] == "no-store"
    doc = worker.get(f"/inbox/{rid}/media/m-doc1")
    assert doc.headers["content-disposition"] == "attachment"  # never rendered as a page
    assert "sandbox" in doc.headers["content-security-policy"]
    assert doc.headers["x-content-type-options"] == "nosniff"
    gone = worker.get(f"/inbox/{rid}/media/m-nothing")
    assert gone.status_code == 404 and "This file is no longer available" in gone.text
    assert worker.get(f"/inbox/{rid}/media/..%2Fsecret").status_code == 404
    gateway[0].failing = "channel_unavailable"
    down = worker.get(f"/inbox/{rid}/media/m-voice1")
    assert down.status_code == 502 and "This file cannot be fetched now" in down.text


# --- when the conversation or the gateway is not there --------------------------------------


def test_an_erased_conversation_is_gone_from_the_inbox_and_says_so(
        worker: TestClient, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram")
    rid = queue(kb, ALICE)
    page = worker.get(f"/inbox/{rid}").text
    # Erased at the gateway first (the sender map), while the queue still holds the request.
    del stand_in.people[ALICE]
    shown = worker.get(f"/inbox/{rid}")
    assert shown.status_code == 410 and "This conversation is gone" in shown.text
    refused = post(worker, f"/inbox/{rid}/reply", page, text="hola")
    assert refused.status_code == 410 and "Nothing can be sent to them." in refused.text
    # Then from the queue: the request disappears from the inbox at once.
    handoff.erase_sender(kb, ALICE)
    assert ALICE[:8] not in inbox_page(worker)
    for response in (worker.get(f"/inbox/{rid}"),
                     post(worker, f"/inbox/{rid}/reply", page, text="hola"),
                     post(worker, f"/inbox/{rid}/close", page, outcome="answered"),
                     post(worker, "/inbox/claim", page, request=str(rid))):
        assert response.status_code == 404
        assert "the person erased their data or it expired" in response.text
    assert stand_in.sent == []


def test_an_unreachable_gateway_is_reported(settings: ConsoleSettings, kb: sa.Engine) -> None:
    down = settings.model_copy(update={"gateway_url": f"http://127.0.0.1:{free_port()}",
                                       "gateway_service_token": TOKEN})
    rid = queue(kb, ALICE)
    with TestClient(create_app(down), follow_redirects=False,
                    headers={"accept-language": "en"}) as client:
        login(client, CASEWORKER)
        page = client.get(f"/inbox/{rid}")
        assert page.status_code == 200  # the request itself is in the console's reach
        assert "The gateway cannot be reached" in page.text
        assert "A reply can be sent once the conversation can be shown." in page.text
        response = post(client, f"/inbox/{rid}/reply", page.text, text="hola")
        assert response.status_code == 502
        assert "The gateway cannot be reached: nothing was sent." in response.text
    row = handoff.get_request(kb, rid)
    assert row is not None and "replied" not in [a["action"] for a in handoff.audit_of(kb, rid)]


def test_without_a_service_token_the_inbox_lists_but_cannot_reply(
        settings: ConsoleSettings, kb: sa.Engine,
        gateway: tuple[StandInGateway, ServedApp]) -> None:
    gateway[0].people[ALICE] = Person("telegram")
    unset = settings.model_copy(update={"gateway_url": gateway[1].url,
                                        "gateway_service_token": None})
    rid = queue(kb, ALICE)
    with TestClient(create_app(unset), follow_redirects=False,
                    headers={"accept-language": "en"}) as client:
        login(client, CASEWORKER)
        listing = client.get("/inbox").text
        assert "No service token for the gateway is configured" in listing
        assert ALICE[:8] in listing
        page = client.get(f"/inbox/{rid}").text
        assert "GATEWAY_SERVICE_TOKEN" in page
        response = post(client, f"/inbox/{rid}/reply", page, text="hola")
        assert response.status_code == 503 and "No service token" in response.text
    assert gateway[0].calls == []  # nothing was even tried


def test_a_wrong_token_or_an_unconfigured_gateway_is_named(
        settings: ConsoleSettings, kb: sa.Engine,
        gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram")
    wrong = settings.model_copy(update={"gateway_url": gateway[1].url,
                                        "gateway_service_token": "not-the-token"})
    rid = queue(kb, ALICE)
    with TestClient(create_app(wrong), follow_redirects=False,
                    headers={"accept-language": "en"}) as client:
        login(client, CASEWORKER)
        assert "refused the console&#39;s service token" in client.get(f"/inbox/{rid}").text
        stand_in.token = None
        assert "The gateway has no service token configured" in client.get(
            f"/inbox/{rid}").text
    stand_in.failing = "rasa_unavailable"
    with TestClient(create_app(wrong.model_copy(update={"gateway_service_token": TOKEN})),
                    follow_redirects=False, headers={"accept-language": "en"}) as client:
        stand_in.token = TOKEN
        login(client, CASEWORKER)
        assert "The conversation store (Rasa) is not answering" in client.get(
            f"/inbox/{rid}").text
    assert stand_in.sent == []


# --- the waiting notice ---------------------------------------------------------------------


def test_the_waiting_notice_goes_once_to_whoever_nobody_has_claimed(
        app_client: TestClient, kb: sa.Engine,
        gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    for pseudonym in (ALICE, BRUNO, CARLA):
        stand_in.people[pseudonym] = Person("telegram")
    waiting = queue(kb, ALICE, dt.timedelta(minutes=31))
    claimed = queue(kb, BRUNO, dt.timedelta(minutes=50))
    handoff.claim(kb, claimed, CASEWORKER)
    queue(kb, CARLA, dt.timedelta(minutes=10))
    state = app_client.app.state.console  # type: ignore[attr-defined]
    assert app_client.portal.call(inbox.send_due_reminders, state) == 1  # type: ignore[union-attr]
    assert stand_in.sent == [(ALICE, {"waiting": True})]
    assert app_client.portal.call(inbox.send_due_reminders, state) == 0  # type: ignore[union-attr]
    assert len(stand_in.sent) == 1
    row = handoff.get_request(kb, waiting)
    assert row is not None and row["reminded_at"] is not None


def test_a_notice_that_could_not_go_out_is_tried_again(
        app_client: TestClient, kb: sa.Engine,
        gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram")
    stand_in.people[BRUNO] = Person("whatsapp",
                                    last_inbound_at=NOW - dt.timedelta(days=2))
    rid = queue(kb, ALICE, dt.timedelta(hours=1))
    closed_window = queue(kb, BRUNO, dt.timedelta(hours=1))
    gone = queue(kb, CARLA, dt.timedelta(hours=1))  # not at the gateway any more
    state = app_client.app.state.console  # type: ignore[attr-defined]
    portal = app_client.portal
    assert portal is not None
    stand_in.failing = "delivery_failed"
    assert portal.call(inbox.send_due_reminders, state) == 0
    stand_in.failing = None
    assert portal.call(inbox.send_due_reminders, state) == 1
    assert stand_in.sent == [(ALICE, {"waiting": True})]
    # The window closed and the erased conversation count as done: not tried every minute.
    for request_id in (rid, closed_window, gone):
        row = handoff.get_request(kb, request_id)
        assert row is not None and row["reminded_at"] is not None


def test_the_console_sends_waiting_notices_in_the_background(
        inbox_settings: ConsoleSettings, kb: sa.Engine,
        gateway: tuple[StandInGateway, ServedApp], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox, "CHECK_SECONDS", 0.05)
    gateway[0].people[ALICE] = Person("webchat")
    queue(kb, ALICE, dt.timedelta(minutes=40))
    with TestClient(create_app(inbox_settings)):
        wait_for(lambda: gateway[0].sent, timeout=10)
    assert gateway[0].sent == [(ALICE, {"waiting": True})]


# --- the pages in another language ----------------------------------------------------------


def test_the_inbox_speaks_the_caseworkers_language(worker: TestClient, kb: sa.Engine,
                                                   gateway: tuple[StandInGateway, ServedApp]
                                                   ) -> None:
    gateway[0].people[ALICE] = Person("whatsapp", last_inbound_at=NOW - dt.timedelta(days=3))
    rid = queue(kb, ALICE, dt.timedelta(minutes=3), danger="emergency", channel="whatsapp")
    page = worker.get("/checker").text
    worker.post("/language", data={"lang": "es", "next": "/inbox",
                                   "csrf_token": csrf_of(page)})
    listing = inbox_page(worker)
    assert "Bandeja de entrada" in listing and "⚠ Emergencia" in listing
    request = worker.get(f"/inbox/{rid}").text
    assert "plantilla aprobada" in request

