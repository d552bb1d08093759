"""Immigration authorities are listed for procedures only: never offered as a help service."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from knowledge.api import evaluate, search_services, seeded_countries
from knowledge.profiles import Profile
from knowledge.schemas import ServiceIn
from knowledge.search import AUTHORITY, SERVICE_CATEGORIES
from knowledge.setup import seed_files
from knowledge.yamlio import load_file

# Names of bodies that control, detain or deport people (not refugee commissions or
# migrants' shelters, which also carry "migra" in their names).
ENFORCEMENT_NAME = re.compile(
    r"Instituto (Nacional|Guatemalteco) de Migraci|Direcci[oó]n (General|Nacional) de "
    r"Migraci|Servicio Nacional de Migraci|Superintendencia Nacional de Migraciones|"
    r"Migraci[oó]n Colombia|Pol[ií]cia Federal|Immigration Division|Immigration and Customs "
    r"Enforcement|Border Services Agency|Citizenship and Immigration Services|"
    r"Border Protection", re.I)


def _seed_services() -> list[dict]:
    return [row for path in seed_files() for row in (load_file(path)[0] or {}).get("services", [])]


def test_every_enforcement_body_in_the_seed_is_an_authority_alone() -> None:
    named = [s for s in _seed_services() if ENFORCEMENT_NAME.search(s["name"])
             and "refug" not in s["name"].lower()]
    assert len(named) >= 12
    wrong = [s["id"] for s in named if s["categories"] != [AUTHORITY]]
    assert not wrong, f"enforcement bodies listed as help: {wrong}"


def test_an_authority_cannot_also_be_a_help_service() -> None:
    base: dict[str, Any] = {"id": "mx-test", "name": "Migration office", "country": "MX"}
    with pytest.raises(ValidationError, match="stands alone"):
        ServiceIn(**base, categories=[AUTHORITY, "legal_aid"])
    assert ServiceIn(**base, categories=[AUTHORITY]).categories == [AUTHORITY]


def test_searches_never_return_an_authority_unless_asked(session) -> None:
    countries = seeded_countries()
    found_any = False
    for code in countries:
        everything = search_services(session, country=code, per_page=100)
        assert not [s.id for s in everything.items if AUTHORITY in s.categories], code
        by_text = search_services(session, country=code, text="migración", per_page=100)
        assert not [s.id for s in by_text.items if AUTHORITY in s.categories], code
        for cat in SERVICE_CATEGORIES:
            if cat == AUTHORITY:
                continue
            page = search_services(session, country=code, category=cat, per_page=100)
            assert not [s.id for s in page.items if AUTHORITY in s.categories], (code, cat)
        asked = search_services(session, country=code, category=AUTHORITY, per_page=100)
        found_any = found_any or asked.total > 0
    assert found_any
    inm = search_services(session, country="MX", category=AUTHORITY, per_page=100)
    assert "mx-inm" in [s.id for s in inm.items]


def test_tapachula_mother_is_not_sent_to_the_inm(session) -> None:
    near = search_services(session, country="MX", category="shelter",
                           near=(14.9056, -92.2633), radius_km=50, per_page=20)
    assert "mx-inm" not in [s.id for s in near.items]
    ev = evaluate(session, Profile(country="MX", migration_status="irregular"),
                  lang="es", services_per_domain=20)
    assert not [s.id for s in ev.services if AUTHORITY in s.categories]
