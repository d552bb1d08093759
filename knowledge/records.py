"""Plain, JSON-ready records the knowledge API returns (no ORM objects leak out)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class Record:
    def to_dict(self) -> dict[str, Any]:
        out = _plain(self)
        assert isinstance(out, dict)
        return out


@dataclass(frozen=True)
class LegalBasis(Record):
    title: str
    article: str | None
    url: str | None


@dataclass(frozen=True)
class Entitlement(Record):
    domain: str
    status: str
    summary: str
    legal_basis: list[LegalBasis]
    verified_on: dt.date | None
    confidence: str
    rules: list[str]
    warnings: list[str] = field(default_factory=list)
    jurisdiction: str = ""


@dataclass(frozen=True)
class Phone(Record):
    number: str
    label: str | None = None


def phones_of(raw: list[dict[str, Any]] | None) -> list[Phone]:
    """Phone records from the stored JSON list of {number, label}."""
    return [Phone(number=str(p["number"]), label=p.get("label")) for p in raw or []
            if isinstance(p, dict) and p.get("number")]


@dataclass(frozen=True)
class Hotline(Record):
    country: str
    purpose: str
    number: str
    name: str
    hours: str | None
    free: bool | None
    languages: list[str]
    confidence: str
    source_url: str | None
    verified_on: dt.date | None
    whatsapp: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Consulate(Record):
    nationality: str
    country: str
    city: str | None
    kind: str
    address: str | None
    url: str | None
    confidence: str
    source_url: str | None
    verified_on: dt.date | None
    notes: str | None = None
    phones: list[Phone] = field(default_factory=list)
    whatsapp: str | None = None
    email: str | None = None
    hours: str | None = None
    appointment: bool | None = None


@dataclass(frozen=True)
class Service(Record):
    id: str
    name: str
    organisation: str | None
    categories: list[str]
    country: str
    city: str | None
    lat: float | None
    lon: float | None
    distance_km: float | None
    hours: str | None
    cost: str | None
    languages: list[str]
    eligibility: str | None
    documents_required: bool | None
    contact: str | None
    url: str | None
    confidence: str
    is_sample: bool
    source_url: str | None
    verified_on: dt.date | None
    phones: list[Phone] = field(default_factory=list)
    whatsapp: str | None = None
    email: str | None = None
    address: str | None = None
    appointment: bool | None = None


@dataclass(frozen=True)
class ServicePage(Record):
    items: list[Service]
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class Evaluation(Record):
    profile: dict[str, Any]
    on: dt.date
    lang: str
    entitlements: list[Entitlement]
    hotlines: list[Hotline]
    services: list[Service]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `helpline kb evaluate`."""
        return {
            "profile": self.profile, "on": self.on.isoformat(), "lang": self.lang,
            "entitlements": [e.to_dict() for e in self.entitlements],
            "hotlines": [h.to_dict() for h in self.hotlines],
            "services": [s.to_dict() for s in self.services],
        }
