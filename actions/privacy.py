"""Privacy answers, erasure on request, and the hand-off to a human."""

from __future__ import annotations

from actions import kb
from actions.context import Context
from actions.replies import Reply
from helpline import handoff
from helpline.settings import get_settings


def answer_privacy(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    days = get_settings().retention_days
    reply.say(_("What I keep: the messages of this conversation and what you chose to tell me "
                "(country, nationality, situation). I never ask for your name, documents or "
                "address, and your phone number or account is replaced by a code before it "
                "reaches me."))
    reply.say(_("For how long: {days} days after your last message, then it is deleted "
                "automatically. You can delete everything now by writing \"delete my data\".")
              .format(days=days))
    reply.say(_("Who carries your messages: WhatsApp or Telegram, and for WhatsApp also Twilio, "
                "the company that connects us to it; they see that you write to us, under their "
                "own privacy rules. Inside the helpline only our team sees the conversation, and "
                "only to help you."))
    reply.say(_("We never give anything to immigration, the police or any other authority of "
                "our own accord, and we sell or share nothing with anyone. Only a court order "
                "could oblige us to hand over what we still keep; that is one more reason we "
                "keep little and delete it early."))


def answer_delete_request(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    reply.say(_("Do you want me to delete this whole conversation and everything you told me? "
                "This cannot be undone."),
              buttons=[{"title": _("Yes, delete everything"), "payload": "/affirm"},
                       {"title": _("No, keep it"), "payload": "/deny"}])
    ctx.set("awaiting", "delete_confirm")


def erase_now(ctx: Context, reply: Reply) -> None:
    """Erase the conversation: the tracker store drops it when it sees `erase_requested`."""
    _ = ctx._
    handoff.erase_sender(kb.engine(), ctx.tracker.sender_id)
    reply.say(_("Done: this conversation and everything you told me have been deleted. If you "
                "write again, we start from zero."))
    ctx.set("erase_requested", True)


def answer_handoff(ctx: Context, reply: Reply) -> None:
    """Record the request for a person and say honestly who can answer now.

    No caseworker reads this chat yet, so the bot promises no message here: it gives the
    numbers and services of the person's country that answer people now.
    """
    _ = ctx._
    handoff.request_handoff(kb.engine(), ctx.tracker.sender_id, ctx.lang, ctx.country,
                            ctx.slot("pending_intent") or ctx.intent,
                            retention_days=get_settings().retention_days)
    reply.say(_("Our team cannot write to you in this chat yet, so I will not promise you a "
                "reply here. These people answer now:"))
    lines = _who_answers_now(ctx)
    if lines:
        reply.say("\n".join(lines))
    else:
        reply.say(_("Tell me which country you are in and I will give you the organisations "
                    "there that answer people like you, whatever your papers."))
        ctx.set("awaiting", "country")
        ctx.set("pending_intent", "request_human")
        return
    reply.say(_("If you are in danger, do not wait: call the emergency number."))
    ctx.set("awaiting", None)


def _who_answers_now(ctx: Context) -> list[str]:
    """Hotlines and legal-aid services of the person's country, most specific first."""
    if not ctx.country:
        return []
    from actions.safety import hotline_line
    from actions.services import contact_lines
    from knowledge.api import hotlines, search_services

    with kb.session() as s:
        lines = [hotline_line(ctx, h) for h in hotlines(s, ctx.country)
                 if h.purpose in ("emergency", "trafficking", "violence", "child_protection")]
        found = search_services(s, country=ctx.country, category="legal_aid", per_page=3)
        for service in found.items:
            contact = contact_lines(ctx, service)
            if contact:
                lines.append(f"📍 {service.name}" + (f" — {service.city}" if service.city else ""))
                lines.extend(contact)
    return lines
