"""Rights answers (health, school, status, asylum, work, social security, detention, money home).

Each answer comes from the entitlement engine for the user's country and profile, names its
legal basis and the date the fact was verified, and says it is information, not legal advice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions import kb
from actions.context import Context
from actions.replies import Reply, country_label, date_label
from helpline.i18n import N_

TOPIC_DOMAINS = {
    "ask_health": "health",
    "ask_education": "education",
    "ask_legal_status": "legal_status",
    "ask_asylum": "asylum",
    "ask_work_rights": "work",
    "ask_social_security": "social_security",
    "ask_detention_rights": "detention",
    "report_trafficking": "protection",
    "report_violence": "protection",
}
TITLES = {
    "health": N_("Health care in {country}"),
    "education": N_("School and education in {country}"),
    "legal_status": N_("Papers and residence in {country}"),
    "asylum": N_("Asylum and refugee protection in {country}"),
    "work": N_("Work rights in {country}"),
    "social_security": N_("Social security in {country}"),
    "detention": N_("If you are detained in {country}"),
    "protection": N_("Your protection rights in {country}"),
}
STATUS_MARKS = {"granted": "✅", "limited": "⚠️", "not_granted": "❌", "unknown": "❔"}
# Answers in these domains depend on the migration status, so the bot explains why it asks.
STATUS_DEPENDENT = {"legal_status", "work", "social_security", "asylum"}
MAX_ENTITLEMENTS = 4
# Titles of the international instruments in `knowledge/rules/INT.yaml`, as msgids: the
# catalogues hold their official Spanish, Portuguese and French titles (Haitian Creole has
# none, so its catalogue holds the French one). National laws keep their own title.
INSTRUMENT_TITLES = (
    N_("International Convention on the Protection of the Rights of All Migrant Workers and "
       "Members of Their Families (ICRMW, 1990)"),
    N_("Vienna Convention on Consular Relations (1963)"),
    N_("Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and "
       "Children (Palermo Protocol, 2000)"),
    N_("Convention relating to the Status of Refugees (1951)"),
    N_("Cartagena Declaration on Refugees (1984)"),
)


def legal_basis_text(ctx: Context, entitlement: Any) -> str:
    parts = []
    for basis in entitlement.legal_basis:
        label = ctx._(basis.title) if basis.title in INSTRUMENT_TITLES else basis.title
        if basis.article:
            label += f", art. {basis.article}"
        parts.append(label)
    return "; ".join(parts)


def render_entitlement(ctx: Context, entitlement: Any) -> str:
    _ = ctx._
    summary = entitlement.summary or _(
        "We do not have verified information on this topic for this country yet. A caseworker "
        "or a local legal aid organisation can advise you.")  # a domain with no national rule
    lines = [f"{STATUS_MARKS.get(entitlement.status, '•')} {summary}"]
    for warning in entitlement.warnings or []:
        lines.append(f"⚠️ {warning}")
    if basis := legal_basis_text(ctx, entitlement):
        lines.append(_("Legal basis: {basis}").format(basis=basis))
    if entitlement.confidence == "confirmed" and entitlement.verified_on:
        lines.append(_("Verified on {date}.").format(date=date_label(entitlement.verified_on,
                                                                     ctx.lang)))
    else:
        lines.append(_("Not yet confirmed against the official text: check it with an "
                       "organisation before relying on it."))
    return "\n".join(lines)


def ask_country(ctx: Context, reply: Reply) -> None:
    """Ask where the person is, saying why, and remember the question to resume."""
    _ = ctx._
    reply.say(_("Which country are you in now? I ask only so I can tell you the rules and "
                "services that apply there."))
    ctx.set("awaiting", "country")
    ctx.set("pending_intent", ctx.intent)


def answer_rights(ctx: Context, reply: Reply, intent: str | None = None) -> None:
    """Answer a rights question for the user's country, or ask for the country first."""
    _ = ctx._
    intent = intent or ctx.intent
    if intent == "ask_remittances":
        answer_remittances(ctx, reply)
        return
    if not ctx.country:
        ask_country(ctx, reply)
        return
    domain = TOPIC_DOMAINS[intent]
    from knowledge.api import Profile, evaluate

    profile = Profile(country=ctx.country, nationality=ctx.nationality,
                      migration_status=ctx.migration_status, age=None, sex=None,
                      situation=ctx.situation)
    with kb.session() as s:
        result = evaluate(s, profile, on=dt.date.today(), domains=[domain], lang=ctx.lang,
                          with_contacts=False)
    where = country_label(ctx.country, ctx.lang)
    entitlements = list(result.entitlements)[:MAX_ENTITLEMENTS]
    if not entitlements:
        from actions.services import referral_lines

        referral = referral_lines(ctx)
        reply.say(_("I do not have verified information about this for {country} yet.")
                  .format(country=where)
                  + ("\n" + _("These organisations can answer it:") + "\n\n"
                     + "\n\n".join(referral) if referral else ""))
        return
    body = "\n\n".join(render_entitlement(ctx, e) for e in entitlements)
    from actions.subject import about_line

    if about := about_line(ctx):
        reply.say(about)
    reply.say(f"{_(TITLES[domain]).format(country=where)}\n\n{body}")
    if domain in STATUS_DEPENDENT and ctx.migration_status == "unknown":
        reply.say(_("The answer can depend on your migration status. You do not have to tell me; "
                    "if you want, say for example \"I have no papers\" or \"I asked for asylum\" "
                    "and I will be more precise. I never ask for your name or documents."))
    reply.say(_("This is information, not legal advice."))
    ctx.set("awaiting", None)
    ctx.set("pending_intent", None)
    ctx.set("topic", intent)


def answer_remittances(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    reply.say(_("To send money home safely and cheaply: compare the total cost (fee plus exchange "
                "rate) before each transfer; use a bank, a licensed transfer company or a "
                "regulated mobile-money service; never hand cash to someone who promises to "
                "deliver it; and keep the receipt and transfer number."))
    reply.say(_("This is information, not financial or legal advice."))
