"""Answers about someone else (a brother detained, a wife without papers): the line that says
whom the answer is for, so its "you" reads as that person."""

from __future__ import annotations

from actions.context import Context
from actions.replies import country_label
from helpline.i18n import N_

#: How the person the question is about is named in the answer (NLU `subject` values).
RELATION_LABELS = {
    "brother": N_("your brother"), "sister": N_("your sister"),
    "husband": N_("your husband"), "wife": N_("your wife"), "partner": N_("your partner"),
    "boyfriend": N_("your partner"), "girlfriend": N_("your partner"),
    "son": N_("your son"), "daughter": N_("your daughter"), "child": N_("your child"),
    "children": N_("your children"), "mother": N_("your mother"), "father": N_("your father"),
    "parents": N_("your parents"), "friend": N_("your friend"),
}
SOMEONE = N_("the person you are asking about")


def about_line(ctx: Context) -> str | None:
    """"About your brother, in Mexico, from Honduras: …" — or None when the question is the
    writer's own."""
    if not ctx.subject:
        return None
    _ = ctx._
    who = _(RELATION_LABELS.get(ctx.subject, SOMEONE))
    where = country_label(ctx.country, ctx.lang)
    if ctx.nationality:
        text = _("About {who}, in {country}, from {home}:").format(
            who=who, country=where, home=country_label(ctx.nationality, ctx.lang))
    else:
        text = _("About {who}, in {country}:").format(who=who, country=where)
    return text + " " + _("the answer below speaks to them directly; you can pass it on.")
