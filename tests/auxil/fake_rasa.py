"""A stand-in for Rasa at its HTTP boundary (REST channel, tracker, execute, appended events),
for gateway tests."""

from __future__ import annotations

import time
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
    with `/conversations/{id}/execute` as Rasa's HTTP API does; every event carries a
    `timestamp`, as Rasa's do. `POST /conversations/{id}/tracker/events` appends events (one or
    a list) as Rasa does, each also kept in `appended` with the query parameters in
    `append_params`; `tracker_down` makes the tracker routes answer 500. `extra` replies are
    appended to every answer (custom payloads the actions add).
    """

    mode: str = "ok"
    received: list[dict[str, Any]] = field(default_factory=list)
    params: list[dict[str, str]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    extra: list[dict[str, Any]] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    appended: list[dict[str, Any]] = field(default_factory=list)
    append_params: list[dict[str, str]] = field(default_factory=list)
    tracker_down: bool = False

    def user_texts(self, sender: str) -> list[str]:
        return [e["text"] for e in self.events.get(sender, []) if e["event"] == "user"]

    def log(self, sender: str, **event: Any) -> None:
        """Add an event to a sender's tracker, stamped now."""
        self.events.setdefault(sender, []).append({**event, "timestamp": time.time()})

    def app(self) -> Starlette:
        async def tracker(request: Request) -> Response:
            sender = request.path_params["sender"]
            if self.tracker_down:
                return JSONResponse({"status": "failure", "code": 500}, status_code=500)
            return JSONResponse({"sender_id": sender, "events": self.events.get(sender, [])})

        async def append(request: Request) -> Response:
            sender = request.path_params["sender"]
            if self.tracker_down:
                return JSONResponse({"status": "failure", "code": 500}, status_code=500)
            body = await request.json()
            self.append_params.append(dict(request.query_params))
            for event in body if isinstance(body, list) else [body]:
                self.appended.append(event)
                self.events.setdefault(sender, []).append(event)
            return JSONResponse({"sender_id": sender, "slots": {}, "latest_message": {},
                                 "events": None, "paused": False, "latest_action_name": None})

        async def execute(request: Request) -> Response:
            sender = request.path_params["sender"]
            name = (await request.json())["name"]
            self.executed.append(name)
            events = self.events.setdefault(sender, [])
            self.log(sender, event="action", name=name)
            if name == "action_listen":
                return JSONResponse({"tracker": {}, "messages": []})
            if self.mode != "ok":
                return JSONResponse({"tracker": {}, "messages": []})
            text = [e["text"] for e in events if e["event"] == "user"][-1]
            answer = {"recipient_id": sender, "text": f"echo: {text}"}
            self.log(sender, event="bot", text=answer["text"])
            return JSONResponse({"tracker": {}, "messages": [answer, *self.extra]})

        async def webhook(request: Request) -> Response:
            body = await request.json()
            self.params.append(dict(request.query_params))
            self.received.append(body)
            if self.mode == "error":
                return JSONResponse({"error": "boom"}, status_code=500)
            sender = body["sender"]
            self.log(sender, event="user", text=body["message"])
            self.log(sender, event="action", name="action_answer_topic")
            if self.mode == "empty":  # Rasa logs no action_listen after a failed action
                return JSONResponse([])
            answers = self.answer(body)
            for answer in [*answers, *self.extra]:  # a custom payload is a bot event too
                self.log(sender, event="bot", text=answer.get("text"),
                         data={"custom": answer.get("custom")})
            return JSONResponse([*answers, *self.extra])

        async def channel_health(request: Request) -> Response:
            return JSONResponse({"status": "ok"})

        return Starlette(routes=[
            Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
            Route("/webhooks/rest/", channel_health, methods=["GET"]),
            Route("/conversations/{sender}/tracker", tracker, methods=["GET"]),
            Route("/conversations/{sender}/tracker/events", append, methods=["POST"]),
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
