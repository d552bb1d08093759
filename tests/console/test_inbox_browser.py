"""The hand-off inbox in a real browser (Debian's Chromium through Playwright), against the real
console server and the stand-in of the gateway's internal API (`tests/console/test_inbox.py`):
a new request appears without a reload, a caseworker claims it, reads a transcript whose
`<script>` stays text, replies (the gateway receives exactly that text), sees the person's next
message without a reload and closes the request; outside WhatsApp's window only the template is
offered and sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from console.settings import ConsoleSettings
from knowledge.db import make_engine
from tests.auxil.networking import ServedApp
from tests.console.browser import CHROMIUM, serve
from tests.console.conftest import CASEWORKER, PASSWORD
from tests.console.test_inbox import ALICE, BRUNO, TOKEN, Person, StandInGateway, queue

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():  # `make setup` installs it; say so instead of a cryptic failure
    pytest.fail("Debian's chromium is missing: run `make setup` (apt-get install chromium)",
                pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


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
                                       "inbox_refresh_seconds": 2})


@pytest.fixture
def kb(inbox_settings: ConsoleSettings) -> Iterator[sa.Engine]:
    engine = make_engine(inbox_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def page(browser: Any, inbox_settings: ConsoleSettings) -> Iterator[Any]:
    with serve(inbox_settings) as url:
        context = browser.new_context(locale="en-GB", base_url=url)
        page = context.new_page()
        page.set_default_timeout(15_000)
        dialogs: list[str] = []

        def on_dialog(dialog: Any) -> None:  # an alert() would mean a script ran
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.dialogs = dialogs
        yield page
        context.close()


def sign_in(page: Any) -> None:
    page.goto("/login?next=/inbox")
    page.fill("#email", CASEWORKER)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/inbox")


def test_a_request_is_claimed_answered_and_closed(page: Any, kb: sa.Engine,
                                                  gateway: tuple[StandInGateway, ServedApp]
                                                  ) -> None:
    stand_in = gateway[0]
    stand_in.people[ALICE] = Person("telegram", events=[
        {"at": "2026-12-03T09:00:00+00:00", "who": "user",
         "text": "<script>alert('x')</script> quiero hablar con una persona", "media": None},
        {"at": "2026-12-03T09:00:01+00:00", "who": "bot", "text": "Ya pedí a una persona.",
         "media": None},
    ])
    sign_in(page)
    assert "Nobody is waiting for a person." in page.locator("#inbox-list").inner_text()
    rid = queue(kb, ALICE, dt.timedelta(minutes=3), channel="telegram", danger="violence")
    row = page.locator(f"#request-{rid}")
    row.wait_for()  # came with the script's refresh, without a reload
    assert "⚠ Violence" in row.inner_text() and "Telegram" in row.inner_text()
    assert ALICE not in page.content()
    row.locator("button", has_text="Claim").click()
    page.wait_for_url(f"**/inbox/{rid}?notice=claimed")
    assert page.locator("#holder").inner_text() == "you"
    transcript = page.locator("ol.transcript").inner_text()
    assert "<script>alert('x')</script> quiero hablar con una persona" in transcript
    assert page.dialogs == []  # shown as text, never run
    text = "Hola, soy Ana, del equipo. ¿En qué ciudad estás?"
    page.fill("#reply-text", text)
    page.click("text=Send reply")
    page.wait_for_url(f"**/inbox/{rid}?notice=sent")
    assert stand_in.texts_to(ALICE) == [text]
    assert text in page.locator("li.from-caseworker").inner_text()
    # The person answers; the caseworker sees it without reloading the page.
    stand_in.people[ALICE].events.append(
        {"at": dt.datetime.now(dt.UTC).isoformat(), "who": "user", "text": "Estoy en Lima",
         "media": None})
    page.locator("li.from-user", has_text="Estoy en Lima").wait_for()
    page.check("input[name=outcome][value=answered]")
    page.click("#close button[type=submit]")
    page.wait_for_url("**/inbox?notice=closed")
    assert page.locator(f"#request-{rid}").count() == 0
    page.goto(f"/inbox/{rid}")
    assert "Answered" in page.locator("#closed").inner_text()
    audit = page.locator(".audit tbody").inner_text()
    assert "claimed" in audit and "replied" in audit and "closed (Answered)" in audit


def test_outside_the_whatsapp_window_only_the_template_is_sent(
        page: Any, kb: sa.Engine, gateway: tuple[StandInGateway, ServedApp]) -> None:
    stand_in = gateway[0]
    stand_in.people[BRUNO] = Person("whatsapp",
                                    last_inbound_at=dt.datetime.now(dt.UTC)
                                    - dt.timedelta(hours=30))
    rid = queue(kb, BRUNO, dt.timedelta(hours=29), channel="whatsapp")
    sign_in(page)
    page.click(f"#request-{rid} >> text=Open")
    page.wait_for_url(f"**/inbox/{rid}")
    assert "24-hour window closed at" in page.locator("#window").inner_text()
    assert page.locator("#reply-text").count() == 0
    assert "only the approved template" in page.locator("#template-only").inner_text()
    page.click("text=Send the approved template")
    page.wait_for_url(f"**/inbox/{rid}?notice=template_sent")
    assert stand_in.sent == [(BRUNO, {"template": True})]
