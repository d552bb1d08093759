"""The entitlement engine over the rules stored in the database.

Rules are compiled once per database and rule revision, so evaluating one profile is pure
in-memory matching. Whether the stored rules changed is checked with one signature query, at
most every `RECHECK_SECONDS` per database; a write to rules in this process (seed, console)
invalidates the cache at once, so only another process's edit can take that long to show.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, selectinload

from helpline.i18n import gettext_for
from knowledge.models import LegalSource, Rule, RuleCitation
from knowledge.profiles import Profile
from knowledge.records import Entitlement, LegalBasis
from knowledge.rules import (
    DOMAINS,
    CompiledRule,
    Conditions,
    RuleError,
    RuleSet,
    Source,
    build_ruleset,
)

INTERNATIONAL = "INT"
RECHECK_SECONDS = 5.0
_cache: dict[str, tuple[tuple[object, ...], RuleSet, float, int]] = {}
_lock = threading.Lock()
_generation = 0


_SIGNATURE = select(
    select(func.count(Rule.id)).scalar_subquery(),
    select(func.max(Rule.updated_at)).scalar_subquery(),
    select(func.count(LegalSource.id)).scalar_subquery(),
    select(func.max(LegalSource.verified_on)).scalar_subquery(),
    select(func.count()).select_from(RuleCitation).scalar_subquery(),
)


def _signature(session: Session) -> tuple[object, ...]:
    """One round trip that changes whenever rules, sources or citations change."""
    return tuple(session.execute(_SIGNATURE).one())


def ruleset_from_db(session: Session) -> RuleSet:
    """Compile the stored rules (raises RuleError if they conflict)."""
    sources = [
        Source(id=s.id, jurisdiction=s.jurisdiction, title=s.title, article=s.article, url=s.url,
               confidence=s.confidence, verified_on=s.verified_on)
        for s in session.scalars(select(LegalSource))
    ]
    rules = [
        CompiledRule(
            id=r.id, jurisdiction=r.jurisdiction, domain=r.domain, status=r.status,
            conditions=Conditions.parse(r.conditions or {}),
            exception_to=tuple(r.exception_to or ()), effective_from=r.effective_from,
            effective_to=r.effective_to,
            citations=tuple(c.source_id for c in sorted(r.citations, key=lambda c: c.position)),
            confidence=r.confidence, verified_on=r.verified_on, source_url=r.source_url,
            texts=r.texts, file=r.file,
        )
        for r in session.scalars(select(Rule).options(selectinload(Rule.citations)))
    ]
    return build_ruleset(rules, sources)


def current_ruleset(session: Session) -> RuleSet:
    """The compiled rules of the session's database, reloaded only when they changed."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = engine.url.render_as_string(hide_password=True) + "#" + str(
        session.info.get("schema_key", ""))
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit and hit[3] == _generation and now - hit[2] < RECHECK_SECONDS:
            return hit[1]
        generation = _generation
    sig = _signature(session)
    if hit and hit[0] == sig and hit[3] == generation:
        with _lock:
            _cache[key] = (sig, hit[1], now, generation)
        return hit[1]
    ruleset = ruleset_from_db(session)
    with _lock:
        _cache[key] = (sig, ruleset, now, generation)
    return ruleset


def clear_cache() -> None:
    """Forget every compiled rule set (the next evaluation reloads from the database)."""
    global _generation
    with _lock:
        _cache.clear()
        _generation += 1


@event.listens_for(Session, "after_flush")
def _rules_changed(session: Session, _ctx: object) -> None:
    kinds = (Rule, LegalSource, RuleCitation)
    if any(isinstance(o, kinds) for o in (*session.new, *session.dirty, *session.deleted)):
        clear_cache()


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


def _unknown(domain: str, lang: str, country: str) -> Entitlement:
    _ = gettext_for(lang)
    return Entitlement(
        domain=domain, status="unknown",
        summary=_("We do not have verified information on this topic for this country yet. "
                  "A caseworker or a local legal aid organisation can advise you."),
        legal_basis=[], verified_on=None, confidence="unconfirmed", rules=[], warnings=[],
        jurisdiction=country,
    )


def evaluate_entitlements(session: Session, profile: Profile, on: dt.date,
                          domains: Iterable[str] | None = None, lang: str = "en",
                          international: bool = True) -> list[Entitlement]:
    """Entitlements of `profile` on `on`: national ones first, then international ones."""
    wanted = list(dict.fromkeys(domains)) if domains is not None else None
    if wanted is not None:
        for d in wanted:
            if d not in DOMAINS:
                raise ValueError(f"unknown domain {d!r} (one of {', '.join(DOMAINS)})")
    ruleset = current_ruleset(session)
    args = (profile.country, profile.nationality, profile.status, profile.age, profile.sex,
            profile.situations, on)
    out: list[Entitlement] = []
    national = ruleset.fire(profile.country, *args, domains=wanted)
    order = wanted or [d for d in DOMAINS if any(r.domain == d for r in national)]
    for d in order:
        fired = [r for r in national if r.domain == d]
        out.append(_merge(profile.country, d, fired, ruleset, lang) if fired
                   else _unknown(d, lang, profile.country))
    if international:
        intl = ruleset.fire(INTERNATIONAL, *args, domains=wanted)
        for d in DOMAINS:
            fired = [r for r in intl if r.domain == d]
            if fired:
                out.append(_merge(INTERNATIONAL, d, fired, ruleset, lang))
    return out
