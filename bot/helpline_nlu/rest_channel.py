"""Rasa's REST channel, except that a turn which fails answers HTTP 500.

Rasa's own `RestInput` catches every error of a turn and answers 200 with whatever the bot had
said by then: after a tracker store failure (`strict_store`) the gateway would deliver that
answer and drop the message, while the conversation never recorded the turn. Here the gateway
sees the failure, keeps the message queued and retries it. Same path (`/webhooks/rest/webhook`),
same request and answer; `credentials.yml` names this class instead of `rest`.
"""

import logging
from asyncio import CancelledError
from typing import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


class HelplineRestInput(RestInput):
    """`RestInput` whose failed turns answer 500 (and which has no streaming mode)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender_id,
                                  input_channel=self._extract_input_channel(request),
                                  metadata=self.get_metadata(request))
            try:
                await on_new_message(message)
            except CancelledError:
                logger.error("a turn timed out; answered 503 so the gateway retries it")
                return response.json({"error": "turn_timed_out"}, status=503)
            except Exception as error:
                logger.error("a turn failed (%s); answered 500 so the gateway retries it",
                             type(error).__name__)
                logger.debug("turn failure", exc_info=True)
                return response.json({"error": "turn_failed"}, status=500)
            return response.json(collector.messages)

        return webhook
