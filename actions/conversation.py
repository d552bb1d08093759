"""Small talk, the topic menu, language changes, profile facts, and yes/no answers.

`inform` also resumes the question the bot was waiting to answer (e.g. the user asked about
health, the bot asked for the country, the user named it: the health answer follows at once).
"""

from __future__ import annotations

from typing import Any

from actions.context import Context
from actions.follow_up import answer_follow_up
from actions.privacy import answer_handoff, erase_now
from actions.replies import Reply, country_label
from actions.rights import TOPIC_DOMAINS, answer_rights
from actions.safety import answer_danger
from actions.services import answer_consular, answer_find_service
from helpline.i18n import LANGUAGES, N_

MENU = (
    (N_("Health"), "/ask_health"),
    (N_("School"), "/ask_education"),
    (N_("Papers"), "/ask_legal_status"),
    (N_("Work"), "/ask_work_rights"),
    (N_("Consulate"), "/ask_consular_help"),
    (N_("Find a service"), "/find_service"),
    (N_("Talk to a person"), "/request_human"),
)
LANGUAGE_NAMES = {"es": "Español", "en": "English", "pt": "Português", "fr": "Français",
                  "ht": "Kreyòl ayisyen"}


def menu_buttons(ctx: Context) -> list[dict[str, str]]:
    return [{"title": ctx._(title), "payload": payload} for title, payload in MENU]


def topics_line(ctx: Context) -> str:
    return ctx._("I can tell you about health care, school, papers and asylum, work and social "
                 "security, your consulate, what to do if you are detained, and services near "
                 "you. If you are in danger, I give you emergency numbers at once.")


def answer_greet(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    reply.say(_("Hello! I am the migrant helpline's assistant. I answer questions about your "
                "rights and the services that can help you, whatever your migration status. I "
                "never ask for your name or documents."))
    if ctx.country:
        reply.say(_("What would you like to know?"), buttons=menu_buttons(ctx))
    else:
        reply.say(_("Which country are you in now? I ask only so I can tell you the rules and "
                    "services that apply there."))
        ctx.set("awaiting", "country")


def answer_help(ctx: Context, reply: Reply) -> None:
    reply.say(topics_line(ctx), buttons=menu_buttons(ctx))


def answer_menu(ctx: Context, reply: Reply) -> None:
    """Not understood: within a topic it is a follow-up (answered, or who can answer it);
    only with no topic yet does the menu come back."""
    _ = ctx._
    topic = ctx.slot("topic")
    if topic and ctx.country:
        answer_follow_up(ctx, reply, str(topic))
        return
    reply.say(_("Sorry, I did not understand. Choose a topic or write your question in other "
                "words:"), buttons=menu_buttons(ctx))


def answer_goodbye(ctx: Context, reply: Reply) -> None:
    reply.say(ctx._("Take care. Write to me whenever you need; I am here day and night."))


def answer_thank(ctx: Context, reply: Reply) -> None:
    reply.say(ctx._("You are welcome. Is there anything else I can help you with?"))


def answer_bot_challenge(ctx: Context, reply: Reply) -> None:
    reply.say(ctx._("I am an automated assistant, not a person. You can ask to talk to a person "
                    "from our team at any time."))


def answer_choose_language(ctx: Context, reply: Reply) -> None:
    explicit = [e for e in (ctx.tracker.latest_message or {}).get("entities") or []
                if e.get("entity") == "language" and e.get("value") in LANGUAGES]
    if explicit:
        reply.say(ctx._("All right, I will write in {language}.")
                  .format(language=LANGUAGE_NAMES[ctx.lang]))
        return
    reply.say(ctx._("Which language do you prefer?"),
              buttons=[{"title": name, "payload": f'/choose_language{{"language":"{code}"}}'}
                       for code, name in LANGUAGE_NAMES.items()])


def _awaiting(ctx: Context) -> set[str]:
    return set(filter(None, str(ctx.slot("awaiting") or "").split(",")))


def _value_before_this_message(ctx: Context, name: str) -> Any:
    """A slot's value as it was before the latest user message filled slots."""
    value = None
    events = list(ctx.tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == name:
            value = event.get("value")
    return value


def resume(ctx: Context, reply: Reply, pending: str) -> bool:
    """Answer the question the bot put on hold; False if there was nothing to resume."""
    if pending.startswith("danger:"):
        answer_danger(ctx, reply, pending.split(":", 1)[1])
        return True
    if pending in TOPIC_DOMAINS or pending == "ask_remittances":
        answer_rights(ctx, reply, intent=pending)
        return True
    if pending == "ask_consular_help":
        answer_consular(ctx, reply)
        return True
    if pending == "find_service":
        answer_find_service(ctx, reply)
        return True
    if pending == "request_human":
        answer_handoff(ctx, reply)
        return True
    return False


def answer_inform(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    entities = {e.get("entity"): e.get("value")
                for e in (ctx.tracker.latest_message or {}).get("entities") or []}
    waiting = _awaiting(ctx)
    if "nationality" in waiting and entities.get("country") and not entities.get("nationality"):
        # A bare country name answering "which country are you a citizen of?".
        ctx.set("nationality", entities["country"])
        ctx.set("country", _value_before_this_message(ctx, "country"))
        entities["nationality"] = entities.pop("country")
    understood = []
    if entities.get("country"):
        understood.append(_("you are in {country}").format(
            country=country_label(entities["country"], ctx.lang)))
    if entities.get("nationality"):
        understood.append(_("you are from {country}").format(
            country=country_label(entities["nationality"], ctx.lang)))
    if entities.get("migration_status") == "unknown":
        reply.say(_("No problem, you do not have to tell me your migration status."))
    elif entities.get("migration_status") or entities.get("situation"):
        understood.append(_("I will take your situation into account"))
    if understood:
        reply.say(_("Understood: {facts}.").format(facts="; ".join(understood)))
    pending = ctx.slot("pending_intent")
    if pending and ctx.country and resume(ctx, reply, str(pending)):
        return
    topic = ctx.slot("topic")
    if topic and ctx.country and "country" not in waiting:
        # A detail added to the topic under discussion: answer it again with the detail, or
        # (a plain statement with nothing new) take it as a follow-up.
        if not (understood or entities) or not resume(ctx, reply, str(topic)):
            answer_follow_up(ctx, reply, str(topic))
        return
    if not understood and not entities:
        if "country" in waiting:
            reply.say(_("I did not recognise the country. Could you write its name?"))
        else:
            reply.say(_("What would you like to know?"), buttons=menu_buttons(ctx))
        return
    ctx.set("awaiting", None)
    reply.say(_("What would you like to know?"), buttons=menu_buttons(ctx))


def answer_affirm(ctx: Context, reply: Reply) -> None:
    waiting = _awaiting(ctx)
    if "delete_confirm" in waiting:
        erase_now(ctx, reply)
    elif "human_offer" in waiting:
        answer_handoff(ctx, reply)
    else:
        reply.say(ctx._("What would you like to know?"), buttons=menu_buttons(ctx))


def answer_deny(ctx: Context, reply: Reply) -> None:
    _ = ctx._
    waiting = _awaiting(ctx)
    if "delete_confirm" in waiting:
        reply.say(_("All right, nothing was deleted."))
        ctx.set("awaiting", None)
    elif "human_offer" in waiting:
        reply.say(_("All right. I am here if you need anything else."))
        ctx.set("awaiting", "country" if "country" in waiting else None)
    else:
        reply.say(_("All right. What would you like to know?"), buttons=menu_buttons(ctx))
