"""Public API of the knowledge base, used by the action server, the gateway and the console.

Listings (hotlines, consulates, services) are read through an open SQLAlchemy session (see
`knowledge.db.session_scope`); entitlements come from the rule files (`knowledge.rules`).
Everything returned is a plain record from `knowledge.records`; no wording is added here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.orm import Session

import knowledge.audit  # noqa: F401  (installs the audit hook for any session that writes)
from knowledge.directory import consulates, hotlines
from knowledge.entitlements import evaluate_entitlements
from knowledge.languages import FALLBACK_LANGUAGE, normalise_language
from knowledge.profiles import Profile, ProfileError
from knowledge.records import (
    Consulate,
    Entitlement,
    Evaluation,
    Hotline,
    LegalBasis,
    Service,
    ServicePage,
)
from knowledge.rules import RuleSet
from knowledge.search import search_services
from knowledge.setup import seeded_countries

__all__ = [
    "Consulate", "Entitlement", "Evaluation", "Hotline", "LegalBasis", "Profile",
    "ProfileError", "RuleSet", "Service", "ServicePage", "consulates", "evaluate", "hotlines",
    "search_services", "seeded_countries", "DANGER_PURPOSES", "DOMAIN_CATEGORIES",
]

DANGER_PURPOSES = ("emergency", "trafficking", "violence")
DOMAIN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "health": ("health",), "education": ("education",), "consular": ("consulate",),
    "protection": ("shelter", "psychosocial"), "work": ("work",),
    "social_security": ("legal_aid",), "legal_status": ("legal_aid",),
    "asylum": ("legal_aid",), "detention": ("legal_aid",),
}


def evaluate(session: Session, profile: Profile, on: dt.date | None = None,
             domains: Iterable[str] | None = None, lang: str = FALLBACK_LANGUAGE,
             with_contacts: bool = True, services_per_domain: int = 3,
             rules: RuleSet | None = None) -> Evaluation:
    """What `profile` is entitled to on `on` (default today) under `rules` (default: the
    shipped rule files), with legal basis, the rules that fired, and (unless
    `with_contacts=False`) the country's danger hotlines and real services for the domains
    asked about. Rule text is in `lang`, falling back to English; a domain without a national
    rule is `status: "unknown"` with an empty summary (the caller words it)."""
    on = on or dt.date.today()
    code = normalise_language(lang) or FALLBACK_LANGUAGE
    entitlements = evaluate_entitlements(profile, on, domains, code, rules=rules)
    lines: list[Hotline] = []
    services: list[Service] = []
    if with_contacts:
        lines = hotlines(session, profile.country, purposes=DANGER_PURPOSES)
        seen: set[str] = set()
        cats = [c for e in entitlements if e.jurisdiction != "INT"
                for c in DOMAIN_CATEGORIES.get(e.domain, ())]
        for cat in dict.fromkeys(cats):
            page = search_services(session, country=profile.country, category=cat,
                                   per_page=services_per_domain)
            for s in page.items:
                if s.id not in seen:
                    seen.add(s.id)
                    services.append(s)
    return Evaluation(profile=profile.to_dict(), on=on, lang=code, entitlements=entitlements,
                      hotlines=lines, services=services)
