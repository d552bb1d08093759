"""Listings (services, hotlines, consulates) as the admin screens see them: form fields, reading
a form into the knowledge base's own input schemas (`knowledge.schemas`, the same checks as the
seed and bulk import), saving with the signed-in admin as the audit actor, verify, retire, and
each record's audit history. Listings are never deleted: retiring keeps a record a person may
have been given."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from console.i18n import N_
from knowledge import models as m
from knowledge.db import session_scope
from knowledge.directory import CONSULATE_KINDS, HOTLINE_PURPOSES
from knowledge.schemas import (
    ConsulateIn,
    HotlineIn,
    ServiceIn,
    phone_number,
    phones_to_text,
)
from knowledge.search import SERVICE_CATEGORIES
from knowledge.setup import service_values

PER_PAGE = 50
#: A hotline number: a phone number, or a short code such as *4242 or #100.
SHORT_CODE = re.compile(r"^[*#][0-9]{2,8}$")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    #: text | textarea | select | multi | list | phones | bool | date | float | int
    kind: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False


COMMON_TAIL = (
    FormField("confidence", N_("Confidence"), "select", ("unconfirmed", "confirmed")),
    FormField("verified_on", N_("Verified on"), "date"),
    FormField("source_url", N_("Source (link)")),
)


@dataclass(frozen=True)
class Kind:
    name: str  # URL segment and import section: services | hotlines | consulates
    title: str
    model: type[m.Base]
    schema: type[BaseModel]
    fields: tuple[FormField, ...]
    columns: tuple[str, ...]
    category_field: str | None  # the second filter beside country
    category_choices: tuple[str, ...] = ()

    def label_of(self, obj: Any) -> str:
        if self.name == "hotlines":
            return f"{obj.name} ({obj.number})"
        if self.name == "consulates":
            return f"{obj.nationality} → {obj.country} {obj.city or ''}".strip()
        return str(obj.name)


KIND_LIST: tuple[Kind, ...] = (
    Kind("services", N_("Services"), m.Service, ServiceIn, (
        FormField("id", N_("Identifier"), required=True),
        FormField("name", N_("Name"), required=True),
        FormField("organisation", N_("Organisation")),
        FormField("categories", N_("Categories"), "multi", SERVICE_CATEGORIES, required=True),
        FormField("country", N_("Country (ISO code)"), required=True),
        FormField("city", N_("City")),
        FormField("lat", N_("Latitude"), "float"),
        FormField("lon", N_("Longitude"), "float"),
        FormField("address", N_("Address")),
        FormField("phones", N_("Phones (number (label) | number …)"), "phones"),
        FormField("whatsapp", N_("WhatsApp")),
        FormField("email", N_("E-mail")),
        FormField("url", N_("Web page")),
        FormField("hours", N_("Hours")),
        FormField("appointment", N_("Needs an appointment"), "bool"),
        FormField("cost", N_("Cost")),
        FormField("languages", N_("Languages spoken (ISO codes, separated by |)"), "list"),
        FormField("eligibility", N_("Who is eligible"), "textarea"),
        FormField("documents_required", N_("Documents required"), "bool"),
        FormField("contact", N_("Other contact"), "textarea"),
        *COMMON_TAIL,
    ), ("name", "country", "city", "categories"), "category", SERVICE_CATEGORIES),
    Kind("hotlines", N_("Hotlines"), m.Hotline, HotlineIn, (
        FormField("id", N_("Identifier"), required=True),
        FormField("country", N_("Country (ISO code)"), required=True),
        FormField("purpose", N_("Purpose"), "select", HOTLINE_PURPOSES, required=True),
        FormField("number", N_("Number"), required=True),
        FormField("name", N_("Name"), required=True),
        FormField("hours", N_("Hours")),
        FormField("free", N_("Free call"), "bool"),
        FormField("languages", N_("Languages spoken (ISO codes, separated by |)"), "list"),
        FormField("whatsapp", N_("WhatsApp")),
        FormField("notes", N_("Notes"), "textarea"),
        FormField("position", N_("Order in the list"), "int"),
        *COMMON_TAIL,
    ), ("name", "country", "purpose", "number"), "purpose", HOTLINE_PURPOSES),
    Kind("consulates", N_("Consulates"), m.Consulate, ConsulateIn, (
        FormField("id", N_("Identifier"), required=True),
        FormField("nationality", N_("Nationality it serves (ISO code)"), required=True),
        FormField("country", N_("Country where it is (ISO code)"), required=True),
        FormField("city", N_("City")),
        FormField("kind", N_("Kind"), "select", CONSULATE_KINDS, required=True),
        FormField("address", N_("Address")),
        FormField("phones", N_("Phones (number (label) | number …)"), "phones"),
        FormField("whatsapp", N_("WhatsApp")),
        FormField("email", N_("E-mail")),
        FormField("url", N_("Web page")),
        FormField("hours", N_("Hours")),
        FormField("appointment", N_("Needs an appointment"), "bool"),
        FormField("notes", N_("Notes"), "textarea"),
        *COMMON_TAIL,
    ), ("nationality", "country", "city", "kind"), "kind", CONSULATE_KINDS),
)
KINDS_BY_NAME = {k.name: k for k in KIND_LIST}


class SaveError(ValueError):
    """The form has errors (field -> message); nothing was written."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def form_values(kind: Kind, obj: Any) -> dict[str, str | list[str]]:
    """A record as the text its edit form shows."""
    out: dict[str, str | list[str]] = {}
    for f in kind.fields:
        value = getattr(obj, f.name, None)
        if f.kind == "multi":
            out[f.name] = list(value or [])
        elif f.kind == "list":
            out[f.name] = "|".join(value or [])
        elif f.kind == "phones":
            out[f.name] = phones_to_text(value)
        elif f.kind == "bool":
            out[f.name] = "" if value is None else ("true" if value else "false")
        elif value is None:
            out[f.name] = ""
        elif isinstance(value, dt.date):
            out[f.name] = value.isoformat()
        else:
            out[f.name] = str(value)
    return out


def read_form(kind: Kind, form: Any) -> tuple[dict[str, Any], dict[str, str | list[str]]]:
    """(data for the schema, the values as typed) from a posted form."""
    data: dict[str, Any] = {}
    typed: dict[str, str | list[str]] = {}
    for f in kind.fields:
        if f.kind == "multi":
            values = [str(v) for v in form.getlist(f.name)]
            typed[f.name] = values
            data[f.name] = values
            continue
        raw = str(form.get(f.name) or "").strip()
        typed[f.name] = raw
        if raw == "":
            continue
        if f.kind == "bool":
            data[f.name] = raw == "true"
        else:
            data[f.name] = raw
    return data, typed


def _messages(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        name = str(err["loc"][0]) if err["loc"] else "(form)"
        message = str(err["msg"]).removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors


def validate(kind: Kind, data: dict[str, Any], before: Any = None) -> BaseModel:
    """The schema object, or SaveError naming each bad field."""
    errors: dict[str, str] = {}
    if kind.name == "hotlines" and data.get("number"):
        number = str(data["number"])
        changed = before is None or getattr(before, "number", None) != number
        if changed and not SHORT_CODE.match(number):
            try:
                data["number"] = phone_number(number)
            except ValueError as exc:
                errors["number"] = str(exc)
    try:
        obj = kind.schema.model_validate(data)
    except ValidationError as exc:
        errors = {**_messages(exc), **errors}
        raise SaveError(errors) from None
    if errors:
        raise SaveError(errors)
    return obj


def _columns(kind: Kind, obj: BaseModel) -> dict[str, Any]:
    if isinstance(obj, ServiceIn):
        return service_values(obj)
    return obj.model_dump()


def create(engine: Engine, kind: Kind, data: dict[str, Any], actor: str) -> str:
    obj = validate(kind, data)
    values = _columns(kind, obj)
    with session_scope(engine, actor=actor) as s:
        if s.get(kind.model, values["id"]) is not None:
            raise SaveError({"id": f"the identifier {values['id']!r} is already used"})
        s.add(kind.model(**values))
    return str(values["id"])


def update(engine: Engine, kind: Kind, record_id: str, data: dict[str, Any],
           actor: str) -> None:
    with session_scope(engine, actor=actor) as s:
        row = s.get(kind.model, record_id)
        if row is None:
            raise LookupError(record_id)
        data["id"] = record_id  # the identifier never changes
        if "status" not in data:
            data["status"] = row.status  # type: ignore[attr-defined]
        if kind.name == "services":
            data.setdefault("is_sample", row.is_sample)  # type: ignore[attr-defined]
        obj = validate(kind, data, before=row)
        for key, value in _columns(kind, obj).items():
            setattr(row, key, value)


def verify(engine: Engine, kind: Kind, record_id: str, actor: str,
           today: dt.date | None = None) -> None:
    """Checked against its source today: `verified_on` today and confidence confirmed."""
    with session_scope(engine, actor=actor) as s:
        row = s.get(kind.model, record_id)
        if row is None:
            raise LookupError(record_id)
        row.verified_on = today or dt.date.today()  # type: ignore[attr-defined]
        row.confidence = "confirmed"  # type: ignore[attr-defined]


def set_status(engine: Engine, kind: Kind, record_id: str, status: str, actor: str) -> None:
    """Retire (or bring back) a listing; nothing is ever deleted."""
    assert status in ("active", "retired")
    with session_scope(engine, actor=actor) as s:
        row = s.get(kind.model, record_id)
        if row is None:
            raise LookupError(record_id)
        row.status = status  # type: ignore[attr-defined]


def get(engine: Engine, kind: Kind, record_id: str) -> Any:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(kind.model, record_id)


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    pages: int


def listing(engine: Engine, kind: Kind, country: str | None = None,
            category: str | None = None, status: str | None = "active", text: str | None = None,
            page: int = 1) -> Page:
    """One page of `kind`, filtered by country, category/purpose/kind, status and text."""
    model: Any = kind.model
    conds: list[Any] = []
    if country:
        conds.append(model.country == country.upper())
    if status in ("active", "retired"):
        conds.append(model.status == status)
    if category and kind.category_field:
        if kind.name == "services":
            conds.append(model.categories_text.contains(f"|{category}|"))
        else:
            conds.append(getattr(model, kind.category_field) == category)
    if text:
        like = f"%{text.strip()}%"
        cols = [model.id, model.name] if hasattr(model, "name") else [model.id]
        cols += [getattr(model, c) for c in ("city", "number", "organisation", "address")
                 if hasattr(model, c)]
        conds.append(or_(*[c.ilike(like) for c in cols]))
    with Session(engine) as s:
        total = s.scalar(select(func.count()).select_from(model).where(*conds)) or 0
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), pages)
        order = [model.country, model.id]
        rows = list(s.scalars(select(model).where(*conds).order_by(*order)
                              .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
        s.expunge_all()
    return Page(rows, total, page, pages)


@dataclass
class Change:
    field: str
    before: Any
    after: Any


@dataclass
class AuditRow:
    at: dt.datetime
    actor: str
    action: str
    changes: list[Change] = field(default_factory=list)


def history(engine: Engine, kind: Kind, record_id: str) -> list[AuditRow]:
    """Every audit entry of the record, newest first, as field changes (before → after)."""
    table = kind.model.__tablename__
    with Session(engine) as s:
        entries = s.scalars(select(m.AuditEntry).where(m.AuditEntry.entity == table,
                                                       m.AuditEntry.entity_id == record_id)
                            .order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc())).all()
        out = []
        for e in entries:
            before, after = e.before or {}, e.after or {}
            keys = list(dict.fromkeys([*before, *after]))
            changes = [Change(k, before.get(k), after.get(k)) for k in keys
                       if before.get(k) != after.get(k) and k != "search_text"]
            out.append(AuditRow(e.at, e.actor, e.action, changes))
    return out


def display(value: Any) -> str:
    """An audit value as short text."""
    if value is None:
        return "—"
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "number" in value[0]:
            return phones_to_text(value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith("|") and value.endswith("|"):
        return ", ".join(m.decode_list(value))
    return str(value)


def choices_of(kind: Kind) -> Mapping[str, Sequence[str]]:
    return {f.name: f.choices for f in kind.fields if f.choices}


def stale_report(engine: Engine, max_age_days: int, today: dt.date | None = None
                 ) -> tuple[list[Any], dict[str, dict[str, int]]]:
    """Stale facts (never verified, or longer ago than `max_age_days`) and counts per country
    and kind."""
    from knowledge.staleness import stale_facts

    with Session(engine) as s:
        facts = stale_facts(s, max_age_days, today=today)
    counts: dict[str, dict[str, int]] = {}
    for f in facts:
        row = counts.setdefault(f.country or "—", {})
        row[f.kind] = row.get(f.kind, 0) + 1
    return facts, dict(sorted(counts.items()))


def legal_sources(jurisdiction: str | None = None, text: str | None = None) -> list[Any]:
    """The legal sources the rule files cite (read-only here: they change with the rules)."""
    from console.kb import ruleset

    out = [s for s in ruleset().sources.values()
           if (not jurisdiction or s.jurisdiction == jurisdiction.upper())
           and (not text or text.lower() in f"{s.id} {s.title} {s.article or ''}".lower())]
    return sorted(out, key=lambda s: (s.jurisdiction, s.id))

