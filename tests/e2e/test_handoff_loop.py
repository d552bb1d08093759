"""The hand-off loop on the whole stack (action server, Rasa, gateway, console) in a real
browser: a person asks for a person on Telegram or WhatsApp (their APIs faked at the HTTP
boundary), the request appears in the inbox, a caseworker claims it, replies, the fake API
receives exactly that text for that chat, the person's next message shows in the transcript,
the caseworker closes it. Outside WhatsApp's 24-hour window only the template is offered and
sent through the Content API; erasure removes an open request from the inbox at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from devstack.training import train
from tests.auxil.channel_stack import (
    CASEWORKER,
    PASSWORD,
    TEMPLATE_SID,
    ChannelStack,
    channel_stack,
    wait_until,
)
from tests.console.browser import CHROMIUM

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelStack]:
    var: Path = tmp_path_factory.mktemp("handoff")
    with channel_stack(var, train(), console_env={"INBOX_REFRESH_SECONDS": "2"}) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make setup`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Any, env: ChannelStack) -> Iterator[Any]:
    context = browser.new_context(base_url=env.console_url, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto("/login?next=/inbox")
    tab.fill("#email", CASEWORKER)
    tab.fill("#password", PASSWORD)
    tab.click("form[action='/login'] button[type=submit]")
    tab.wait_for_url("**/inbox")
    yield tab
    context.close()


def kb(env: ChannelStack) -> sa.Engine:
    return sa.create_engine(env.settings.database_url)


def open_request_of(env: ChannelStack, pseudonym: str) -> int | None:
    engine = kb(env)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text(
                "SELECT id FROM handoff_requests WHERE sender_id = :s AND status = 'open'"),
                {"s": pseudonym}).scalar()
    finally:
        engine.dispose()
    return int(found) if found is not None else None


def ask_for_a_person_on_telegram(env: ChannelStack, chat_id: int) -> int:
    assert env.telegram(chat_id, "hola, estoy en Tapachula, México").status_code == 200
    assert env.telegram(chat_id, "quiero hablar con una persona").status_code == 200
    pseudonym = env.pseudonym("telegram", str(chat_id))
    found: int = wait_until(lambda: open_request_of(env, pseudonym), 30, "the request")
    return found


def submit(page: Any, selector: str) -> None:
    """Click a form's button and wait for the page the post redirects to."""
    with page.expect_navigation():
        page.click(selector)


def open_from_inbox(page: Any, request_id: int) -> None:
    page.goto("/inbox")
    row = page.locator(f"#inbox-rows tr:has(a[href='/inbox/{request_id}'])")
    row.wait_for()
    page.click(f"a[href='/inbox/{request_id}']")
    page.wait_for_url(f"**/inbox/{request_id}")


def test_telegram_loop_reply_reaches_that_chat_and_the_next_message_shows(
        env: ChannelStack, page: Any) -> None:
    chat_id = 51_000_001
    page.goto("/inbox")
    request_id = ask_for_a_person_on_telegram(env, chat_id)
    promise = " ".join(env.telegram_texts(chat_id))
    assert "una persona de nuestro equipo que te responda aquí" in promise
    # The open inbox page shows the new request without a reload.
    page.locator(f"a[href='/inbox/{request_id}']").wait_for(timeout=20_000)
    row = page.locator(f"#inbox-rows tr:has(a[href='/inbox/{request_id}'])").inner_text()
    assert "telegram" in row.lower() and str(chat_id) not in row

    page.click(f"a[href='/inbox/{request_id}']")
    page.wait_for_url(f"**/inbox/{request_id}")
    submit(page, "button:has-text('Claim')")
    assert page.locator("#holder").inner_text() == "you"
    transcript = page.locator("#conversation-body").inner_text()
    assert "quiero hablar con una persona" in transcript
    assert str(chat_id) not in page.content()

    before = len(env.bot.sent())
    reply = "Hola, soy Ana del equipo. ¿Dónde estás ahora y estás a salvo?"
    page.fill("#reply-text", reply)
    submit(page, "button:has-text('Send reply')")
    wait_until(lambda: len(env.bot.sent()) > before, 30, "the reply on the Bot API")
    sent = env.bot.sent()[before:]
    assert [(int(p["chat_id"]), p["text"]) for p in sent] == [(chat_id, reply)]

    # The reply is in the conversation the bot and the next caseworker see.
    page.reload()
    assert reply in page.locator("#conversation-body").inner_text()
    # The person writes again: the bot answers, and the message shows in the transcript.
    env.telegram(chat_id, "estoy en un albergue con mis dos hijos")
    page.locator("#conversation-body", has_text="estoy en un albergue").wait_for(timeout=20_000)

    page.check("input[name=outcome][value=answered]")
    submit(page, "#close button:has-text('Close')")
    page.goto("/inbox")
    assert page.locator(f"a[href='/inbox/{request_id}']").count() == 0


def test_a_script_from_a_user_is_shown_as_text(env: ChannelStack, page: Any) -> None:
    chat_id = 51_000_002
    fired: list[str] = []

    def on_dialog(dialog: Any) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    env.telegram(chat_id, "<script>alert('x')</script> ayuda")
    request_id = ask_for_a_person_on_telegram(env, chat_id)
    open_from_inbox(page, request_id)
    assert "<script>alert('x')</script>" in page.locator("#conversation-body").inner_text()
    assert fired == []


def test_whatsapp_loop_and_the_24_hour_window(env: ChannelStack, page: Any) -> None:
    phone = "+5215512345678"
    assert env.whatsapp(phone, "hola, estoy en Monterrey, México").status_code == 200
    assert env.whatsapp(phone, "quiero hablar con una persona").status_code == 200
    pseudonym = env.pseudonym("whatsapp", f"whatsapp:{phone}")
    request_id = wait_until(lambda: open_request_of(env, pseudonym), 30, "the request")
    open_from_inbox(page, request_id)
    submit(page, "button:has-text('Claim')")
    before = len(env.twilio.messages)
    reply = "Hola, soy Ana del equipo de la línea. Te escribo por aquí."
    page.fill("#reply-text", reply)
    submit(page, "button:has-text('Send reply')")
    wait_until(lambda: len(env.twilio.messages) > before, 30, "the reply on Twilio")
    assert env.whatsapp_bodies(phone)[-1] == reply

    # The person's last message was 25 hours ago: free text is no longer allowed.
    store = sa.create_engine(env.settings.gateway_database_url)
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE gateway_senders_v2 SET last_inbound_at = :t "
                             "WHERE pseudonym = :p"), {"t": time.time() - 25 * 3600,
                                                       "p": pseudonym})
    store.dispose()
    page.reload()
    assert page.locator("#template-only").is_visible()
    assert page.locator("#reply-text").count() == 0
    before = len(env.twilio.messages)
    submit(page, "button:has-text('Send the approved template')")
    wait_until(lambda: len(env.twilio.messages) > before, 30, "the template on Twilio")
    sent = env.twilio.messages[-1]
    assert sent.get("ContentSid") == TEMPLATE_SID
    assert sent.get("To") == f"whatsapp:{phone}"


def test_erasure_removes_an_open_request_from_the_inbox(env: ChannelStack, page: Any) -> None:
    chat_id = 51_000_003
    request_id = ask_for_a_person_on_telegram(env, chat_id)
    open_from_inbox(page, request_id)
    env.telegram(chat_id, "/delete")
    env.telegram(chat_id, "/affirm")
    pseudonym = env.pseudonym("telegram", str(chat_id))
    wait_until(lambda: open_request_of(env, pseudonym) is None, 30, "the erasure")
    page.goto("/inbox")
    assert page.locator(f"a[href='/inbox/{request_id}']").count() == 0
    response = page.goto(f"/inbox/{request_id}")
    assert response.status in (404, 410)


def test_internal_endpoint_refuses_a_missing_or_wrong_token(env: ChannelStack) -> None:
    url = env.gateway_url + "/internal/conversations/" + env.pseudonym("telegram", "1")
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    good = httpx.get(url, headers={"Authorization": f"Bearer {env.service_token}"})
    assert good.status_code == 404  # the token is right; that person never wrote


def test_web_chat_loop_reply_appears_in_the_web_chat(env: ChannelStack, page: Any) -> None:
    session = "inbox-webchat-0001"

    def write(text: str) -> httpx.Response:
        return httpx.post(env.gateway_url + "/webchat/message", timeout=90,
                          json={"session": session, "message": text},
                          headers={"Accept-Language": "es"})

    assert write("hola, estoy en Lima, Perú").status_code == 200
    assert write("quiero hablar con una persona").status_code == 200
    pseudonym = env.pseudonym("webchat", session)
    request_id = wait_until(lambda: open_request_of(env, pseudonym), 30, "the request")
    open_from_inbox(page, request_id)
    submit(page, "button:has-text('Claim')")
    reply = "Hola, soy Ana del equipo. Te escribo aquí mismo."
    page.fill("#reply-text", reply)
    submit(page, "button:has-text('Send reply')")

    def mailbox() -> list[str]:
        found = httpx.get(env.gateway_url + "/webchat/replies",
                          params={"session": session}).json()
        return [r.get("text") or "" for r in found["replies"]]

    assert wait_until(lambda: [t for t in mailbox() if t == reply], 30, "the web chat reply")
