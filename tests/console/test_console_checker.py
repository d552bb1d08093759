"""The entitlement checker through the real app, rules and seeded knowledge base."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx
import pytest
from starlette.testclient import TestClient

from tests.console.conftest import csrf_of

PERU_VENEZUELAN = {"country": "PE", "nationality": "VE", "migration_status": "irregular",
                   "age": "30", "sex": "female", "on": "2026-12-02", "city": "Lima"}


def check(client: TestClient, data: Mapping[str, object],
          path: str = "/checker") -> httpx.Response:
    token = csrf_of(client.get("/checker").text)
    return client.post(path, data={**data, "csrf_token": token})


def test_form_offers_every_field(caseworker: TestClient) -> None:
    page = caseworker.get("/checker").text
    for name in ("country", "nationality", "migration_status", "age", "sex", "situation",
                 "city", "lat", "lon", "on"):
        assert f'name="{name}"' in page, name
    assert "Unknown / prefers not to say" in page
    for situation in ("pregnant", "minor", "unaccompanied_minor", "trafficking_victim",
                      "violence_victim", "detained", "returnee", "disability"):
        assert f'value="{situation}"' in page


def test_peru_profile_shows_rules_legal_basis_and_contacts(caseworker: TestClient) -> None:
    response = check(caseworker, PERU_VENEZUELAN)
    assert response.status_code == 200
    page = response.text
    assert "pe.health.sis" in page  # the rule that fired
    assert "int.icrmw.28" in page
    assert "Ley 27604" in page or "Decreto Legislativo" in page  # legal basis
    assert 'href="https://' in page
    assert "verified on 2026" in page or "verificado el 2026" in page
    # Venezuelan consular services in Peru suspended (rule with a date): the consular domain
    assert "pe.consular.venezuela-suspended" in page
    assert response.headers["cache-control"] == "no-store"


def test_result_explains_why_a_rule_fired(caseworker: TestClient) -> None:
    page = check(caseworker, {**PERU_VENEZUELAN, "situation": ["pregnant"]}).text
    assert "pe.health.pregnant" in page
    # the rule's conditions, worded: its situation condition matched
    assert "Pregnant" in page or "Embarazada" in page


def test_unconfirmed_facts_are_marked(caseworker: TestClient) -> None:
    page = check(caseworker, PERU_VENEZUELAN).text
    assert 'class="unconfirmed"' in page or 'class="confirmed"' in page


@pytest.mark.parametrize("data,field", [
    ({"country": ""}, "country"),
    ({"country": "XX"}, "country"),
    ({"country": "PE", "age": "-1"}, "age"),
    ({"country": "PE", "age": "abc"}, "age"),
    ({"country": "PE", "age": "30", "situation": ["unaccompanied_minor"]}, "situation"),
    ({"country": "PE", "sex": "male", "situation": ["pregnant"]}, "situation"),
    ({"country": "PE", "lat": "95", "lon": "0"}, "lat"),
    ({"country": "PE", "on": "2026-13-40"}, "on"),
    ({"country": "PE", "nationality": "QQ"}, "nationality"),
])
def test_impossible_profiles_get_a_clear_message(caseworker: TestClient,
                                                 data: dict[str, object], field: str) -> None:
    response = check(caseworker, data)
    assert response.status_code == 422
    assert 'class="field-error"' in response.text
    assert "Entitlements in" not in response.text


def test_nothing_about_the_person_is_logged(caseworker: TestClient,
                                            caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        check(caseworker, {**PERU_VENEZUELAN, "city": "Trujillo-unique-town"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Trujillo-unique-town" not in text and "VE" not in text.split()


def test_printable_summary_in_creole(caseworker: TestClient) -> None:
    response = check(caseworker, {**PERU_VENEZUELAN, "print_lang": "ht"}, "/checker/print")
    assert response.status_code == 200
    page = response.text
    assert 'lang="ht"' in page
    assert "Dwa ou" in page  # the heading in Kreyòl
    assert "Ley 27604" in page or "Decreto Legislativo" in page
