"""Danger first: emergency, trafficking and violence answers with the country's numbers.

Called by `action_safety` and, through the danger lexicon, by every other action, so a cry for
help the NLU model misclassified still gets numbers before anything else.
"""

from __future__ import annotations

from typing import Any

from actions import kb
from actions.context import Context
from actions.replies import Reply, country_label
from helpline.i18n import N_
from helpline.safety.danger import DANGER_INTENTS, PURPOSES
from helpline.safety.danger import danger_kind as lexicon_kind

PURPOSE_LABELS = {
    "emergency": N_("Emergencies"),
    "trafficking": N_("Trafficking and exploitation"),
    "violence": N_("Violence against women and domestic violence"),
}


def danger_kind(ctx: Context) -> str | None:
    """The danger in this message: from the intent, else from the per-language lexicon."""
    if kind := DANGER_INTENTS.get(ctx.intent):
        return kind
    if not ctx.text or ctx.text.startswith("/"):
        return None
    return lexicon_kind(ctx.text, ctx.lang)


def hotline_line(ctx: Context, hotline: Any) -> str:
    _ = ctx._
    parts = [f"📞 {hotline.number}"]
    label = hotline.name or _(PURPOSE_LABELS.get(hotline.purpose, hotline.purpose))
    parts.append(f"— {label}")
    notes = []
    if hotline.free:
        notes.append(_("free"))
    if hotline.hours:
        notes.append(str(hotline.hours))
    if notes:
        parts.append(f"({', '.join(notes)})")
    line = " ".join(parts)
    # The main emergency number is never hedged: the hedge itself sends people to it (a
    # knowledge test holds every seeded country's emergency number confirmed).
    if hotline.confidence != "confirmed" and hotline.purpose != "emergency":
        line += " " + _("[not confirmed yet: if it does not work, call the emergency number]")
    if getattr(hotline, "whatsapp", None):
        line += f"\n   💬 WhatsApp {hotline.whatsapp}"
    if getattr(hotline, "notes", None):
        line += f"\n   {hotline.notes}"
    return line


def emergency_digest(ctx: Context) -> str:
    """Every seeded country's emergency numbers, one line per number ("📞 911: Mexico,
    Honduras, …"), for when the person's country is not known yet."""
    from knowledge.api import hotlines, seeded_countries

    by_number: dict[str, list[str]] = {}
    with kb.session() as s:
        for code in seeded_countries():
            numbers = " / ".join(h.number for h in hotlines(s, code, purposes=["emergency"]))
            if numbers:
                by_number.setdefault(numbers, []).append(country_label(code, ctx.lang))
    lines = [f"📞 {number}: {', '.join(sorted(names))}" for number, names in by_number.items()]
    return ctx._("Emergency numbers:") + "\n" + "\n".join(lines)


def answer_danger(ctx: Context, reply: Reply, kind: str, also: str | None = None) -> None:
    """Numbers first, then what the person can do, then the offer of a human. `also` is the
    danger the conversation showed before (its line stays among the numbers)."""
    _ = ctx._
    if kind == "emergency":
        intro = _("If your life or someone else's is in danger right now, call the emergency "
                  "number now.")
    elif kind == "trafficking":
        intro = _("What you describe may be trafficking or forced labour. It is not your fault, "
                  "and you have rights whatever your papers say: nobody may keep your documents "
                  "or stop you from leaving.")
    else:
        intro = _("I am sorry this is happening to you. Violence is never your fault, and you "
                  "have the right to protection whatever your migration status.")
    from knowledge.api import hotlines

    found = []
    if ctx.country:
        with kb.session() as s:
            purposes = list(dict.fromkeys([*PURPOSES[kind], *PURPOSES.get(also or kind, [])]))
            found = hotlines(s, ctx.country, purposes=purposes)
    if found:
        where = country_label(ctx.country, ctx.lang)
        reply.say(intro + "\n\n" + _("Numbers in {country}:").format(country=where)
                  + "\n" + "\n".join(hotline_line(ctx, h) for h in found))
    else:
        # Country unknown, or one we hold no numbers for (possibly a place the message only
        # mentioned): numbers must still come first, so list every emergency number we have.
        reply.say(intro + "\n\n" + emergency_digest(ctx))
        reply.say(_("Which country are you in now? Tell me and I will give you the exact numbers "
                    "and services there."))
        ctx.set("pending_intent", f"danger:{kind}")
    if kind == "trafficking":
        reply.say(_("If you can, keep a photo of your documents and write down where you are. You "
                    "do not have to pay any debt for your journey or your job."))
    elif kind == "violence":
        reply.say(_("If you can, go to a safe place with people you trust. Health services must "
                    "treat you even without papers."))
    ctx.set("awaiting", "human_offer" if found else "country,human_offer")
    reply.say(_("Do you want the contacts of organisations that can help you now?"),
              buttons=[{"title": _("Yes, please"), "payload": "/affirm"},
                       {"title": _("Not now"), "payload": "/deny"}])
