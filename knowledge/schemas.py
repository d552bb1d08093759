"""Validated input shapes for listings (services, hotlines, consulates), shared by the seed
and by bulk import so both reject the same bad data with the same messages."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.directory import CONSULATE_KINDS, HOTLINE_PURPOSES
from knowledge.profiles import known_countries
from knowledge.search import AUTHORITY, SERVICE_CATEGORIES

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
MAX_TEXT = 2000  # any text field; shorter limits below where a column or a screen needs them

# C0/C1 control characters except tab and newline, and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can make text read backwards.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


def _unsafe_text(value: Any) -> str | None:
    """The first control or bidi-override character in `value` (walking lists and dicts)."""
    if isinstance(value, str):
        m = _UNSAFE_CHARS.search(value)
        return m.group() if m else None
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        for item in value:
            if (bad := _unsafe_text(item)) is not None:
                return bad
    return None


def safe_text(value: Any) -> Any:
    """Refuse control characters and bidi overrides in any text."""
    bad = _unsafe_text(value)
    if bad is not None:
        kind = "bidirectional override" if ord(bad) >= 0x202A else "control character"
        raise ValueError(f"{kind} U+{ord(bad):04X} not allowed")
    return value


def web_url(value: Any) -> Any:
    """A link may only be http(s): `javascript:`, `file:`, `data:` and other schemes are refused.
    (Text without a scheme is still accepted here; see `is_http_url`.)"""
    if isinstance(value, str) and (m := _SCHEME.match(value)) \
            and m.group(1).lower() not in ("http", "https"):
        raise ValueError(f"{m.group(1).lower()}: links are not allowed (use http or https)")
    return value


def is_http_url(value: str | None) -> bool:
    """True for a full http(s) link with a host (not a bare domain or a note)."""
    return bool(value) and re.match(r"^https?://[^\s/?#]+\.[^\s/?#]+\S*$", str(value)) is not None


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


PHONE_RE = re.compile(r"^\+?[0-9(][0-9 ().\-/]*[0-9]$|^[0-9]$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$")
_TIME_RE = re.compile(r"(?<![0-9:])([0-9]{1,2})[:h]([0-9]{2})(?![0-9:])")
_CSV_LABEL_RE = re.compile(r"^(.*?)\s*\(([^()]*[^0-9()\s][^()]*)\)$")


def phone_number(v: Any) -> str:
    """A phone number: digits with spaces, `+ ( ) . - /` only (E.164 with spaces where
    possible; a national short number such as "100" is allowed)."""
    if not isinstance(v, str):
        v = str(v) if isinstance(v, int) else v
    if not isinstance(v, str) or not v.strip():
        raise ValueError("a phone number is required")
    v = " ".join(v.split())
    if len(v) > 40:
        raise ValueError("phone number longer than 40 characters")
    if not PHONE_RE.match(v) or sum(c.isdigit() for c in v) > 15:
        raise ValueError(f"not a phone number: {v!r} (digits, spaces and + ( ) . - / only, "
                         "at most 15 digits)")
    return v


def check_hours(v: Any) -> Any:
    """Opening hours are free text, but every time in it must be a real HH:MM (24 h)."""
    if v is None:
        return v
    if not isinstance(v, str):
        raise ValueError("hours must be text, e.g. \"lun-vie 08:30-16:30\"")
    for h, mnt in _TIME_RE.findall(v):
        if int(h) > 24 or int(mnt) > 59 or (int(h) == 24 and int(mnt) != 0):
            raise ValueError(f"impossible time {h}:{mnt} in hours (use HH:MM, 00:00-24:00)")
    return v


class Phone(BaseModel):
    """One phone number of a listing, with an optional label ("central", "emergencias")."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              str_max_length=MAX_TEXT)

    number: str
    label: str | None = Field(default=None, max_length=60)

    _number = field_validator("number", mode="before")(phone_number)

    @field_validator("label")
    @classmethod
    def _plain_label(cls, v: str | None) -> str | None:
        # The CSV form writes the label in parentheses and joins phones with "|": a label
        # holding either would not read back as written.
        if v and any(c in v for c in "()|"):
            raise ValueError("a phone label may not contain parentheses or '|' "
                             "(write 'central, Quito', not 'central (Quito)')")
        return v


def parse_phones(v: Any) -> Any:
    """`phones` as a list of {number, label} or of plain numbers, or as the CSV form
    `+51 1 311 0300 (central)|+51 987 654 321` (a trailing parenthesis is the label)."""
    if v is None or v == "":
        return []
    if isinstance(v, str):
        out = []
        for part in (p.strip() for p in v.split("|")):
            if not part:
                continue
            m = _CSV_LABEL_RE.match(part)
            out.append({"number": m.group(1), "label": m.group(2).strip()} if m
                       else {"number": part})
        return out
    if isinstance(v, list):
        return [{"number": x} if isinstance(x, str | int) else x for x in v]
    return v


def phones_to_text(phones: list[dict[str, Any]] | None) -> str:
    """The CSV form of `phones` (see `parse_phones`)."""
    return "|".join(p["number"] + (f" ({p['label']})" if p.get("label") else "")
                    for p in phones or [])


def _email(v: Any) -> Any:
    if v is None:
        return v
    if not isinstance(v, str) or len(v) > 254 or not EMAIL_RE.match(v.strip()):
        raise ValueError(f"not an e-mail address: {v!r}")
    return v.strip()


def _optional_phone(v: Any) -> Any:
    return None if v is None or v == "" else phone_number(v)


class Contacts(BaseModel):
    """Contact fields shared by services and consulates."""

    model_config = ConfigDict(str_max_length=MAX_TEXT)

    phones: list[Phone] = Field(default_factory=list, max_length=10)
    whatsapp: str | None = None
    email: str | None = None
    address: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    appointment: bool | None = None

    _phones = field_validator("phones", mode="before")(parse_phones)
    _whatsapp = field_validator("whatsapp", mode="before")(_optional_phone)
    _mail = field_validator("email", mode="before")(_email)
    _hours = field_validator("hours", mode="before")(check_hours)


class Listing(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              str_max_length=MAX_TEXT)

    id: Id
    confidence: Literal["confirmed", "unconfirmed"] = "unconfirmed"
    source_url: str | None = None
    verified_on: dt.date | None = None
    status: Literal["active", "retired"] = "active"

    _safe = field_validator("*", mode="before")(safe_text)
    _links = field_validator("source_url", "url", mode="after", check_fields=False)(web_url)

    @model_validator(mode="after")
    def _confirmed_needs_date(self) -> Listing:
        if self.confidence == "confirmed" and self.verified_on is None:
            raise ValueError("a confirmed entry needs verified_on")
        return self


class ServiceIn(Contacts, Listing):
    name: str = Field(min_length=1, max_length=300)
    organisation: str | None = Field(default=None, max_length=300)
    categories: list[str] = Field(min_length=1)
    country: str
    city: str | None = Field(default=None, max_length=100)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    cost: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(default_factory=list)
    eligibility: str | None = None
    documents_required: bool | None = None
    contact: str | None = Field(default=None, max_length=500)
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
        items = [x for x in items if x]
        if AUTHORITY in items and len(items) > 1:
            raise ValueError(f"{AUTHORITY!r} stands alone: an immigration authority is "
                             "never also listed as a help service")
        return items

    @model_validator(mode="after")
    def _both_coordinates(self) -> ServiceIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        return self


class HotlineIn(Listing):
    country: str
    purpose: str
    number: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=300)
    hours: str | None = Field(default=None, max_length=200)
    free: bool | None = None
    languages: list[str] = Field(default_factory=list)
    whatsapp: str | None = None
    notes: str | None = Field(default=None, max_length=1000)
    position: int = 0

    _country = field_validator("country", mode="before")(_country)
    _langs = field_validator("languages", mode="before")(_languages)
    _whatsapp = field_validator("whatsapp", mode="before")(_optional_phone)
    _hours = field_validator("hours", mode="before")(check_hours)

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v: str) -> str:
        if v not in HOTLINE_PURPOSES:
            raise ValueError(f"unknown purpose {v!r} (one of {', '.join(HOTLINE_PURPOSES)})")
        return v


class ConsulateIn(Contacts, Listing):
    nationality: str
    country: str
    city: str | None = Field(default=None, max_length=100)
    kind: str
    url: str | None = None
    notes: str | None = None

    _nat = field_validator("nationality", mode="before")(_country)
    _country = field_validator("country", mode="before")(_country)

    @model_validator(mode="before")
    @classmethod
    def _no_single_phone(cls, data: Any) -> Any:
        if isinstance(data, dict) and "phone" in data:
            raise ValueError("field phone was replaced by phones: [{number, label}]")
        return data

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in CONSULATE_KINDS:
            raise ValueError(f"unknown kind {v!r} (one of {', '.join(CONSULATE_KINDS)})")
        return v


class CountryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              str_max_length=MAX_TEXT)

    code: str
    name: str = Field(min_length=1, max_length=100)
    main_law: str | None = None
    default_language: str = Field(default="es", max_length=5)
    icrmw_party: bool | None = None
    notes: str | None = None
    source_url: str | None = None
    confidence: Literal["confirmed", "unconfirmed"] = "unconfirmed"
    verified_on: dt.date | None = None

    _country = field_validator("code", mode="before")(_country)
    _safe = field_validator("*", mode="before")(safe_text)
    _links = field_validator("source_url", mode="after")(web_url)


KINDS: dict[str, type[Listing]] = {"services": ServiceIn, "hotlines": HotlineIn,
                                   "consulates": ConsulateIn}
