"""The console in a real browser (Debian's Chromium through Playwright): sign in and out, a
failed login, a caseworker refused an admin page, the checker for a real profile, the printable
summary in Kreyòl."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from console.settings import ConsoleSettings
from tests.console.browser import CHROMIUM, serve
from tests.console.conftest import ADMIN, CASEWORKER, PASSWORD

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
def site(settings: ConsoleSettings) -> Iterator[str]:
    with serve(settings) as url:
        yield url


@pytest.fixture
def page(browser: Any, site: str) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", base_url=site)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")


def test_sign_in_and_out(page: Any) -> None:
    page.goto("/checker")
    assert "/login" in page.url  # not signed in: sent to the login page
    sign_in(page, CASEWORKER)
    page.wait_for_url("**/checker")
    assert page.locator("h1").inner_text() == "Entitlement checker"
    assert CASEWORKER in page.locator(".who").inner_text()
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto("/checker")
    assert "/login" in page.url


def test_failed_login(page: Any) -> None:
    sign_in(page, CASEWORKER, "a wrong password!")
    alert = page.locator("[role=alert]")
    assert "Wrong e-mail or password" in alert.inner_text()
    assert "/login" in page.url


def test_caseworker_is_refused_an_admin_page(page: Any) -> None:
    sign_in(page, CASEWORKER)
    page.wait_for_url("**/checker")
    response = page.goto("/admin/hotlines")
    assert response.status == 403
    assert "administrators" in page.locator("[role=alert]").inner_text()
    assert page.locator("nav >> text=Listings").count() == 0


def fill_peru_profile(page: Any) -> None:
    page.select_option("#country", "PE")
    page.select_option("#nationality", "VE")
    page.select_option("#migration_status", "irregular")
    page.fill("#age", "30")
    page.select_option("#sex", "female")
    page.check("input[name=situation][value=pregnant]")
    page.fill("#on", "2026-12-02")
    page.fill("#city", "Lima")


def test_checker_shows_legal_basis_and_the_rule_that_fired(page: Any) -> None:
    sign_in(page, CASEWORKER)
    page.wait_for_url("**/checker")
    fill_peru_profile(page)
    page.click("text=Check entitlements")
    health = page.locator("#domain-PE-health")
    health.wait_for()
    text = health.inner_text()
    assert "pe.health.pregnant" in text  # the rule that fired
    assert "Legal basis" in text
    assert "situation includes one of: Pregnant" in text  # why it fired
    assert "takes precedence over pe.health.sis" in text  # which rule it suppressed
    link = health.locator("ul.basis a").first
    assert link.get_attribute("href").startswith("http")
    assert "Ley 27604" in health.locator("ul.basis").inner_text()
    assert page.locator("#domain-INT-health").count() == 1  # international law too
    assert "Hotlines" in page.content()


def test_printable_summary_in_creole(page: Any) -> None:
    sign_in(page, CASEWORKER)
    page.wait_for_url("**/checker")
    fill_peru_profile(page)
    page.click("text=Check entitlements")
    page.locator("#domain-PE-health").wait_for()
    page.select_option("#print_lang", "ht")
    for topic in ("consular", "work", "social_security", "legal_status", "asylum", "detention"):
        box = page.locator(f"input[name=print_domain][value={topic}]")
        if box.count():
            box.uncheck()
    with page.context.expect_page() as opened:
        page.click("text=Open printable summary")
    summary = opened.value
    summary.wait_for_load_state()
    assert summary.locator("html").get_attribute("lang") == "ht"
    assert summary.locator("h1").inner_text() == "Dwa ou ak kote pou jwenn èd"
    body = summary.locator("body").inner_text()
    assert "Nimewo pou rele" in body and "Swen sante" in body
    pdf = summary.pdf(format="A4")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, f"the summary takes {pages} A4 pages"


def test_admin_edits_a_hotline_number_and_sees_the_audit_row(page: Any) -> None:
    sign_in(page, ADMIN)
    page.wait_for_url("**/checker")
    page.click("nav >> text=Listings")
    page.click(".subnav >> text=Hotlines")
    page.fill("#f-country", "PE")
    page.click("text=Filter")
    page.locator("table.listing tbody a").first.click()
    old = page.input_value("#f-number")
    page.fill("#f-number", "+51 1 555 0199")
    page.click("form.record button[type=submit]")
    assert page.locator("[role=status]").inner_text() == "Saved."
    row = page.locator(".audit tbody tr").first.inner_text()
    assert ADMIN in row and "update" in row
    assert f"{old} → +51 1 555 0199" in row


def test_import_with_one_bad_row_is_refused_whole(page: Any, tmp_path: Any) -> None:
    bad = tmp_path / "services.csv"
    bad.write_text("id,name,categories,country,city,lat,lon,phones\n"
                   "web-1,Uno,health,PE,Lima,-12.0,-77.0,+51 1 000 0001\n"
                   "web-2,Dos,health,PE,Lima,-12.0,-77.0,ring ring\n", encoding="utf-8")
    sign_in(page, ADMIN)
    page.wait_for_url("**/checker")
    page.goto("/admin/import")
    page.set_input_files("#file", str(bad))
    page.click("text=Check the file")
    assert "Nothing was imported" in page.locator("[role=alert]").inner_text()
    errors = page.locator("#import-errors").inner_text()
    assert "3\tphones" in errors or ("3" in errors and "phones" in errors)
    page.goto("/admin/services?country=PE&q=Uno&status=all")
    assert "web-1" not in page.content()
