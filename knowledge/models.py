"""SQLAlchemy 2 models of the knowledge base: countries, services, hotlines, consulates, the
service search index and the audit log — the listings editors change.

Rights and their legal sources are not here: they live in the rule files (`knowledge.rules`),
read once per process (see README, Decisions). Service categories and languages are stored as
`|a|b|` strings so a search can filter them with one indexed bounding-box scan and no joins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base; subclasses with `__audited__ = True` get audit-log rows on change."""

    __audited__ = False


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def encode_list(values: list[str] | None) -> str:
    """`["a", "b"]` -> `"|a|b|"` (empty list -> `""`)."""
    return "|" + "|".join(values) + "|" if values else ""


def decode_list(text: str | None) -> list[str]:
    return [v for v in (text or "").split("|") if v]


class Country(Base):
    __tablename__ = "countries"
    __audited__ = True

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    main_law: Mapped[str | None] = mapped_column(Text)
    default_language: Mapped[str] = mapped_column(String(5), default="es")
    icrmw_party: Mapped[bool | None] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    verified_on: Mapped[dt.date | None] = mapped_column(Date)


class Hotline(Base):
    __tablename__ = "hotlines"
    __audited__ = True

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(String(200))
    free: Mapped[bool | None] = mapped_column(Boolean)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    source_url: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")


class Consulate(Base):
    __tablename__ = "consulates"
    __audited__ = True
    __table_args__ = (Index("ix_consulates_nat_country", "nationality", "country"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    nationality: Mapped[str] = mapped_column(String(2))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(Text)
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    hours: Mapped[str | None] = mapped_column(Text)
    appointment: Mapped[bool | None] = mapped_column(Boolean)
    url: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    source_url: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")


class Service(Base):
    __tablename__ = "services"
    __audited__ = True
    __table_args__ = (
        # Covers a whole search (bounding box, category, language) without touching the table.
        Index("ix_services_search", "country", "status", "is_sample", "lat", "lon",
              "categories", "languages", "id"),
        Index("ix_services_lat", "lat", "lon"),
        Index("ix_services_verified", "verified_on"),
    )

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(Text)
    categories_text: Mapped[str] = mapped_column("categories", Text, default="")
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    hours: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[str | None] = mapped_column(Text)
    languages_text: Mapped[str] = mapped_column("languages", Text, default="")
    eligibility: Mapped[str | None] = mapped_column(Text)
    documents_required: Mapped[bool | None] = mapped_column(Boolean)
    contact: Mapped[str | None] = mapped_column(Text)
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    whatsapp: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    appointment: Mapped[bool | None] = mapped_column(Boolean)
    url: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(12), default="unconfirmed")
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    source_url: Mapped[str | None] = mapped_column(Text)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")
    search_text: Mapped[str] = mapped_column(Text, default="")

    @property
    def categories(self) -> list[str]:
        return decode_list(self.categories_text)

    @categories.setter
    def categories(self, values: list[str]) -> None:
        self.categories_text = encode_list(values)

    @property
    def languages(self) -> list[str]:
        return decode_list(self.languages_text)

    @languages.setter
    def languages(self, values: list[str]) -> None:
        self.languages_text = encode_list(values)


class ServiceSearch(Base):
    """Search index of services: see `knowledge.search_index` (not audited: derived data)."""

    __tablename__ = "service_search"
    __table_args__ = (
        Index("ix_service_search_geo", "category", "country", "is_sample", "lat", "lon",
              "languages", "service_id"),
    )

    service_id: Mapped[str] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    is_sample: Mapped[bool] = mapped_column(Boolean)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


# Hooks that must run for every session writing these models: the audit log and the search
# index. Imported last because both modules import the classes above.
from knowledge import audit as _audit  # noqa: E402,F401
from knowledge import search_index as _search_index  # noqa: E402,F401
