"""A stand-in for Rasa at its HTTP boundary (REST channel, tracker, execute), for gateway tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LONG_PAYLOAD = '/inform{"country": "MX", "nationality": "VE", "situation": "pregnant"}'


@dataclass
class FakeRasa:
    """Behaves like Rasa's REST channel: answers "echo: <text>", "buttons" gets buttons.

    `mode`: "ok", "error" (HTTP 500) or "empty" (200 with [] as when the action server is
    down: the user turn and the failed custom action stay in the tracker, as Rasa keeps them).
    Every request body is recorded in `received`; `events` is each sender's tracker, served
    with `/conversations/{id}/execute` as Rasa's HTTP API does. `extra` replies are appended
    to every answer (custom payloads the actions add).
    """

    mode: str = "ok"
    received: list[dict[str, Any]] = field(default_factory=list)
    params: list[dict[str, str]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    extra: list[dict[str, Any]] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.events.get(sender, []) if e["event"] == "user"]

    def app(self) -> Starlette:
        async def tracker(request: Request) -> Response:
            sender = request.path_params["sender"]
            return JSONResponse({"sender_id": sender, "events": self.events.get(sender, [])})

        async def execute(request: Request) -> Response:
            sender = request.path_params["sender"]
            name = (await request.json())["name"]
            self.executed.append(name)
            events = self.events.setdefault(sender, [])
            events.append({"event": "action", "name": name})
            if name == "action_listen":
                return JSONResponse({"tracker": {}, "messages": []})
            if self.mode != "ok":
                return JSONResponse({"tracker": {}, "messages": []})
            text = [e["text"] for e in events if e["event"] == "user"][-1]
            answer = {"recipient_id": sender, "text": f"echo: {text}"}
            events.append({"event": "bot", "text": answer["text"]})
            return JSONResponse({"tracker": {}, "messages": [answer, *self.extra]})

        async def webhook(request: Request) -> Response:
            body = await request.json()
            self.params.append(dict(request.query_params))
            self.received.append(body)
            if self.mode == "error":
                return JSONResponse({"error": "boom"}, status_code=500)
            events = self.events.setdefault(body["sender"], [])
            events.append({"event": "user", "text": body["message"]})
            events.append({"event": "action", "name": "action_answer_topic"})
            if self.mode == "empty":  # Rasa logs no action_listen after a failed action
                return JSONResponse([])
            events.append({"event": "bot", "text": "answer"})
            return JSONResponse([*self.answer(body), *self.extra])

        async def channel_health(request: Request) -> Response:
            return JSONResponse({"status": "ok"})

        return Starlette(routes=[
            Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
            Route("/webhooks/rest/", channel_health, methods=["GET"]),
            Route("/conversations/{sender}/tracker", tracker, methods=["GET"]),
            Route("/conversations/{sender}/execute", execute, methods=["POST"]),
        ])

    @staticmethod
    def answer(body: dict[str, Any]) -> list[dict[str, Any]]:
        sender, text = body["sender"], body["message"]
        if text == "buttons":
            return [{
                "recipient_id": sender,
                "text": "Choose one",
                "buttons": [
                    {"title": "Health", "payload": "/ask_health"},
                    {"title": "School", "payload": "/ask_education"},
                    {"title": "Spanish", "payload": '/choose_language{"language": "es"}'},
                ],
            }]
        if text == "longbutton":
            return [{"recipient_id": sender, "text": "Tell me more",
                     "buttons": [{"title": "Pregnant, from VE, in MX",
                                  "payload": LONG_PAYLOAD}]}]
        if text == "long":
            return [{"recipient_id": sender, "text": "x" * 5000}]
        return [{"recipient_id": sender, "text": f"echo: {text}"}]

    def texts(self) -> list[str]:
        return [r["message"] for r in self.received]
