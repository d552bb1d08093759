"""The custom actions Rasa calls, one per rule in `bot/data/rules.yml`.

Every action first checks the message for danger (intent or per-language lexicon): a cry for
help gets emergency numbers before anything else, even when the NLU model misread it.
"""

from __future__ import annotations

import asyncio
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, danger_mode, privacy, rights, safety, services, slots
from actions.context import Context
from actions.replies import Reply
from helpline.contracts import helpline_payload

Answer = Callable[[Context, Reply], None]


class HelplineAction(Action, metaclass=ABCMeta):
    """Base: build the context, put safety first, answer, send, return slot events."""

    action_name: ClassVar[str] = ""
    # Domain answers still follow the emergency numbers; small talk does not.
    answers_after_danger: ClassVar[bool] = False

    @staticmethod
    @abstractmethod
    def answer(ctx: Context, reply: Reply) -> None:
        """Queue this action's own answer."""

    def name(self) -> str:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        ctx = Context.from_tracker(tracker)
        rejected = slots.reject_invalid(ctx)
        reply = Reply()
        await asyncio.to_thread(self.respond, ctx, reply, rejected)
        reply.send(dispatcher)
        erased = any(e.get("event") == "slot" and e.get("name") == "erase_requested"
                     and e.get("value") is True for e in ctx.events)
        dispatcher.utter_message(json_message=helpline_payload(ctx.lang, ctx.country, erased))
        return ctx.events

    def respond(self, ctx: Context, reply: Reply, rejected: list[str] | None = None) -> None:
        kind = safety.danger_kind(ctx)
        ongoing = danger_mode.active(ctx)
        if kind is not None and ongoing is not None and ctx.intent not in safety.DANGER_INTENTS:
            # Danger words inside a question asked in danger mode ("if I call the police will
            # they deport me?"): a follow-up to answer head-on, not a new alarm.
            kind = None
        if kind is None:
            if rejected:  # a value this message gave that no answer can use
                slots.refuse(ctx, reply, rejected)
                return
            if ongoing is None:
                self.answer(ctx, reply)
                return
            # Danger mode: the numbers stay in front; no menu, no small talk.
            if line := danger_mode.numbers_line(ctx, ongoing):
                reply.say(line)
            if danger_mode.should_take_over(ctx, self.action_name):
                danger_mode.answer_follow_up(ctx, reply, ongoing)
            else:
                self.answer(ctx, reply)
            return
        shown = danger_mode.start(ctx, kind)
        safety.answer_danger(ctx, reply, kind, also=shown)
        if ctx.country and self.answers_after_danger and ctx.intent not in safety.DANGER_INTENTS:
            awaiting = ctx.slot("awaiting")
            self.answer(ctx, reply)
            ctx.set("awaiting", awaiting)


def _ignore(ctx: Context, reply: Reply) -> None:
    """Safety intents are answered entirely by `answer_danger` in the base class."""


def _action(name: str, answer: Answer, answers_after_danger: bool = False
            ) -> type[HelplineAction]:
    class_name = "".join(part.title() for part in name.split("_"))
    return type(class_name, (HelplineAction,), {
        "action_name": name, "answer": staticmethod(answer),
        "answers_after_danger": answers_after_danger, "__module__": __name__,
    })


# name, answer, and whether a domain answer still follows emergency numbers
ActionSafety = _action("action_safety", _ignore)
ActionAnswerTopic = _action("action_answer_topic", rights.answer_rights, True)
ActionConsularHelp = _action("action_consular_help", services.answer_consular, True)
ActionFindService = _action("action_find_service", services.answer_find_service, True)
ActionPrivacy = _action("action_privacy", privacy.answer_privacy, True)
ActionRequestHuman = _action("action_request_human", privacy.answer_handoff, True)
ActionDeleteMyData = _action("action_delete_my_data", privacy.answer_delete_request)
ActionChooseLanguage = _action("action_choose_language", conversation.answer_choose_language)
ActionInform = _action("action_inform", conversation.answer_inform)
ActionGreet = _action("action_greet", conversation.answer_greet)
ActionGoodbye = _action("action_goodbye", conversation.answer_goodbye)
ActionThank = _action("action_thank", conversation.answer_thank)
ActionAffirm = _action("action_affirm", conversation.answer_affirm)
ActionDeny = _action("action_deny", conversation.answer_deny)
ActionBotChallenge = _action("action_bot_challenge", conversation.answer_bot_challenge)
ActionHelp = _action("action_help", conversation.answer_help)
ActionMenu = _action("action_menu", conversation.answer_menu)
