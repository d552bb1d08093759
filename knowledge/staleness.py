"""Which facts need re-checking: listings (in the database) and rules (in the rule files) never
verified or verified too long ago."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.records import Record
from knowledge.rules import RuleSet, shipped_rules


@dataclass(frozen=True)
class StaleFact(Record):
    kind: str
    id: str
    country: str | None
    label: str
    verified_on: dt.date | None


def stale_facts(session: Session, max_age_days: int, today: dt.date | None = None,
                include_samples: bool = False, rules: RuleSet | None = None) -> list[StaleFact]:
    """Active listings and rules (default: the shipped rule files) whose `verified_on` is
    missing or older than `max_age_days`."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=max_age_days)
    out: list[StaleFact] = []
    svc = select(m.Service).where(m.Service.status == "active",
                                  or_(m.Service.verified_on.is_(None),
                                      m.Service.verified_on < cutoff))
    if not include_samples:
        svc = svc.where(m.Service.is_sample.is_(False))
    for s in session.scalars(svc.order_by(m.Service.country, m.Service.id)):
        out.append(StaleFact("service", s.id, s.country, s.name, s.verified_on))
    for h in session.scalars(select(m.Hotline).where(
            m.Hotline.status == "active",
            or_(m.Hotline.verified_on.is_(None), m.Hotline.verified_on < cutoff))
            .order_by(m.Hotline.country, m.Hotline.id)):
        out.append(StaleFact("hotline", h.id, h.country, f"{h.purpose}: {h.number}",
                             h.verified_on))
    for c in session.scalars(select(m.Consulate).where(
            m.Consulate.status == "active",
            or_(m.Consulate.verified_on.is_(None), m.Consulate.verified_on < cutoff))
            .order_by(m.Consulate.country, m.Consulate.id)):
        out.append(StaleFact("consulate", c.id, c.country,
                             f"{c.nationality} {c.kind} {c.city or ''}".strip(), c.verified_on))
    ruleset = rules if rules is not None else shipped_rules()
    for r in sorted(ruleset.rules.values(), key=lambda r: (r.jurisdiction, r.id)):
        if r.verified_on is None or r.verified_on < cutoff:
            out.append(StaleFact("rule", r.id, r.jurisdiction, r.domain, r.verified_on))
    return out
