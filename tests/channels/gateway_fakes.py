"""Real HTTP servers on 127.0.0.1 for the gateway tests: a Rasa REST-channel stand-in, and a
helper that runs any ASGI app (the gateway itself, fake Bot API, fake Twilio) under uvicorn."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpline.settings import Settings

SECRET = "test-sender-secret-0123456789abcdef0123"


LONG_PAYLOAD = '/inform{"country": "MX", "nationality": "VE", "situation": "pregnant"}'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServedApp:
    """An ASGI app served by uvicorn in a thread on a fixed loopback port (restartable)."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ServedApp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        sock.close()  # uvicorn holds its own duplicate of the listening socket
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


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


def wait_for(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; return its value or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def make_settings(tmp_path: Path, rasa_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "helpline_env": "test",
        "rasa_url": rasa_url,
        "sender_id_secret": SECRET,
        "gateway_database_url": f"sqlite:///{tmp_path / 'gateway.db'}",
        "database_url": f"sqlite:///{tmp_path / 'knowledge.db'}",
        "gateway_retry_seconds": 0.2,
        "rasa_timeout_seconds": 5.0,
        "telegram_bot_token": None,
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        "public_base_url": None,
        "rasa_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
