"""Danger mode: once a conversation has shown danger, it stays in front until it ends.

After an emergency, trafficking or violence message, every following answer starts with the
country's specialised line and emergency number, answers the fear asked about head-on from the
knowledge base (the protection and legal-status rules for a victim in that country: "will they
deport me if I report?"), stays short and never falls back to the topic menu. It ends when the
person says goodbye, or after `QUIET_SECONDS` without a message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions import kb
from actions.context import VICTIM_OF, Context
from actions.replies import Reply, country_label

#: A conversation silent this long has left danger mode.
QUIET_SECONDS = 2 * 3600.0
#: Where the person's follow-up question is answered from, for each kind of danger.
FOLLOW_UP_DOMAINS = {
    "emergency": ["health"],
    "trafficking": ["protection", "legal_status"],
    "violence": ["protection", "legal_status"],
}
#: Intents that mean the person moved on, or that must be answered as they are.
LEAVES = frozenset({"goodbye"})
ANSWERED_AS_ASKED = frozenset({"delete_my_data", "choose_language", "request_human",
                               "find_service", "ask_consular_help", "bot_challenge"})
#: Topic answers that, in danger mode, give way to the victim's rules: a question about
#: detention or papers then is the fear of being deported for asking for help.
FEAR_DOMAINS = frozenset({"detention", "legal_status", "protection"})
#: Answers that, in danger mode, give way to the follow-up answer (no menu, no small talk).
FALLBACK_ACTIONS = frozenset({"action_menu", "action_help", "action_greet", "action_thank",
                              "action_privacy", "action_affirm", "action_deny",
                              "action_inform"})


def _timestamps(ctx: Context) -> tuple[float | None, float | None]:
    """When the current and the previous user message arrived."""
    users = [e.get("timestamp") for e in ctx.tracker.events if e.get("event") == "user"]
    current = users[-1] if users else None
    previous = users[-2] if len(users) > 1 else None
    return current, previous


def active(ctx: Context) -> str | None:
    """The kind of danger the conversation is still in, or None (and the mode is cleared)."""
    kind = ctx.slot("danger")
    if kind not in FOLLOW_UP_DOMAINS:
        return None
    current, previous = _timestamps(ctx)
    quiet = (isinstance(current, (int, float)) and isinstance(previous, (int, float))
             and current - previous > QUIET_SECONDS)
    if quiet or ctx.intent in LEAVES:
        ctx.set("danger", None)
        return None
    return str(kind)


def start(ctx: Context, kind: str) -> str:
    """Remember that the conversation has shown danger and return the kind to answer: a
    specialised kind (trafficking, violence) already shown stays, so its line is not lost when
    an emergency follows; an emergency never replaces it."""
    current = ctx.slot("danger")
    if kind == "emergency" and current in ("trafficking", "violence"):
        return str(current)
    ctx.set("danger", kind)
    return kind


def implied_situations(kind: str | None) -> list[str]:
    return [VICTIM_OF[kind]] if kind in VICTIM_OF else []


def numbers_line(ctx: Context, kind: str) -> str | None:
    """One short line: the emergency number and the specialised line of the country (every
    country's emergency numbers while the country is not known)."""
    from actions.safety import PURPOSES, emergency_digest

    if not ctx.country:
        return emergency_digest(ctx)
    from knowledge.api import hotlines

    with kb.session() as s:
        found = hotlines(s, ctx.country, purposes=PURPOSES[kind])
    if not found:
        return None
    best: dict[str, Any] = {}
    for hotline in found:
        best.setdefault(hotline.purpose, hotline)
    parts = [f"📞 {h.number} ({h.name})" for h in best.values()]
    return ctx._("Remember: {numbers}").format(numbers=" · ".join(parts))


def should_take_over(ctx: Context, action_name: str) -> bool:
    """Whether this action's own answer gives way to the danger follow-up: the menu, small
    talk and the neighbouring blocks that a fear ("will they deport me if I report?") gets
    classified as. A yes or no to the bot's own question, or details it asked for, are
    answered as they are."""
    if ctx.intent in ANSWERED_AS_ASKED:
        return False
    awaiting = str(ctx.slot("awaiting") or "")
    if action_name in ("action_affirm", "action_deny") and awaiting:
        return False
    if action_name == "action_inform" and (
            "country" in awaiting or "nationality" in awaiting or ctx.slot("pending_intent")):
        return False
    if action_name == "action_answer_topic":
        from actions.rights import TOPIC_DOMAINS

        return TOPIC_DOMAINS.get(ctx.intent) in FEAR_DOMAINS
    return action_name in FALLBACK_ACTIONS


def answer_follow_up(ctx: Context, reply: Reply, kind: str) -> None:
    """The fear asked about, head-on, from the rules for a victim in that country: the
    sentences that answer the question when there are, else the main rule; then the nearest
    places that help."""
    from actions.follow_up import best_sentences
    from actions.rights import legal_basis_text, render_entitlement
    from knowledge.api import Profile, evaluate

    _ = ctx._
    if not ctx.country:
        reply.say(_("Which country are you in now? Tell me and I will give you the exact numbers "
                    "and services there."))
        ctx.set("awaiting", "country")
        ctx.set("pending_intent", f"danger:{kind}")
        return
    situation = sorted({*ctx.situation, *implied_situations(kind)})
    profile = Profile(country=ctx.country, nationality=ctx.nationality,
                      migration_status=ctx.migration_status, situation=situation)
    with kb.session() as s:
        result = evaluate(s, profile, on=dt.date.today(), domains=FOLLOW_UP_DOMAINS[kind],
                          lang=ctx.lang, with_contacts=False)
    national = [e for e in result.entitlements if e.jurisdiction == ctx.country]
    where = country_label(ctx.country, ctx.lang)
    found = best_sentences(ctx.text, national)
    if found:
        lines = [f"• {sentence}" for _e, sentence in found]
        bases = dict.fromkeys(legal_basis_text(ctx, e) for e, _s in found)
        lines += [_("Legal basis: {basis}").format(basis=b) for b in bases if b]
        reply.say(_("What protects you in {country}:").format(country=where) + "\n\n"
                  + "\n".join(lines))
    elif shown := (national or list(result.entitlements))[:1]:
        reply.say(_("What protects you in {country}:").format(country=where) + "\n\n"
                  + "\n\n".join(render_entitlement(ctx, e) for e in shown))
    else:
        reply.say(_("I do not have a verified answer to that for your country yet; the lines "
                    "above can answer it."))
    if places := _places(ctx, kind):
        reply.say(_("Places that help:") + "\n\n" + "\n\n".join(places))
    reply.say(_("This is information, not legal advice."))
    ctx.set("awaiting", "human_offer")
    reply.say(_("Do you want the contacts of organisations that can help you now?"),
              buttons=[{"title": _("Yes, please"), "payload": "/affirm"},
                       {"title": _("Not now"), "payload": "/deny"}])


#: The kinds of places a person in each danger is sent to, most needed first.
PLACES = {"emergency": ("health", "shelter"), "trafficking": ("shelter", "legal_aid"),
          "violence": ("shelter", "psychosocial", "legal_aid")}


def _places(ctx: Context, kind: str, limit: int = 2) -> list[str]:
    """The nearest reachable places of the kinds this danger needs (national when no place
    is known)."""
    from actions.services import FALLBACK_RADIUS_KM, location_of, render_service
    from knowledge.api import search_services

    near = location_of(ctx)
    seen: dict[str, Any] = {}
    with kb.session() as s:
        for category in PLACES[kind]:
            page = search_services(s, country=ctx.country, category=category, near=near,
                                   radius_km=FALLBACK_RADIUS_KM, per_page=limit)
            for item in page.items:
                if item.phones or item.address or item.whatsapp:
                    seen.setdefault(item.id, item)
            if len(seen) >= limit:
                break
    return [render_service(ctx, item) for item in list(seen.values())[:limit]]
