"""Follow-up questions within a topic: the knowledge base's own sentence that answers them, or
an honest "I do not know" with the most specific contact that can answer.

A follow-up ("and if they ask for my CURP?", "is 2 months too late?") is matched against the
sentences of every entitlement the person's profile gets in their country. A sentence answers
when it shares a word with the question that few other sentences use; otherwise the reply says
so in one sentence and gives legal-aid contacts, never the menu or a neighbouring block.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from actions import kb
from actions.context import Context
from actions.replies import Reply, country_label

#: Words too common in questions to say what they are about (folded, four letters or more).
STOPWORDS = frozenset(word for line in (
    "para como pero puedo puede pueden tengo tiene tienen esta estan estoy estas donde cuando",
    "porque quiero hacer sobre ellos ellas tambien ahora mucho todo todos otra otro desde hasta",
    "aqui alla entonces tambem nada algo alguien mismo cual cuales quien quienes",
    "what when where with have they them their there this that from will would could should",
    "about your been does need want here into just like know also more some which who whom",
    "posso pode podem tenho onde quando quero fazer eles elas agora muito isso essa esse estou",
    "voce voces pois entao ainda tudo",
    "pour comme mais peux peut peuvent avoir dans avec quand parce veux faire sont nous vous",
    "leur ici cette quoi est-ce aussi encore tout tous alors",
    "mwen kijan kote kisa poukisa konnen genyen gen sou avek kounye ankò anko tout",
    "si ils elles they them",
) for word in line.split())
#: A shared word must be this rare among the candidate sentences to count as the topic.
MAX_SHARE = 0.12
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[^\s])")


def fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in norm if not unicodedata.combining(c))


def _stems(text: str) -> set[str]:
    """Content words, cut to five letters so "deportan" meets "deportar"."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    return {w[:5] for w in words if len(w) >= 4 and w not in STOPWORDS}


def _sentences(entitlement: Any) -> list[str]:
    out: list[str] = []
    for text in [entitlement.summary, *(entitlement.warnings or [])]:
        out.extend(s.strip() for s in SENTENCE_END.split(text or "") if s.strip())
    return out


def best_sentences(question: str, entitlements: list[Any], limit: int = 2
                   ) -> list[tuple[Any, str]]:
    """The sentences (with their entitlement) that share a rare word with the question."""
    asked = _stems(question)
    candidates = [(e, s, _stems(s)) for e in entitlements for s in _sentences(e)]
    if not asked or not candidates:
        return []
    df: dict[str, int] = {}
    for _e, _s, stems in candidates:
        for stem in stems:
            df[stem] = df.get(stem, 0) + 1
    rare_limit = max(2, math.ceil(MAX_SHARE * len(candidates)))
    scored = []
    for e, s, stems in candidates:
        shared = asked & stems
        rare = [w for w in shared if df[w] <= rare_limit]
        if rare:
            score = sum(math.log(len(candidates) / df[w]) for w in shared)
            scored.append((score, e, s))
    scored.sort(key=lambda item: -item[0])
    return [(e, s) for _score, e, s in scored[:limit]]


def answer_follow_up(ctx: Context, reply: Reply, topic: str | None) -> None:
    """Answer a follow-up from the knowledge base, or say who can (the lines stay short)."""
    from actions.rights import TOPIC_DOMAINS, legal_basis_text
    from actions.services import referral_lines
    from knowledge.api import Profile, evaluate

    _ = ctx._
    if not ctx.country:
        return
    where = country_label(ctx.country, ctx.lang)
    profile = Profile(country=ctx.country, nationality=ctx.nationality,
                      migration_status=ctx.migration_status, situation=ctx.situation)
    with kb.session() as s:
        result = evaluate(s, profile, on=dt.date.today(), lang=ctx.lang, with_contacts=False)
    entitlements = [e for e in result.entitlements if e.jurisdiction == ctx.country]
    domain = TOPIC_DOMAINS.get(topic or "")
    # Sentences of the topic's own domain first: a tie goes to the topic being discussed.
    entitlements.sort(key=lambda e: e.domain != domain)
    found = best_sentences(ctx.text, entitlements)
    if found:
        lines = [f"• {sentence}" for _e, sentence in found]
        bases = dict.fromkeys(legal_basis_text(ctx, e) for e, _s in found)
        lines += [_("Legal basis: {basis}").format(basis=b) for b in bases if b]
        reply.say(_("About that, in {country}:").format(country=where) + "\n" + "\n".join(lines))
        reply.say(_("This is information, not legal advice."))
        return
    referral = referral_lines(ctx)
    text = _("I do not have a precise answer to that for {country}.").format(country=where)
    if referral:
        text += "\n" + _("These organisations can answer it:") + "\n\n" + "\n\n".join(referral)
    reply.say(text)
