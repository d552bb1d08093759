"""The console's one door into the knowledge base: the checker's evaluation and its explanation.

Everything is read through `knowledge.api` (evaluate, hotlines, consulates, search_services).
The explanation of each rule (which conditions matched, which exception suppressed which rule)
reads the same compiled `RuleSet` the evaluation used; it is worded in `console.checker`.
Nothing about the person is kept: the profile lives only for the request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from knowledge import api

#: Radius of "nearest services" around a point, and how many per domain.
NEAR_RADIUS_KM = 50.0
SERVICES_PER_DOMAIN = 3


@dataclass(frozen=True)
class Condition:
    """One condition of a rule and the profile's value that met it."""

    field: str  # country | nationality | migration_status | age | sex | situation | date
    test: str  # in | not_in | min | max | all | any | none | from | to
    values: tuple[str, ...]


@dataclass(frozen=True)
class RuleExplanation:
    id: str
    status: str
    conditions: list[Condition]
    confidence: str
    verified_on: dt.date | None
    source_url: str | None
    suppressed: list[str] = field(default_factory=list)  # rules this one overrode


@dataclass
class CheckResult:
    evaluation: api.Evaluation
    explanations: dict[str, RuleExplanation]
    consulates: list[api.Consulate]
    nearby: dict[str, list[api.Service]]  # domain -> services near the city or point


def countries() -> tuple[str, ...]:
    """Codes of the countries the knowledge base covers."""
    return api.seeded_countries()


def ruleset() -> Any:
    """The compiled rules the evaluation uses (the shipped rule files)."""
    from knowledge import rules

    loader = getattr(rules, "shipped_rules", None)
    return loader() if loader is not None else rules.load_rule_files()


def _conditions(rule: Any) -> list[Condition]:
    c = rule.conditions
    out: list[Condition] = []

    def add(name: str, test: str, values: Any) -> None:
        if values is None or values == frozenset():
            return
        items = sorted(values) if isinstance(values, frozenset | set) else [values]
        out.append(Condition(name, test, tuple(str(v) for v in items)))

    add("country", "in", c.countries)
    add("nationality", "in", c.nationality_in)
    add("nationality", "not_in", c.nationality_not_in)
    add("migration_status", "in", c.statuses)
    add("age", "min", c.age_min)
    add("age", "max", c.age_max)
    add("sex", "in", c.sexes)
    add("situation", "all", c.sit_all or None)
    add("situation", "any", c.sit_any)
    add("situation", "none", c.sit_none or None)
    add("date", "from", rule.effective_from.isoformat() if rule.effective_from else None)
    add("date", "to", rule.effective_to.isoformat() if rule.effective_to else None)
    return out


def explain(rules: Any, profile: api.Profile, on: dt.date,
            entitlements: list[api.Entitlement]) -> dict[str, RuleExplanation]:
    """For every rule that fired: its conditions (all met by `profile` on `on`) and the rules
    of the same jurisdiction and domain that also matched but it overrode (`exception_to`)."""
    args = (profile.country, profile.nationality, profile.status, profile.age, profile.sex,
            profile.situations)
    out: dict[str, RuleExplanation] = {}
    for ent in entitlements:
        matched = [r for r in rules.by_jurisdiction.get(ent.jurisdiction, ())
                   if r.domain == ent.domain and r.in_force(on) and r.conditions.matches(*args)]
        for rid in ent.rules:
            rule = rules.rules.get(rid)
            if rule is None:
                continue
            over = rules.precedence.get(rid, frozenset())
            out[rid] = RuleExplanation(
                id=rid, status=rule.status, conditions=_conditions(rule),
                confidence=rule.confidence, verified_on=rule.verified_on,
                source_url=rule.source_url,
                suppressed=sorted(r.id for r in matched if r.id in over))
    return out


def services_by_domain(session: Session, country: str, domains: list[str], city: str | None,
                       point: tuple[float, float] | None) -> dict[str, list[api.Service]]:
    """Up to `SERVICES_PER_DOMAIN` services for each domain: nearest first around `point`, else
    those in `city`, else the country's. One search for every domain at once (then grouped by
    category); a category none of those results covers gets a search of its own."""
    if point is not None:
        page = api.search_services(session, country=country, near=point,
                                   radius_km=NEAR_RADIUS_KM, per_page=100)
    else:
        page = api.search_services(session, country=country, text=city, per_page=100)
    pool = list(page.items)
    out: dict[str, list[api.Service]] = {}
    for domain in domains:
        cats = api.DOMAIN_CATEGORIES.get(domain, ())
        found = [s for s in pool if set(s.categories) & set(cats)][:SERVICES_PER_DOMAIN]
        if not found and page.total > len(pool):  # the first 100 did not reach this category
            for category in cats:
                extra = (api.search_services(session, country=country, category=category,
                                             near=point, radius_km=NEAR_RADIUS_KM,
                                             per_page=SERVICES_PER_DOMAIN) if point
                         else api.search_services(session, country=country, category=category,
                                                  text=city, per_page=SERVICES_PER_DOMAIN))
                found += [s for s in extra.items if s not in found]
            found = found[:SERVICES_PER_DOMAIN]
        if found:
            out[domain] = found
    return out


def check(engine: Engine, profile: api.Profile, on: dt.date, lang: str,
          city: str | None = None, point: tuple[float, float] | None = None) -> CheckResult:
    """Evaluate `profile` on `on` with rule text in `lang`, and gather who can help: the
    country's danger hotlines, the consulate of the nationality, services for each domain."""
    rules = ruleset()
    with Session(engine) as session:
        evaluation = api.evaluate(session, profile, on=on, lang=lang, rules=rules,
                                  with_contacts=False)
        lines = api.hotlines(session, profile.country, purposes=api.DANGER_PURPOSES)
        found = (api.consulates(session, nationality=profile.nationality,
                                country=profile.country)
                 if profile.nationality and profile.nationality != profile.country else [])
        domains = list(dict.fromkeys(e.domain for e in evaluation.entitlements
                                     if e.jurisdiction != "INT"))
        by_domain = services_by_domain(session, profile.country, domains, city, point)
    services = list({s.id: s for group in by_domain.values() for s in group}.values())
    evaluation = dataclasses.replace(evaluation, hotlines=lines, services=services)
    near = by_domain if (city or point) else {}
    return CheckResult(evaluation, explain(rules, profile, on, evaluation.entitlements), found,
                       near)
