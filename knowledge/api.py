"""Public API of the knowledge base, used by the action server, the gateway and the console.

Every function takes an open SQLAlchemy session (see `knowledge.db.session_scope`) and returns
plain records from `knowledge.records`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy.orm import Session

import knowledge.audit  # noqa: F401  (installs the audit hook for any session that writes)
from helpline.i18n import LANGUAGES, normalise_language
from knowledge.directory import consulates, hotlines
from knowledge.entitlements import evaluate_entitlements
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
from knowledge.search import search_services
from knowledge.setup import seeded_countries

__all__ = [
    "Consulate", "Entitlement", "Evaluation", "Hotline", "LegalBasis", "Profile",
    "ProfileError", "Service", "ServicePage", "consulates", "country_name", "evaluate",
    "hotlines", "search_services", "seeded_countries", "DANGER_PURPOSES", "DOMAIN_CATEGORIES",
]

DANGER_PURPOSES = ("emergency", "trafficking", "violence")
DOMAIN_CATEGORIES: dict[str, tuple[str, ...]] = {
    "health": ("health",), "education": ("education",), "consular": ("consulate",),
    "protection": ("shelter", "psychosocial"), "work": ("work",),
    "social_security": ("legal_aid",), "legal_status": ("legal_aid",),
    "asylum": ("legal_aid",), "detention": ("legal_aid",),
}


def evaluate(session: Session, profile: Profile, on: dt.date | None = None,
             domains: Iterable[str] | None = None, lang: str = "en",
             with_contacts: bool = True, services_per_domain: int = 3) -> Evaluation:
    """What `profile` is entitled to on `on` (default today), with legal basis, the rules that
    fired, and (unless `with_contacts=False`) the country's danger hotlines and real services
    for the domains asked about. Text is in `lang`, falling back to English."""
    on = on or dt.date.today()
    code = normalise_language(lang) or "en"
    entitlements = evaluate_entitlements(session, profile, on, domains, code)
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


@lru_cache(maxsize=512)
def country_name(code: str, lang: str = "en") -> str:
    """The country's name in `lang` from CLDR (Babel); the code itself if unknown."""
    from babel import Locale

    loc = normalise_language(lang) or "en"
    if loc not in LANGUAGES:
        loc = "en"
    english = Locale("en").territories.get(code.upper(), code.upper())
    try:
        return Locale.parse(loc).territories.get(code.upper()) or english
    except (ValueError, LookupError):  # a locale CLDR does not have
        return english
