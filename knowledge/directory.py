"""Hotlines and consulates: who to call, by country, purpose and nationality."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import models as m
from knowledge.records import Consulate, Hotline, phones_of

HOTLINE_PURPOSES = ("emergency", "trafficking", "violence", "child_protection", "police",
                    "investigations", "migration", "other")
CONSULATE_KINDS = ("embassy", "consulate", "consular_section", "honorary_consulate",
                   "foreign_ministry")


def to_hotline(h: m.Hotline) -> Hotline:
    return Hotline(country=h.country, purpose=h.purpose, number=h.number, name=h.name,
                   hours=h.hours, free=h.free, languages=list(h.languages or []),
                   confidence=h.confidence, source_url=h.source_url, verified_on=h.verified_on,
                   whatsapp=h.whatsapp, notes=h.notes)


def hotlines(session: Session, country: str,
             purposes: Iterable[str] | None = None) -> list[Hotline]:
    """Active hotlines of `country`, emergency first, then in the order of `purposes`."""
    wanted = list(purposes) if purposes is not None else list(HOTLINE_PURPOSES)
    rows = session.scalars(
        select(m.Hotline).where(m.Hotline.country == country.upper(),
                                m.Hotline.status == "active",
                                m.Hotline.purpose.in_(wanted))
    ).all()
    rank = {p: i for i, p in enumerate(["emergency", *[p for p in wanted if p != "emergency"]])}
    rows = sorted(rows, key=lambda h: (rank.get(h.purpose, 99), h.position, h.id))
    return [to_hotline(h) for h in rows]


def to_consulate(c: m.Consulate) -> Consulate:
    return Consulate(nationality=c.nationality, country=c.country, city=c.city, kind=c.kind,
                     address=c.address, url=c.url, confidence=c.confidence,
                     source_url=c.source_url, verified_on=c.verified_on, notes=c.notes,
                     phones=phones_of(c.phones), whatsapp=c.whatsapp, email=c.email,
                     hours=c.hours, appointment=c.appointment)


def consulates(session: Session, nationality: str, country: str) -> list[Consulate]:
    """Representations of `nationality` in `country`: embassy first, then consulates by city;
    the foreign ministry's general contact when nothing local is known."""
    order = {k: i for i, k in enumerate(CONSULATE_KINDS)}
    rows = session.scalars(
        select(m.Consulate).where(m.Consulate.nationality == nationality.upper(),
                                  m.Consulate.country == country.upper(),
                                  m.Consulate.status == "active")
    ).all()
    if not rows:
        rows = session.scalars(
            select(m.Consulate).where(m.Consulate.nationality == nationality.upper(),
                                      m.Consulate.kind == "foreign_ministry",
                                      m.Consulate.status == "active")
        ).all()
    rows = sorted(rows, key=lambda c: (order.get(c.kind, 99), c.city or "", c.id))
    return [to_consulate(c) for c in rows]
