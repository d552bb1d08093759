"""Validated input shapes for listings (services, hotlines, consulates), shared by the seed
and by bulk import so both reject the same bad data with the same messages."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.directory import CONSULATE_KINDS, HOTLINE_PURPOSES
from knowledge.profiles import known_countries
from knowledge.search import SERVICE_CATEGORIES

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """ISO 639-1 codes known to CLDR (Babel)."""
    from babel import Locale

    return frozenset(str(c) for c in Locale("en").languages if len(str(c)) == 2)


def _country(v: Any) -> str:
    if not isinstance(v, str) or v.upper() not in known_countries():
        raise ValueError(f"unknown country code {v!r}")
    return v.upper()


def _languages(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    items = [x.strip() for x in v.split("|")] if isinstance(v, str) else list(v)
    bad = [x for x in items if x not in known_languages()]
    if bad:
        raise ValueError(f"unknown language code {bad[0]!r} (ISO 639-1)")
    return [x for x in items if x]


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Id
    confidence: Literal["confirmed", "unconfirmed"] = "unconfirmed"
    source_url: str | None = None
    verified_on: dt.date | None = None
    status: Literal["active", "retired"] = "active"

    @model_validator(mode="after")
    def _confirmed_needs_date(self) -> Listing:
        if self.confidence == "confirmed" and self.verified_on is None:
            raise ValueError("a confirmed entry needs verified_on")
        return self


class ServiceIn(Listing):
    name: str = Field(min_length=1)
    organisation: str | None = None
    categories: list[str] = Field(min_length=1)
    country: str
    city: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    hours: str | None = None
    cost: str | None = None
    languages: list[str] = Field(default_factory=list)
    eligibility: str | None = None
    documents_required: bool | None = None
    contact: str | None = None
    url: str | None = None
    is_sample: bool = False

    _country = field_validator("country", mode="before")(_country)
    _langs = field_validator("languages", mode="before")(_languages)

    @field_validator("categories", mode="before")
    @classmethod
    def _cats(cls, v: Any) -> list[str]:
        items = [x.strip() for x in v.split("|")] if isinstance(v, str) else list(v or [])
        bad = [x for x in items if x not in SERVICE_CATEGORIES]
        if bad:
            raise ValueError(f"unknown category {bad[0]!r} "
                             f"(one of {', '.join(SERVICE_CATEGORIES)})")
        return [x for x in items if x]

    @model_validator(mode="after")
    def _both_coordinates(self) -> ServiceIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


class HotlineIn(Listing):
    country: str
    purpose: str
    number: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1)
    hours: str | None = None
    free: bool | None = None
    languages: list[str] = Field(default_factory=list)
    position: int = 0

    _country = field_validator("country", mode="before")(_country)
    _langs = field_validator("languages", mode="before")(_languages)

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v: str) -> str:
        if v not in HOTLINE_PURPOSES:
            raise ValueError(f"unknown purpose {v!r} (one of {', '.join(HOTLINE_PURPOSES)})")
        return v


class ConsulateIn(Listing):
    nationality: str
    country: str
    city: str | None = None
    kind: str
    address: str | None = None
    phone: str | None = None
    url: str | None = None
    notes: str | None = None

    _nat = field_validator("nationality", mode="before")(_country)
    _country = field_validator("country", mode="before")(_country)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in CONSULATE_KINDS:
            raise ValueError(f"unknown kind {v!r} (one of {', '.join(CONSULATE_KINDS)})")
        return v


class CountryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str
    name: str
    main_law: str | None = None
    default_language: str = "es"
    icrmw_party: bool | None = None
    notes: str | None = None
    source_url: str | None = None
    confidence: Literal["confirmed", "unconfirmed"] = "unconfirmed"
    verified_on: dt.date | None = None

    _country = field_validator("code", mode="before")(_country)


KINDS: dict[str, type[Listing]] = {"services": ServiceIn, "hotlines": HotlineIn,
                                   "consulates": ConsulateIn}
