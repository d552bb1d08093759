"""The knowledge base's floor for every seeded country: nine national domains with their
legal basis, nine in ten of those answers confirmed, services a person can reach in at least
five cities, the hotlines a person in danger needs, and every source a real link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from knowledge import models as m
from knowledge.coverage import coverage
from knowledge.rules import DOMAINS, shipped_rules
from knowledge.setup import seeded_countries

DANGER_LINES = ("emergency", "trafficking", "violence", "child_protection")
BARE_DOMAIN = re.compile(r"^https?://[^/]+/?$")
MIN_CITIES = 5
MIN_CONFIRMED_SHARE = 0.90


def _bad_link(url: str | None) -> bool:
    return (not url or not url.startswith(("http://", "https://")) or bool(BARE_DOMAIN.match(url))
            or "facts.md" in url)


@pytest.fixture(scope="module")
def report(seeded_db):
    from sqlalchemy.orm import Session

    with Session(bind=seeded_db.engine) as s:
        return {c.country: c for c in coverage(s)}


def test_every_seeded_country_is_in_the_database(report) -> None:
    assert set(seeded_countries()) <= set(report)
    assert len(seeded_countries()) >= 20


@pytest.mark.parametrize("code", seeded_countries())
def test_country_answers_every_domain_nationally(report, code: str) -> None:
    assert report[code].national_domains == list(DOMAINS), report[code].missing_domains


def test_nine_in_ten_national_answers_are_confirmed(report) -> None:
    answers = sum(len(c.national_domains) for c in report.values())
    confirmed = sum(c.confirmed_answers for c in report.values())
    assert confirmed / answers >= MIN_CONFIRMED_SHARE, f"{confirmed}/{answers}"


@pytest.mark.parametrize("code", seeded_countries())
def test_country_services_are_reachable_in_five_cities(report, code: str) -> None:
    c = report[code]
    assert not c.unreachable, f"services without a phone or an address: {c.unreachable}"
    assert len(c.cities) >= MIN_CITIES, c.cities


@pytest.mark.parametrize("code", seeded_countries())
def test_country_has_every_line_a_person_in_danger_needs(report, code: str) -> None:
    missing = [p for p in DANGER_LINES if p not in report[code].hotline_purposes]
    assert not missing


def test_main_emergency_numbers_are_confirmed(session) -> None:
    for code in seeded_countries():
        lines = session.scalars(select(m.Hotline).where(
            m.Hotline.country == code, m.Hotline.purpose == "emergency",
            m.Hotline.status == "active")).all()
        assert lines and all(h.confidence == "confirmed" for h in lines), code


def test_every_fact_cites_a_page(session) -> None:
    bad = []
    for model in (m.Service, m.Hotline, m.Consulate):
        for row in session.scalars(select(model).where(model.status == "active")):
            if not getattr(row, "is_sample", False) and _bad_link(row.source_url):
                bad.append(f"{model.__tablename__} {row.id}: {row.source_url!r}")
    rules = shipped_rules()  # rules and their sources live in the rule files
    for rule in rules.rules.values():
        if _bad_link(rule.source_url):
            bad.append(f"rule {rule.id}: {rule.source_url!r}")
    for src in rules.sources.values():
        if _bad_link(src.url):
            bad.append(f"legal source {src.id}: {src.url!r}")
    assert not bad, "\n".join(bad)
