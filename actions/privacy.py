"""Privacy answers, erasure on request, and the hand-off to a human."""

from __future__ import annotations

import datetime as dt
import logging

from actions import kb
from actions.context import Context
from actions.replies import Reply
from helpline import handoff
from helpline.handoff import hours as hours_module
from helpline.handoff.hours import OpeningHours, zone_label
from helpline.settings import get_settings

log = logging.getLogger(__name__)
#: The channels the gateway carries (`channels/`): where a caseworker's reply can go.
GATEWAY_CHANNELS = frozenset({"telegram", "whatsapp", "webchat"})


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
    """Record the request for a person and say truthfully when one will answer.

    Without opening hours (`HANDOFF_OPENING_HOURS` unset) nobody reads the inbox, so the bot
    promises no message here. Inside the hours a person will answer in this chat; outside them
    the bot says when the team reads messages and when the next opening is, in the person's
    language (and their country's time zone when it has only one). Either way it gives the
    numbers and services of the person's country that answer now. The promise is made only
    once the request is recorded.
    """
    _ = ctx._
    recorded = _record_request(ctx)
    hours = opening_hours() if recorded else None
    now = clock()
    if hours is None:
        reply.say(_("Our team cannot write to you in this chat yet, so I will not promise you a "
                    "reply here. These people answer now:"))
    else:
        described, zone = hours.describe(ctx.lang), zone_label(hours.zone, ctx.lang, now)
        if hours.is_open(now):
            reply.say(_("I have asked a person from our team to answer you here; they usually "
                        "answer within the opening hours ({hours}, {zone}).")
                      .format(hours=described, zone=zone))
        else:
            reply.say(_("Our team reads messages {hours} ({zone}); a person will answer you "
                        "here from {when}.")
                      .format(hours=described, zone=zone,
                              when=_next_opening_text(ctx, hours, now)))
        reply.say(_("While you wait, you can keep writing to me: I will go on answering."))
    lines = _who_answers_now(ctx)
    if lines:
        if hours is not None:
            reply.say(_("Meanwhile, these people answer now:"))
        reply.say("\n".join(lines))
    else:
        reply.say(_("Tell me which country you are in and I will give you the organisations "
                    "there that answer people like you, whatever your papers."))
        ctx.set("awaiting", "country")
        ctx.set("pending_intent", "request_human")
        return
    reply.say(_("If you are in danger, do not wait: call the emergency number."))
    ctx.set("awaiting", None)


def clock() -> dt.datetime:
    """Now, timezone-aware (tests set it)."""
    return dt.datetime.now(dt.UTC)


def opening_hours() -> OpeningHours | None:
    """The team's opening hours from the settings, or None when unset. The settings check
    them at start-up; a value that still does not parse here means no promise."""
    settings = get_settings()
    try:
        return hours_module.load(settings.handoff_opening_hours, settings.handoff_timezone)
    except hours_module.OpeningHoursError as exc:
        log.error("opening hours unusable, promising no person: %s", exc)
        return None


def _next_opening_text(ctx: Context, hours: OpeningHours, now: dt.datetime) -> str:
    """The next opening in the person's language: in their country's time zone, named, when
    the country has one zone that differs from the team's; else in the team's."""
    moment = hours.next_opening(now)
    theirs = hours_module.country_zone(ctx.country)
    if theirs is not None and theirs.utcoffset(moment) != moment.utcoffset():
        there = moment.astimezone(theirs)
        return (f"{hours_module.format_moment(there, ctx.lang)} "
                f"({zone_label(theirs, ctx.lang, there)})")
    return hours_module.format_moment(moment, ctx.lang)


def conversation_danger(ctx: Context) -> str | None:
    """The kind of danger this conversation showed (its latest), even once danger mode has
    ended: from this run's slot events, else the tracker's."""
    from actions.danger_mode import FOLLOW_UP_DOMAINS

    for event in [*reversed(ctx.events), *reversed(ctx.tracker.events)]:
        if (event.get("event") == "slot" and event.get("name") == "danger"
                and event.get("value") in FOLLOW_UP_DOMAINS):
            return str(event["value"])
    value = ctx.tracker.get_slot("danger")
    return str(value) if value in FOLLOW_UP_DOMAINS else None


def channel_of(ctx: Context) -> str | None:
    """The gateway channel the person writes on: the message metadata's `channel` if the
    gateway sends one, else the input channel Rasa recorded (the gateway posts it as
    `input_channel`). Anything else (Rasa's own `rest`, a shell) is None."""
    named = ctx.metadata.get("channel")
    if isinstance(named, str) and named in GATEWAY_CHANNELS:
        return named
    latest = ctx.tracker.get_latest_input_channel()
    return latest if latest in GATEWAY_CHANNELS else None


def _record_request(ctx: Context) -> bool:
    """Queue the conversation for a person; False (and logged) when the queue is down."""
    try:
        handoff.request_handoff(kb.engine(), ctx.tracker.sender_id, ctx.lang, ctx.country,
                                ctx.slot("pending_intent") or ctx.intent,
                                retention_days=get_settings().retention_days,
                                danger=conversation_danger(ctx), channel=channel_of(ctx))
    except Exception:
        log.exception("hand-off request not recorded")
        return False
    return True


def mark_danger(ctx: Context, kind: str) -> None:
    """A danger message while the person waits for a person: their open request is marked
    (it moves to the top of the inbox). Never raises: the danger answer comes first."""
    try:
        handoff.mark_danger(kb.engine(), ctx.tracker.sender_id, kind)
    except Exception:
        log.exception("open hand-off request not marked with the danger")


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
