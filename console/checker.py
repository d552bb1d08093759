"""The entitlement checker: a profile in, entitlements with their reasons out, and a printable
one-page summary in the person's language (es, en, pt, fr or ht).

The form is posted (never a query string, so no address bar, history or access log holds it),
the answer carries `Cache-Control: no-store`, and nothing of it is written anywhere: the profile
exists only while the request is served. Logs say that a check ran, never for whom.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from console import kb, labels
from console.i18n import LANGUAGE_NAMES, N_, PRINT_LANGUAGES
from console.web import Ctx, route

log = logging.getLogger("console.checker")
FIELDS = ("country", "nationality", "migration_status", "age", "sex", "situation", "city",
          "lat", "lon", "on")


@lru_cache(maxsize=16)
def country_names(lang: str) -> dict[str, str]:
    """ISO alpha-2 code -> name in `lang` (CLDR; French names for Kreyòl, which has none)."""
    from babel import Locale

    names: dict[str, str] = {}
    english = Locale("en").territories
    try:
        local = Locale.parse("fr" if lang == "ht" else lang).territories
    except (ValueError, LookupError):
        local = english
    for code, name in english.items():
        if len(code) == 2 and code.isalpha() and code not in ("ZZ", "EU", "EZ", "UN", "QO"):
            names[code] = local.get(code) or name
    return names


def country_label(code: str | None, lang: str) -> str:
    if not code:
        return ""
    return country_names(lang).get(code, code)


@dataclass
class ProfileForm:
    """The checker form as typed, and what is wrong with it (field -> message)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    profile: Any = None
    on: dt.date = field(default_factory=dt.date.today)
    city: str | None = None
    point: tuple[float, float] | None = None


def _text(form: FormData | Mapping[str, Any], name: str, limit: int = 100) -> str:
    value = form.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def parse_profile(form: FormData | Mapping[str, Any], _: Callable[[str], str],
                  today: dt.date | None = None) -> ProfileForm:
    """Read and check the form; a bad field gets a message and no evaluation is made."""
    from knowledge.api import Profile, ProfileError

    out = ProfileForm()
    v = out.values
    for name in ("country", "nationality", "migration_status", "sex", "city", "lat", "lon",
                 "age", "on"):
        v[name] = _text(form, name)
    v["country"] = v["country"].upper()
    v["nationality"] = v["nationality"].upper()
    raw_situations: list[Any] = (form.getlist("situation") if isinstance(form, FormData)
                                 else list(form.get("situation") or []))  # type: ignore[arg-type]
    v["situation"] = [str(s) for s in raw_situations if str(s) in labels.SITUATIONS]
    errors = out.errors
    names = country_names("en")
    if not v["country"]:
        errors["country"] = _("Choose the country where the person is now.")
    elif v["country"] not in names:
        errors["country"] = _("Unknown country code: use a country from the list.")
    if v["nationality"] and v["nationality"] not in names:
        errors["nationality"] = _("Unknown country code: use a country from the list.")
    if v["migration_status"] and v["migration_status"] not in labels.MIGRATION_STATUSES:
        errors["migration_status"] = _("Choose a migration status from the list.")
    if v["sex"] and v["sex"] not in labels.SEXES:
        errors["sex"] = _("Choose a value from the list.")
    age: int | None = None
    if v["age"]:
        try:
            age = int(v["age"])
        except ValueError:
            errors["age"] = _("Age must be a whole number of years.")
        else:
            if not 0 <= age <= 130:
                errors["age"] = _("Age must be between 0 and 130.")
    out.on = today or out.on
    if v["on"]:
        try:
            out.on = dt.date.fromisoformat(v["on"])
        except ValueError:
            errors["on"] = _("Write the date as YYYY-MM-DD.")
        else:
            if not dt.date(1990, 1, 1) <= out.on <= dt.date(2100, 12, 31):
                errors["on"] = _("The date must be between 1990 and 2100.")
    else:
        v["on"] = out.on.isoformat()
    out.city = v["city"] or None
    if v["lat"] or v["lon"]:
        try:
            lat, lon = float(v["lat"]), float(v["lon"])
        except ValueError:
            errors["lat"] = _("A point needs both latitude and longitude, as decimal numbers.")
        else:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                errors["lat"] = _("Latitude must be within -90..90 and longitude within "
                                  "-180..180.")
            else:
                out.point = (lat, lon)
    if errors:
        return out
    try:
        out.profile = Profile(
            country=v["country"], nationality=v["nationality"] or None,
            migration_status=v["migration_status"] or None, age=age, sex=v["sex"] or None,
            situation=v["situation"])
    except ProfileError as exc:
        name = exc.field if exc.field in FIELDS else "situation"
        if name == "situation" and "pregnant" in str(exc):
            errors[name] = _("A person marked as male cannot be marked as pregnant.")
        elif name == "situation":
            errors[name] = _("A minor or unaccompanied minor must be under 18.")
        elif name in ("country", "nationality"):
            errors[name] = _("Unknown country code: use a country from the list.")
        else:
            errors[name] = _("This value is not possible.")
    return out


def explain_condition(cond: kb.Condition, _: Callable[[str], str], lang: str) -> str:
    """One condition as a sentence in the console's language."""
    def named(values: tuple[str, ...], table: Mapping[str, str] | None = None) -> str:
        if table is None:
            return ", ".join(country_label(x, lang) for x in values)
        return ", ".join(_(table[x]) if x in table else x for x in values)

    f, t, vals = cond.field, cond.test, cond.values
    if f == "country":
        return _("the person is in: {countries}").format(countries=named(vals))
    if f == "nationality":
        text = (_("nationality is one of: {countries}") if t == "in"
                else _("nationality is known and none of: {countries}"))
        return text.format(countries=named(vals))
    if f == "migration_status":
        return _("migration status is one of: {statuses}").format(
            statuses=named(vals, labels.MIGRATION_STATUSES))
    if f == "age":
        text = _("age is at least {years}") if t == "min" else _("age is at most {years}")
        return text.format(years=vals[0])
    if f == "sex":
        return _("sex is: {sexes}").format(sexes=named(vals, labels.SEXES))
    if f == "situation":
        text = {"all": _("situation includes: {situations}"),
                "any": _("situation includes one of: {situations}"),
                "none": _("situation includes none of: {situations}")}[t]
        return text.format(situations=named(vals, labels.SITUATIONS))
    if t == "from":
        return _("in force since {date}").format(date=vals[0])
    return _("in force until {date}").format(date=vals[0])


def _form_values(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The profile as hidden fields (for the print form on the result page)."""
    pairs = [(k, str(values.get(k) or "")) for k in FIELDS if k != "situation"]
    pairs += [("situation", s) for s in values.get("situation") or []]
    return [(k, val) for k, val in pairs if val]


def _page_values(ctx: Ctx, form: ProfileForm) -> dict[str, Any]:
    lang = ctx.lang
    names = country_names(lang)
    covered = sorted(kb.countries(), key=lambda c: names.get(c, c))
    return {
        "form": form.values, "errors": form.errors,
        "countries": [(c, names.get(c, c)) for c in covered],
        "all_countries": sorted(names.items(), key=lambda kv: kv[1]),
        "statuses": labels.MIGRATION_STATUSES, "sexes": labels.SEXES,
        "situations": labels.SITUATIONS,
        "print_languages": [(c, LANGUAGE_NAMES[c]) for c in PRINT_LANGUAGES],
    }


def _result_values(result: kb.CheckResult, lang: str, _: Callable[[str], str]
                   ) -> dict[str, Any]:
    national = [e for e in result.evaluation.entitlements if e.jurisdiction != "INT"]
    international = [e for e in result.evaluation.entitlements if e.jurisdiction == "INT"]
    reasons = {rid: [explain_condition(c, _, lang) for c in ex.conditions
                     if c.field != "country"]
               for rid, ex in result.explanations.items()}
    return {"national": national, "international": international,
            "explanations": result.explanations, "reasons": reasons,
            "hotlines": result.evaluation.hotlines, "consulates": result.consulates,
            "services": result.evaluation.services, "nearby": result.nearby,
            "labels": labels, "country_label": lambda c: country_label(c, lang),
            "on": result.evaluation.on}


@route("caseworker")
async def checker_page(ctx: Ctx) -> Response:
    blank = ProfileForm()
    blank.values = {"on": dt.date.today().isoformat(), "situation": []}
    return ctx.render("checker.html", **_page_values(ctx, blank), result=None)


@route("caseworker")
async def check(ctx: Ctx) -> Response:
    form = parse_profile(await ctx.form(), ctx._)
    values = _page_values(ctx, form)
    if form.errors:
        return ctx.render("checker.html", status=422, **values, result=None)
    result = await run_in_threadpool(kb.check, ctx.state.kb_engine, form.profile, form.on,
                                     ctx.lang, form.city, form.point)
    log.info("checker: one profile evaluated")
    return ctx.render("checker.html", **values, result=_result_values(result, ctx.lang, ctx._),
                      print_fields=_form_values(form.values))


@route("caseworker")
async def print_summary(ctx: Ctx) -> Response:
    posted = await ctx.form()
    lang = str(posted.get("print_lang") or ctx.lang)
    if lang not in PRINT_LANGUAGES:
        lang = ctx.lang
    form = parse_profile(posted, ctx._)
    if form.errors:
        return ctx.render("checker.html", status=422, **_page_values(ctx, form), result=None)
    result = await run_in_threadpool(kb.check, ctx.state.kb_engine, form.profile, form.on,
                                     lang, form.city, form.point)
    p = ctx.state.catalogues.gettext(lang)
    values = _result_values(result, lang, p)
    chosen = {str(d) for d in posted.getlist("print_domain")}
    if chosen:  # the topics the caseworker ticked; none ticked means all
        for key in ("national", "international"):
            values[key] = [e for e in values[key] if e.domain in chosen]
        values["nearby"] = {d: s for d, s in values["nearby"].items() if d in chosen}
    return ctx.render("print.html", **values, p=p, print_lang=lang, profile=form.values)


TITLE = N_("Entitlement checker")


def routes() -> list[BaseRoute]:
    return [Route("/checker", checker_page, methods=["GET"]),
            Route("/checker", check, methods=["POST"]),
            Route("/checker/print", print_summary, methods=["POST"])]
