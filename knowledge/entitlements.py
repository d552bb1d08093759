"""The entitlement engine: a profile and a date in, entitlements out, from a `RuleSet`.

Pure in-memory matching over rules compiled from the rule files (by default the shipped ones,
loaded once per process: `knowledge.rules.shipped_rules`). No database, no wording: a domain
with no national rule comes back as `status: "unknown"` with an empty summary, and the
presentation layer says so in the user's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from knowledge.languages import FALLBACK_LANGUAGE
from knowledge.profiles import Profile
from knowledge.records import Entitlement, LegalBasis
from knowledge.rules import DOMAINS, CompiledRule, RuleError, RuleSet, shipped_rules

INTERNATIONAL = "INT"


def _merge(jurisdiction: str, domain: str, fired: Sequence[CompiledRule], ruleset: RuleSet,
           lang: str) -> Entitlement:
    statuses = {r.status for r in fired}
    if len(statuses) != 1:  # the load-time conflict check makes this unreachable
        raise RuleError(f"rules {[r.id for r in fired]} disagree for {jurisdiction}/{domain}")
    summaries, warnings, basis, seen = [], [], [], set()
    for r in fired:
        text = r.text(lang)
        summaries.append(text["summary"].strip())
        warnings += [w for w in text.get("warnings") or () if w not in warnings]
        for cid in r.citations:
            s = ruleset.sources[cid]
            if (s.title, s.article) not in seen:
                seen.add((s.title, s.article))
                basis.append(LegalBasis(title=s.title, article=s.article, url=s.url))
    dates = [r.verified_on for r in fired]
    return Entitlement(
        domain=domain, status=statuses.pop(), summary=" ".join(summaries), legal_basis=basis,
        verified_on=None if None in dates else min(d for d in dates if d),
        confidence="confirmed" if all(r.confidence == "confirmed" for r in fired)
        else "unconfirmed",
        rules=[r.id for r in fired], warnings=warnings, jurisdiction=jurisdiction,
    )


def _unknown(domain: str, country: str) -> Entitlement:
    return Entitlement(domain=domain, status="unknown", summary="", legal_basis=[],
                       verified_on=None, confidence="unconfirmed", rules=[], warnings=[],
                       jurisdiction=country)


def evaluate_entitlements(profile: Profile, on: dt.date, domains: Iterable[str] | None = None,
                          lang: str = FALLBACK_LANGUAGE, international: bool = True,
                          rules: RuleSet | None = None) -> list[Entitlement]:
    """Entitlements of `profile` on `on` under `rules` (default: the shipped rules): national
    ones first, then international ones."""
    wanted = list(dict.fromkeys(domains)) if domains is not None else None
    if wanted is not None:
        for d in wanted:
            if d not in DOMAINS:
                raise ValueError(f"unknown domain {d!r} (one of {', '.join(DOMAINS)})")
    ruleset = rules if rules is not None else shipped_rules()
    args = (profile.country, profile.nationality, profile.status, profile.age, profile.sex,
            profile.situations, on)
    out: list[Entitlement] = []
    national = ruleset.fire(profile.country, *args, domains=wanted)
    order = wanted or [d for d in DOMAINS if any(r.domain == d for r in national)]
    for d in order:
        fired = [r for r in national if r.domain == d]
        out.append(_merge(profile.country, d, fired, ruleset, lang) if fired
                   else _unknown(d, profile.country))
    if international:
        intl = ruleset.fire(INTERNATIONAL, *args, domains=wanted)
        for d in DOMAINS:
            fired = [r for r in intl if r.domain == d]
            if fired:
                out.append(_merge(INTERNATIONAL, d, fired, ruleset, lang))
    return out
