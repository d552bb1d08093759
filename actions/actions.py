"""The custom actions Rasa calls, one per rule in `bot/data/rules.yml`.

Every action first checks the message for danger (intent or per-language lexicon): a cry for
help gets emergency numbers before anything else, even when the NLU model misread it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, privacy, rights, safety, services
from actions.context import Context
from actions.replies import Reply

Answer = Callable[[Context, Reply], None]


class HelplineAction(Action):
    """Base: build the context, put safety first, answer, send, return slot events."""

    action_name: ClassVar[str] = ""
    answer: ClassVar[Answer]
    # Domain answers still follow the emergency numbers; small talk does not.
    answers_after_danger: ClassVar[bool] = True

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        ctx = Context.from_tracker(tracker)
        reply = Reply()
        await asyncio.to_thread(self.respond, ctx, reply)
        reply.send(dispatcher)
        return ctx.events

    def respond(self, ctx: Context, reply: Reply) -> None:
        kind = safety.danger_kind(ctx)
        if kind is None:
            type(self).answer(ctx, reply)
            return
        safety.answer_danger(ctx, reply, kind)
        if ctx.country and self.answers_after_danger and ctx.intent not in safety.DANGER_INTENTS:
            awaiting = ctx.slot("awaiting")
            type(self).answer(ctx, reply)
            ctx.set("awaiting", awaiting)


def _ignore(ctx: Context, reply: Reply) -> None:
    """Safety intents are answered entirely by `answer_danger` in the base class."""


class ActionSafety(HelplineAction):
    action_name = "action_safety"
    answer = _ignore


class ActionAnswerTopic(HelplineAction):
    action_name = "action_answer_topic"
    answer = rights.answer_rights


class ActionConsularHelp(HelplineAction):
    action_name = "action_consular_help"
    answer = services.answer_consular


class ActionFindService(HelplineAction):
    action_name = "action_find_service"
    answer = services.answer_find_service


class ActionPrivacy(HelplineAction):
    action_name = "action_privacy"
    answer = privacy.answer_privacy


class ActionDeleteMyData(HelplineAction):
    action_name = "action_delete_my_data"
    answer = privacy.answer_delete_request
    answers_after_danger = False


class ActionRequestHuman(HelplineAction):
    action_name = "action_request_human"
    answer = privacy.answer_handoff


class ActionChooseLanguage(HelplineAction):
    action_name = "action_choose_language"
    answer = conversation.answer_choose_language
    answers_after_danger = False


class ActionInform(HelplineAction):
    action_name = "action_inform"
    answer = conversation.answer_inform
    answers_after_danger = False


class ActionGreet(HelplineAction):
    action_name = "action_greet"
    answer = conversation.answer_greet
    answers_after_danger = False


class ActionGoodbye(HelplineAction):
    action_name = "action_goodbye"
    answer = conversation.answer_goodbye
    answers_after_danger = False


class ActionThank(HelplineAction):
    action_name = "action_thank"
    answer = conversation.answer_thank
    answers_after_danger = False


class ActionAffirm(HelplineAction):
    action_name = "action_affirm"
    answer = conversation.answer_affirm
    answers_after_danger = False


class ActionDeny(HelplineAction):
    action_name = "action_deny"
    answer = conversation.answer_deny
    answers_after_danger = False


class ActionBotChallenge(HelplineAction):
    action_name = "action_bot_challenge"
    answer = conversation.answer_bot_challenge
    answers_after_danger = False


class ActionHelp(HelplineAction):
    action_name = "action_help"
    answer = conversation.answer_help
    answers_after_danger = False


class ActionMenu(HelplineAction):
    action_name = "action_menu"
    answer = conversation.answer_menu
    answers_after_danger = False
