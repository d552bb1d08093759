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
    reply.say(_("Who sees it: only this helpline's team, and only to help you. Nothing is given to "
                "immigration, the police or any other authority, and nothing goes to any third "
                "party."))


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
    _ = ctx._
    handoff.request_handoff(kb.engine(), ctx.tracker.sender_id, ctx.lang, ctx.country,
                            ctx.slot("pending_intent") or ctx.intent,
                            retention_days=get_settings().retention_days)
    reply.say(_("I have asked a person from our team to answer you here. They will write in this "
                "same chat as soon as they can; you do not need to do anything else."))
    reply.say(_("If you are in danger, do not wait: call the emergency number."))
    ctx.set("awaiting", None)
