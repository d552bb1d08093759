"""Local stand-ins for the two external APIs, at their HTTP boundary: a Telegram Bot API
server and a Twilio REST API server, each recording every call it receives."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Helpline",
            "username": "helpline_test_bot"}


async def _params(request: Request) -> dict[str, Any]:
    kind = request.headers.get("content-type", "")
    if kind.startswith("application/json"):
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.form()
    out: dict[str, Any] = {}
    for key, value in form.multi_items():
        text = str(value)
        try:
            out[key] = json.loads(text) if text[:1] in "[{" else text
        except ValueError:
            out[key] = text
    return out


@dataclass
class FakeBotApi:
    """Records Bot API calls as (method, params); serves queued updates to getUpdates."""

    token: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: Seconds each send takes, as a slow Bot API would (replies must still arrive in order).
    latency: float = 0.0
    updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def app(self) -> Starlette:
        async def method(request: Request) -> Response:
            if request.path_params["token"] != self.token:
                return JSONResponse({"ok": False, "error_code": 401,
                                     "description": "Unauthorized"}, status_code=401)
            name = request.path_params["method"]
            params = await _params(request)
            if name != "getUpdates":
                if self.latency and name.startswith("send"):
                    await asyncio.sleep(self.latency)
                self.calls.append((name, params))
            return JSONResponse({"ok": True, "result": await self._result(name, params)})

        return Starlette(routes=[Route("/bot{token}/{method}", method, methods=["GET", "POST"])])

    async def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "sendPhoto"):
            message: dict[str, Any] = {
                "message_id": next(self._ids), "from": BOT_USER, "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            if name == "sendMessage":
                message["text"] = params.get("text", "")
            else:
                message["photo"] = [{"file_id": "AgACAgQ", "file_unique_id": "AQAD",
                                     "width": 320, "height": 240}]
            return message
        if name == "getUpdates":
            if self.updates:
                out, self.updates = self.updates, []
                return out
            await asyncio.sleep(0.2)
            return []
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]


@dataclass
class FakeTwilio:
    """Records Messages.json creations (form fields) and the account they were made for."""

    account_sid: str
    auth_token: str
    messages: list[dict[str, str]] = field(default_factory=list)
    unauthorised: int = 0
    latency: float = 0.0

    def app(self) -> Starlette:
        async def create(request: Request) -> Response:
            import base64

            expected = "Basic " + base64.b64encode(
                f"{self.account_sid}:{self.auth_token}".encode()).decode()
            if request.headers.get("authorization") != expected or (
                    request.path_params["sid"] != self.account_sid):
                self.unauthorised += 1
                return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401},
                                    status_code=401)
            form = await request.form()
            fields = {k: str(v) for k, v in form.multi_items()}
            if self.latency:
                await asyncio.sleep(self.latency)
            self.messages.append(fields)
            sid = "SM" + uuid.uuid4().hex
            return JSONResponse({
                "sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
                "body": fields.get("Body", ""), "from": fields.get("From"),
                "to": fields.get("To"), "status": "queued", "direction": "outbound-api",
                "num_media": "0", "num_segments": "1", "price": None, "error_code": None,
                "date_created": "Thu, 20 Jun 2024 16:00:00 +0000",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            }, status_code=201)

        return Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", create, methods=["POST"]),
        ])

    def bodies(self) -> list[str]:
        return [m.get("Body", "") for m in self.messages]
