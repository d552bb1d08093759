"""Take the README's console screenshots (docs/console/*.png) with Debian's Chromium.

    .venv/bin/python docs/make_screenshots.py

Builds a throw-away knowledge base (migrated and seeded) and console database in a temporary
folder, serves the console on a free loopback port, and drives the browser through the checker,
the printable summary and a hotline edit with its audit history. Then starts the whole stack
(`tests.auxil.channel_stack`, Telegram faked) for the inbox: a person asks for a person, a
caseworker claims the request and replies."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.accounts import add_user  # noqa: E402
from console.db import console_engine, migrate  # noqa: E402
from console.settings import ConsoleSettings  # noqa: E402
from knowledge.db import make_engine, session_scope  # noqa: E402
from knowledge.setup import migrate as kb_migrate  # noqa: E402
from knowledge.setup import seed  # noqa: E402
from tests.console.browser import CHROMIUM, serve  # noqa: E402

OUT = ROOT / "docs" / "console"
EMAIL, PASSWORD = "admin@example.org", "screenshots only 2026"


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        kb_url, console_url = f"sqlite:///{tmp}/kb.db", f"sqlite:///{tmp}/console.db"
        kb_migrate(kb_url)
        engine = make_engine(kb_url)
        with session_scope(engine) as s:
            seed(s)
        engine.dispose()
        migrate(console_url)
        cengine = console_engine(console_url)
        add_user(cengine, EMAIL, PASSWORD, "admin")
        cengine.dispose()
        settings = ConsoleSettings(helpline_env="test", database_url=kb_url,
                                   console_database_url=console_url,
                                   console_secret_key="screenshots-0123456789abcdefghij")
        with serve(settings) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
            page = browser.new_context(locale="en-GB", base_url=url,
                                       viewport={"width": 1280, "height": 900}).new_page()
            page.goto("/login")
            page.fill("#email", EMAIL)
            page.fill("#password", PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            page.wait_for_url("**/checker")
            page.select_option("#country", "PE")
            page.select_option("#nationality", "VE")
            page.select_option("#migration_status", "irregular")
            page.fill("#age", "30")
            page.select_option("#sex", "female")
            page.check("input[name=situation][value=pregnant]")
            page.fill("#on", "2026-12-02")
            page.fill("#city", "Lima")
            page.click("text=Check entitlements")
            page.locator("#domain-PE-health").wait_for()
            page.locator("#result-title").scroll_into_view_if_needed()
            box = page.locator("#result-title").bounding_box()
            assert box is not None
            page.screenshot(path=str(OUT / "checker-result.png"), full_page=True,
                            clip={"x": 0, "y": box["y"] - 10, "width": 1280, "height": 1100})
            page.select_option("#print_lang", "ht")
            with page.context.expect_page() as opened:
                page.click("text=Open printable summary")
            summary = opened.value
            summary.wait_for_load_state()
            summary.set_viewport_size({"width": 900, "height": 1270})
            summary.screenshot(path=str(OUT / "printable-ht.png"))
            summary.close()
            page.goto("/admin/hotlines?country=PE&q=100")
            page.locator("table.listing tbody a").first.click()
            page.fill("#f-hours", "24 horas, todos los días")
            page.click("form.record button[type=submit]")
            page.locator("#history-title").wait_for()
            page.locator("#history-title").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / "listing-edit-audit.png"), full_page=True)
            browser.close()
    inbox()
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(ROOT))


def inbox() -> None:
    """The request page of the hand-off inbox after a caseworker's reply (inbox-reply.png)."""
    from playwright.sync_api import sync_playwright

    from devstack.training import train
    from tests.auxil.channel_stack import CASEWORKER, channel_stack, wait_until
    from tests.auxil.channel_stack import PASSWORD as CASEWORKER_PASSWORD

    chat = 51_000_900
    with tempfile.TemporaryDirectory() as tmp, channel_stack(Path(tmp), train()) as env, \
            sync_playwright() as pw:
        env.telegram(chat, "hola, estoy en Tapachula, México, con mis dos hijos")
        env.telegram(chat, "quiero hablar con una persona")
        wait_until(lambda: env.telegram_texts(chat), 60, "the bot's answer")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        page = browser.new_context(locale="en-GB", base_url=env.console_url,
                                   viewport={"width": 1280, "height": 900}).new_page()
        page.goto("/login?next=/inbox")
        page.fill("#email", CASEWORKER)
        page.fill("#password", CASEWORKER_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/inbox")
        page.locator("#inbox-rows a").first.click()
        with page.expect_navigation():
            page.click("button:has-text('Claim')")
        page.fill("#reply-text", "Hola, soy Ana, del equipo de la línea. ¿Están a salvo ahora? "
                                 "Te paso el albergue más cercano en Tapachula.")
        with page.expect_navigation():
            page.click("button:has-text('Send reply')")
        page.screenshot(path=str(OUT / "inbox-reply.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
