"""The custom actions Rasa calls, one per rule in `bot/data/rules.yml`.

Every action first checks the message for danger (intent or per-language lexicon): a cry for
help gets emergency numbers before anything else, even when the NLU model misread it.
"""

from __future__ import annotations

import asyncio
from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, danger_mode, privacy, rights, safety, services, slots
from actions.context import Context
from actions.replies import Reply
from helpline.contracts import helpline_payload


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
        # A person waiting for someone from the team who now shows danger goes to the top of
        # the inbox.
        privacy.mark_danger(ctx, shown)
        if ctx.country and self.answers_after_danger and ctx.intent not in safety.DANGER_INTENTS:
            awaiting = ctx.slot("awaiting")
            self.answer(ctx, reply)
            ctx.set("awaiting", awaiting)


# One class per rule in bot/data/rules.yml. `answers_after_danger`: whether the action's own
# answer still follows the emergency numbers when the message shows danger.


class ActionSafety(HelplineAction):
    """Emergency, trafficking and violence: answered entirely by the danger answer above."""

    action_name = "action_safety"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        """Nothing more: `respond` gave the numbers and what to do."""


class ActionAnswerTopic(HelplineAction):
    """A rights question (health, school, papers, asylum, work, social security, detention)."""

    action_name = "action_answer_topic"
    answers_after_danger = True

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        rights.answer_rights(ctx, reply)


class ActionConsularHelp(HelplineAction):
    """The person's consulate in their country, their city's first."""

    action_name = "action_consular_help"
    answers_after_danger = True

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        services.answer_consular(ctx, reply)


class ActionFindService(HelplineAction):
    """Places that help, nearest first."""

    action_name = "action_find_service"
    answers_after_danger = True

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        services.answer_find_service(ctx, reply)


class ActionPrivacy(HelplineAction):
    """What the helpline keeps and who carries the messages."""

    action_name = "action_privacy"
    answers_after_danger = True

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        privacy.answer_privacy(ctx, reply)


class ActionRequestHuman(HelplineAction):
    """A person asked for: the request recorded, who answers now."""

    action_name = "action_request_human"
    answers_after_danger = True

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        privacy.answer_handoff(ctx, reply)


class ActionDeleteMyData(HelplineAction):
    """Erasure asked for: confirm before deleting."""

    action_name = "action_delete_my_data"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        privacy.answer_delete_request(ctx, reply)


class ActionChooseLanguage(HelplineAction):
    """A change of language."""

    action_name = "action_choose_language"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_choose_language(ctx, reply)


class ActionInform(HelplineAction):
    """A fact about the person, resuming the question on hold."""

    action_name = "action_inform"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_inform(ctx, reply)


class ActionGreet(HelplineAction):
    """Hello."""

    action_name = "action_greet"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_greet(ctx, reply)


class ActionGoodbye(HelplineAction):
    """Goodbye (it also ends danger mode)."""

    action_name = "action_goodbye"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_goodbye(ctx, reply)


class ActionThank(HelplineAction):
    """Thanks."""

    action_name = "action_thank"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_thank(ctx, reply)


class ActionAffirm(HelplineAction):
    """Yes to the bot's own question."""

    action_name = "action_affirm"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_affirm(ctx, reply)


class ActionDeny(HelplineAction):
    """No to the bot's own question."""

    action_name = "action_deny"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_deny(ctx, reply)


class ActionBotChallenge(HelplineAction):
    """Is this a person?"""

    action_name = "action_bot_challenge"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_bot_challenge(ctx, reply)


class ActionHelp(HelplineAction):
    """What the helpline can answer."""

    action_name = "action_help"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_help(ctx, reply)


class ActionMenu(HelplineAction):
    """Not understood: a follow-up within the topic, or the menu."""

    action_name = "action_menu"

    @staticmethod
    def answer(ctx: Context, reply: Reply) -> None:
        conversation.answer_menu(ctx, reply)
