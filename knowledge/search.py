"""Service search: country, category, language, free text and nearest-first within a radius.

A radius search first narrows rows with an indexed bounding box on (lat, lon) — on the narrow
`service_search` index when a category is given — then computes the exact great-circle
distance in Python for the few rows left.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, ColumnElement, TextClause, bindparam, func, select, text
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.geo import bounding_box, check_point, haversine_km
from knowledge.records import Service, ServicePage, phones_of

SERVICE_CATEGORIES = ("health", "education", "legal_aid", "shelter", "food", "consulate",
                      "hotline", "psychosocial", "work", "other", "authority")
# An immigration authority that also controls, detains or deports (INM, ICE, a migration
# police). It is listed for procedures only: never returned unless asked for by category.
AUTHORITY = "authority"
MAX_PER_PAGE = 100


def fold(text: str) -> str:
    """Lower case without accents, for accent-insensitive matching."""
    norm = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in norm if not unicodedata.combining(c))


def search_text_for(*parts: str | None) -> str:
    return fold(" ".join(p for p in parts if p))


_SERVICES = m.Service.__table__


def _row_to_service(r: Any, distance_km: float | None) -> Service:
    """A record from a Core row of `services` (no ORM overhead on the hot search path)."""
    return Service(
        id=r.id, name=r.name, organisation=r.organisation,
        categories=m.decode_list(r.categories), country=r.country, city=r.city, lat=r.lat,
        lon=r.lon, distance_km=None if distance_km is None else round(distance_km, 2),
        hours=r.hours, cost=r.cost, languages=m.decode_list(r.languages),
        eligibility=r.eligibility, documents_required=r.documents_required,
        contact=r.contact, url=r.url, confidence=r.confidence, is_sample=r.is_sample,
        source_url=r.source_url, verified_on=r.verified_on, phones=phones_of(r.phones),
        whatsapp=r.whatsapp, email=r.email, address=r.address, appointment=r.appointment,
    )


def to_service(s: m.Service, distance_km: float | None = None) -> Service:
    return Service(
        id=s.id, name=s.name, organisation=s.organisation, categories=s.categories,
        country=s.country, city=s.city, lat=s.lat, lon=s.lon,
        distance_km=None if distance_km is None else round(distance_km, 2), hours=s.hours,
        cost=s.cost, languages=s.languages, eligibility=s.eligibility,
        documents_required=s.documents_required, contact=s.contact, url=s.url,
        confidence=s.confidence, is_sample=s.is_sample, source_url=s.source_url,
        verified_on=s.verified_on, phones=phones_of(s.phones), whatsapp=s.whatsapp,
        email=s.email, address=s.address, appointment=s.appointment,
    )


def search_services(session: Session, country: str | None = None, category: str | None = None,
                    language: str | None = None, text: str | None = None,
                    near: tuple[float, float] | None = None, radius_km: float = 25.0,
                    page: int = 1, per_page: int = 10,
                    include_samples: bool = False) -> ServicePage:
    """Active listings matching every given filter; nearest first when `near` is given,
    otherwise by name. Sample (demo) listings only with `include_samples=True`; immigration
    authorities only when `category="authority"` is asked for."""
    if page < 1:
        raise ValueError("page must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be within 1..{MAX_PER_PAGE}")
    if category is not None and category not in SERVICE_CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    offset = (page - 1) * per_page
    if near is not None and category and not (text and text.strip()):
        return _indexed_radius_search(session, country, category, language, near, radius_km,
                                      offset, page, per_page, include_samples)
    conds: list[ColumnElement[bool]] = [m.Service.status == "active"]
    if country:
        conds.append(m.Service.country == country.upper())
    if not include_samples:
        conds.append(m.Service.is_sample.is_(False))
    if category:
        conds.append(m.Service.categories_text.contains(f"|{category}|"))
    else:
        conds.append(~m.Service.categories_text.contains(f"|{AUTHORITY}|"))
    if language:
        conds.append(m.Service.languages_text.contains(f"|{language}|"))
    if text and text.strip():
        for word in fold(text).split():
            conds.append(m.Service.search_text.contains(word, autoescape=True))
    if near is None:
        total = session.scalar(select(func.count(m.Service.id)).where(*conds)) or 0
        rows = session.scalars(select(m.Service).where(*conds)
                               .order_by(m.Service.name, m.Service.id)
                               .offset(offset).limit(per_page)).all()
        return ServicePage([to_service(r) for r in rows], total, page, per_page)
    lat, lon = near
    min_lat, max_lat, min_lon, max_lon = _box(lat, lon, radius_km)
    conds += [m.Service.lat.between(min_lat, max_lat), m.Service.lon.between(min_lon, max_lon)]
    candidates = session.execute(
        select(m.Service.id, m.Service.lat, m.Service.lon).where(*conds)).all()
    return _nearest_page(session, candidates, lat, lon, radius_km, offset, page, per_page)


def _box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    check_point(lat, lon)
    if not 0 < radius_km <= 20_000:
        raise ValueError("radius_km must be within 0..20000")
    return bounding_box(lat, lon, radius_km)


def _indexed_radius_search(session: Session, country: str | None, category: str,
                           language: str | None, near: tuple[float, float], radius_km: float,
                           offset: int, page: int, per_page: int,
                           include_samples: bool) -> ServicePage:
    """Category + radius search on the narrow search index (one index range scan)."""
    lat, lon = near
    min_lat, max_lat, min_lon, max_lon = _box(lat, lon, radius_km)
    params: dict[str, Any] = {"category": category, "min_lat": min_lat, "max_lat": max_lat,
                              "min_lon": min_lon, "max_lon": max_lon}
    if country:
        params["country"] = country.upper()
    if not include_samples:
        params["sample"] = False
    if language:
        params["language"] = f"%|{language}|%"
    stmt = _candidate_sql(bool(country), not include_samples, bool(language))
    candidates = session.connection().execute(stmt, params).all()
    return _nearest_page(session, candidates, lat, lon, radius_km, offset, page, per_page)


@lru_cache(maxsize=8)
def _candidate_sql(by_country: bool, no_samples: bool, by_language: bool) -> TextClause:
    """Plain SQL for the hot search path: building SQLAlchemy expressions per call costs
    more than the index scan itself."""
    where = ["category = :category"]
    if by_country:
        where.append("country = :country")
    if no_samples:
        where.append("is_sample = :sample")
    where += ["lat BETWEEN :min_lat AND :max_lat", "lon BETWEEN :min_lon AND :max_lon"]
    if by_language:
        where.append("languages LIKE :language")
    stmt = text("SELECT service_id, lat, lon FROM service_search WHERE " + " AND ".join(where))
    return stmt.bindparams(bindparam("sample", type_=Boolean)) if no_samples else stmt


_FETCH_PAGE = text(
    "SELECT " + ", ".join(c.name for c in _SERVICES.c) + " FROM services WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True)).columns(*_SERVICES.c)


def _nearest_page(session: Session, candidates: Sequence[Any], lat: float, lon: float,
                  radius_km: float, offset: int, page: int, per_page: int) -> ServicePage:
    """Exact distances for the bounding-box candidates; nearest first, one page loaded."""
    hits = []
    for sid, slat, slon in candidates:
        if slat is None or slon is None:
            continue
        d = haversine_km(lat, lon, slat, slon)
        if d <= radius_km:
            hits.append((d, sid))
    hits.sort()
    chosen = hits[offset:offset + per_page]
    if not chosen:
        return ServicePage([], len(hits), page, per_page)
    rows = session.connection().execute(_FETCH_PAGE, {"ids": [sid for _, sid in chosen]}).all()
    by_id = {r.id: r for r in rows}
    return ServicePage([_row_to_service(by_id[sid], d) for d, sid in chosen], len(hits), page,
                       per_page)
