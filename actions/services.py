"""Places that help: services near the user (`find_service`) and their consulate."""

from __future__ import annotations

from typing import Any

from actions import kb
from actions.context import Context
from actions.replies import Reply, country_label, date_label
from actions.rights import ask_country
from helpline.i18n import N_

#: How each kind of representation is named to the person (never the raw label).
KIND_LABELS = {
    "embassy": N_("Embassy"),
    "consulate": N_("Consulate"),
    "consular_section": N_("Consular section"),
    "honorary_consulate": N_("Honorary consulate"),
    "foreign_ministry": N_("Foreign ministry (from abroad)"),
}
SEARCH_RADIUS_KM = 50.0
FALLBACK_RADIUS_KM = 500.0
MAX_SERVICES = 4


def location_of(ctx: Context) -> tuple[float, float] | None:
    loc = ctx.metadata.get("location") or ctx.slot("location")
    try:
        return float(loc["lat"]), float(loc["lon"])
    except (TypeError, KeyError, ValueError):
        return None


def _verified(ctx: Context, item: Any) -> str:
    _ = ctx._
    if item.confidence == "confirmed" and item.verified_on:
        return _("verified on {date}").format(date=date_label(item.verified_on, ctx.lang))
    return _("not confirmed yet")


def contact_lines(ctx: Context, item: Any) -> list[str]:
    """Address, phones, WhatsApp, e-mail and hours of a service or consulate, when known."""
    _ = ctx._
    lines = []
    if getattr(item, "address", None):
        lines.append(f"🏠 {item.address}")
    for phone in getattr(item, "phones", None) or []:
        lines.append(f"📞 {phone.number}" + (f" ({phone.label})" if phone.label else ""))
    if getattr(item, "whatsapp", None):
        lines.append(f"💬 WhatsApp {item.whatsapp}")
    if getattr(item, "email", None):
        lines.append(f"✉️ {item.email}")
    if getattr(item, "hours", None):
        lines.append(_("Hours: {hours}").format(hours=item.hours))
    return ["   " + line for line in lines]


def render_service(ctx: Context, service: Any) -> str:
    _ = ctx._
    head = f"📍 {service.name}"
    if service.city:
        head += f" — {service.city}"
    if service.distance_km is not None:
        head += f" ({service.distance_km:.1f} km)"
    lines = [head, *contact_lines(ctx, service)]
    if service.contact:
        lines.append(f"   {service.contact}")
    if service.url:
        lines.append(f"   {service.url}")
    if service.documents_required is False:
        lines.append("   " + _("No documents needed."))
    lines.append(f"   ({_verified(ctx, service)})")
    return "\n".join(lines)


#: Places whose visit carries the country's caveats (immigration enforcement at hospitals or
#: schools, documents asked at the door): the rules' warnings for that domain come along.
BEFORE_YOU_GO = {"health": "health", "education": "education"}


def _warnings(ctx: Context, domain: str, limit: int = 2) -> list[str]:
    import datetime as dt

    from knowledge.api import Profile, evaluate

    if not ctx.country:
        return []
    profile = Profile(country=ctx.country, nationality=ctx.nationality,
                      migration_status=ctx.migration_status, situation=ctx.situation)
    with kb.session() as s:
        result = evaluate(s, profile, on=dt.date.today(), domains=[domain], lang=ctx.lang,
                          with_contacts=False)
    found = [w for e in result.entitlements if e.jurisdiction == ctx.country
             for w in e.warnings or []]
    return list(dict.fromkeys(found))[:limit]


def referral_lines(ctx: Context, limit: int = 3) -> list[str]:
    """The most specific organisations that can answer what the knowledge base cannot:
    legal-aid services (the ombudsman among them), nearest first when a place is known."""
    if not ctx.country:
        return []
    from knowledge.api import search_services

    near = location_of(ctx)
    with kb.session() as s:
        items = list(search_services(s, country=ctx.country, category="legal_aid", near=near,
                                     radius_km=FALLBACK_RADIUS_KM, per_page=limit).items)
        if not items and near:
            items = list(search_services(s, country=ctx.country, category="legal_aid",
                                         per_page=limit).items)
    return [render_service(ctx, i) for i in items if i.phones or i.address or i.whatsapp]


def answer_find_service(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    if not ctx.country:
        ask_country(ctx, reply)
        return
    from knowledge.api import search_services

    near = location_of(ctx)
    if near:
        ctx.set("location", {"lat": near[0], "lon": near[1]})
    category = ctx.slot("service_category")
    with kb.session() as s:
        items = list(search_services(s, country=ctx.country, category=category,
                                     language=ctx.lang, near=near, radius_km=SEARCH_RADIUS_KM,
                                     per_page=MAX_SERVICES).items)
        if not items:  # nobody speaks the language nearby: widen rather than say nothing
            items = list(search_services(s, country=ctx.country, category=category,
                                         near=near, radius_km=FALLBACK_RADIUS_KM,
                                         per_page=MAX_SERVICES).items)
    where = country_label(ctx.country, ctx.lang)
    if not items:
        referral = referral_lines(ctx)
        reply.say(_("I have no verified services of that kind in {country} yet.")
                  .format(country=where)
                  + ("\n" + _("These organisations can tell you where to go:") + "\n\n"
                     + "\n\n".join(referral) if referral else ""))
        return
    header = (_("Nearest services:") if near
              else _("Services in {country}:").format(country=where))
    reply.say(header + "\n\n" + "\n\n".join(render_service(ctx, i) for i in items))
    if category in BEFORE_YOU_GO and (warnings := _warnings(ctx, BEFORE_YOU_GO[category])):
        reply.say(_("Before you go:") + "\n" + "\n".join(f"⚠️ {w}" for w in warnings))
    if not near:
        reply.say(_("Share your location (📎 → Location) and I will list the nearest ones first. "
                    "Your location is used only for this search."))
    ctx.set("awaiting", None)
    ctx.set("pending_intent", None)
    ctx.set("topic", "find_service")


def in_their_city_first(ctx: Context, items: list[Any]) -> list[Any]:
    """The person's city's entries first (a city named in a message or shared as a place),
    the rest in their own order."""
    from knowledge.search import fold

    place = ctx.metadata.get("location") or ctx.slot("location") or {}
    city = place.get("city") if isinstance(place, dict) else None
    if not city:
        return items
    return sorted(items, key=lambda c: fold(c.city or "") != fold(str(city)))


def answer_consular(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    if not ctx.country:
        ask_country(ctx, reply)
        return
    if not ctx.nationality:
        reply.say(_("Which country are you a citizen of? I ask only to find your consulate."))
        ctx.set("awaiting", "nationality")
        ctx.set("pending_intent", "ask_consular_help")
        return
    from knowledge.api import consulates

    with kb.session() as s:
        found = consulates(s, nationality=ctx.nationality, country=ctx.country)
    found = in_their_city_first(ctx, found)
    home = country_label(ctx.nationality, ctx.lang)
    where = country_label(ctx.country, ctx.lang)
    if not found:
        reply.say(_("I have no confirmed consulate of {home} in {country}. The embassy of {home} "
                    "in the capital, or the foreign ministry of {home}, can tell you where to go.")
                  .format(home=home, country=where))
    else:
        lines = []
        for c in found:
            kind = _(KIND_LABELS[c.kind]) if c.kind in KIND_LABELS else ""
            line = f"🏛️ {c.city or home}" + (f" — {kind}" if kind else "")
            for extra in contact_lines(ctx, c):
                line += f"\n{extra}"
            if c.url:
                line += f"\n   {c.url}"
            line += f"\n   ({_verified(ctx, c)})"
            lines.append(line)
        from actions.subject import about_line

        if about := about_line(ctx):
            reply.say(about)
        reply.say(_("Consular help of {home} in {country}:").format(home=home, country=where)
                  + "\n\n" + "\n\n".join(lines))
    reply.say(_("If you are arrested or detained, the authorities must tell you without delay "
                "that you can have your consulate informed, and consular officers may visit you "
                "and arrange a lawyer (Vienna Convention on Consular Relations, art. 36). For a "
                "lost or expired passport, ask the consulate itself: it can usually issue a new "
                "passport or a travel document, whatever your migration status."))
    ctx.set("awaiting", None)
    ctx.set("pending_intent", None)
    ctx.set("topic", "ask_consular_help")
