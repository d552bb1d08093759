"""How much the knowledge base can answer, per country: the rights domains answered nationally
for an irregular adult and how many of those answers are confirmed, the services a person can
reach (with a phone or an address) and their cities, the hotline purposes, the stale facts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.entitlements import evaluate_entitlements
from knowledge.profiles import Profile
from knowledge.records import Record
from knowledge.rules import DOMAINS, RuleSet
from knowledge.staleness import stale_facts


@dataclass(frozen=True)
class CountryCoverage(Record):
    country: str
    name: str
    national_domains: list[str]
    missing_domains: list[str]
    confirmed_answers: int
    services: int
    reachable_services: int
    cities: list[str]
    unreachable: list[str] = field(default_factory=list)
    hotline_purposes: list[str] = field(default_factory=list)
    stale: int = 0


def reachable(service: m.Service) -> bool:
    """A service a person can reach: it has a phone number or a street address."""
    return bool(service.phones) or bool((service.address or "").strip())


def coverage(session: Session, on: dt.date | None = None, max_age_days: int = 365,
             countries: list[str] | None = None,
             rules: RuleSet | None = None) -> list[CountryCoverage]:
    """Coverage of every seeded country (or of `countries`) on `on` (default today) under
    `rules` (default: the shipped rule files). Only active, non-sample listings count."""
    on = on or dt.date.today()
    rows = session.scalars(select(m.Country).order_by(m.Country.code)).all()
    names = {c.code: c.name for c in rows}
    codes = [c.upper() for c in countries] if countries else list(names)
    stale = Counter(f.country for f in stale_facts(session, max_age_days, today=on,
                                                   rules=rules))
    out = []
    for code in codes:
        answers = [e for e in evaluate_entitlements(
            Profile(country=code, migration_status="irregular"), on, international=False,
            rules=rules) if e.jurisdiction == code and e.rules]
        national = [d for d in DOMAINS if any(e.domain == d for e in answers)]
        services = session.scalars(select(m.Service).where(
            m.Service.country == code, m.Service.status == "active",
            m.Service.is_sample.is_(False)).order_by(m.Service.id)).all()
        ok = [s for s in services if reachable(s)]
        purposes = session.scalars(select(m.Hotline.purpose).where(
            m.Hotline.country == code, m.Hotline.status == "active").distinct()).all()
        out.append(CountryCoverage(
            country=code, name=names.get(code, code), national_domains=national,
            missing_domains=[d for d in DOMAINS if d not in national],
            confirmed_answers=sum(1 for e in answers if e.confidence == "confirmed"),
            services=len(services), reachable_services=len(ok),
            cities=sorted({s.city for s in ok if s.city}),
            unreachable=[s.id for s in services if not reachable(s)],
            hotline_purposes=sorted(purposes), stale=stale.get(code, 0)))
    return out
