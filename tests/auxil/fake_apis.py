"""Local stand-ins for the two external APIs, at their HTTP boundary: a Telegram Bot API
server and a Twilio REST API server, each recording every call it receives.

They answer as the real APIs do, refusals included: the Bot API's `{"ok": false, "error_code",
"description"}` (a message over 4096 UTF-16 code units, an empty one, a chat that blocked the
bot, an unknown `file_id`), `getFile` and the file server at `/file/bot<token>/<file_path>`;
Twilio's error JSON (`code`, `message`, `more_info`, `status`: a body over 1600 characters, a
message with neither body, media nor `ContentSid`, an unknown Content SID), messages made from
an approved template (`ContentSid`), and media URLs of incoming messages that need the
account's credentials and redirect to the file.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Helpline",
            "username": "helpline_test_bot"}
#: What Telegram's file server answers for a file, by extension.
FILE_TYPES = {"oga": "audio/ogg", "ogg": "audio/ogg", "mp3": "audio/mpeg", "jpg": "image/jpeg",
              "png": "image/png", "mp4": "video/mp4", "pdf": "application/pdf"}


def update_ids() -> Iterator[int]:
    """Telegram update ids for a test run: increasing, and not those of a run a moment ago."""
    return iter(range(int(time.time()) % 100_000 * 1000, 10**12))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _bot_error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description},
                        status_code=code)


def _twilio_error(code: int, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "status": status,
                         "more_info": f"https://www.twilio.com/docs/errors/{code}"},
                        status_code=status)


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
    """Records Bot API calls as (method, params); serves queued updates to getUpdates.

    `files` are what `getFile` knows (file_id -> (file_path, bytes)), served by the file server;
    `downloads` counts the files it served. A send to a chat in `blocked` is refused as Telegram
    refuses it (403), and so is a message Telegram would not take (400); refused calls are in
    `refused`, not in `calls`.
    """

    token: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    downloads: int = 0
    blocked: set[int] = field(default_factory=set)
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
            refusal = self._refusal(name, params)
            if refusal is not None:
                self.refused.append((name, params))
                return refusal
            if name != "getUpdates":
                if self.latency and name.startswith("send"):
                    await asyncio.sleep(self.latency)
                self.calls.append((name, params))
            return JSONResponse({"ok": True, "result": await self._result(name, params)})

        async def download(request: Request) -> Response:
            path = request.path_params["path"]
            found = [data for file_path, data in self.files.values() if file_path == path]
            if request.path_params["token"] != self.token or not found:
                return _bot_error(404, "Not Found")
            self.downloads += 1
            kind = FILE_TYPES.get(path.rsplit(".", 1)[-1], "application/octet-stream")
            return Response(found[0], media_type=kind)

        return Starlette(routes=[
            Route("/bot{token}/{method}", method, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
        ])

    def _refusal(self, name: str, params: dict[str, Any]) -> Response | None:
        if name == "getFile" and str(params.get("file_id")) not in self.files:
            return _bot_error(400, "Bad Request: invalid file_id")
        if not name.startswith("send"):
            return None
        if int(params.get("chat_id", 0)) in self.blocked:
            return _bot_error(403, "Forbidden: bot was blocked by the user")
        if name == "sendMessage":
            text = str(params.get("text", ""))
            if not text.strip():
                return _bot_error(400, "Bad Request: message text is empty")
            if _utf16(text) > 4096:
                return _bot_error(400, "Bad Request: message is too long")
        return None

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
        if name == "getFile":
            file_id = str(params["file_id"])
            file_path, data = self.files[file_id]
            return {"file_id": file_id, "file_unique_id": "AgAD" + file_id[-8:],
                    "file_size": len(data), "file_path": file_path}
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
    """Records Messages.json creations (form fields) and the account they were made for.

    `templates` are the approved Content SIDs (sid -> the text WhatsApp shows); `media` the
    files of incoming messages by their media URL's path (as in the webhook's `MediaUrl0`),
    each (bytes, content type): fetched with the account's credentials, answered with a
    redirect to the file, as Twilio does. `media_fetches` counts the files served.
    """

    account_sid: str
    auth_token: str
    messages: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    unauthorised: int = 0
    latency: float = 0.0
    templates: dict[str, str] = field(default_factory=dict)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    media_fetches: int = 0
    _files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def _authorised(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or (
                request.path_params["sid"] != self.account_sid):
            self.unauthorised += 1
            return False
        return True

    def app(self) -> Starlette:
        async def create(request: Request) -> Response:
            if not self._authorised(request):
                return _twilio_error(20003, "Authenticate", 401)
            form = await request.form()
            fields = {k: str(v) for k, v in form.multi_items()}
            if self.latency:
                await asyncio.sleep(self.latency)
            refusal = self._refusal(fields)
            if refusal is not None:
                self.refused.append(fields)
                return refusal
            self.messages.append(fields)
            sid = "SM" + uuid.uuid4().hex
            body = self.templates.get(fields.get("ContentSid", ""), fields.get("Body", ""))
            return JSONResponse({
                "sid": sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
                "body": body, "from": fields.get("From"),
                "to": fields.get("To"), "status": "queued", "direction": "outbound-api",
                "num_media": str(sum(1 for k in fields if k == "MediaUrl")),
                "num_segments": "1", "price": None, "error_code": None,
                "date_created": "Thu, 20 Jun 2024 16:00:00 +0000",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            }, status_code=201)

        async def media(request: Request) -> Response:
            if not self._authorised(request):
                return _twilio_error(20003, "Authenticate", 401)
            found = self.media.get(request.url.path)
            if found is None:
                return _twilio_error(20404, f"The requested resource {request.url.path} was "
                                     "not found", 404)
            key = secrets.token_urlsafe(12)
            self._files[key] = found
            return Response(status_code=307, headers={"location": f"/files/{key}?signed=1"})

        async def file(request: Request) -> Response:
            found = self._files.pop(request.path_params["key"], None)
            if found is None:
                return Response("<Error><Code>AccessDenied</Code></Error>", status_code=403,
                                media_type="application/xml")
            self.media_fetches += 1
            return Response(found[0], media_type=found[1])

        return Starlette(routes=[
            Route("/2010-04-01/Accounts/{sid}/Messages.json", create, methods=["POST"]),
            Route("/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{item}", media,
                  methods=["GET"]),
            Route("/files/{key}", file, methods=["GET"]),
        ])

    def _refusal(self, fields: dict[str, str]) -> Response | None:
        content = fields.get("ContentSid")
        if content is not None and content not in self.templates:
            return _twilio_error(21655, "The ContentSid is Invalid")
        if not (fields.get("Body") or fields.get("MediaUrl") or content):
            return _twilio_error(21619, "A text message body or media urls must be specified.")
        if len(fields.get("Body", "")) > 1600:
            return _twilio_error(21617, "The concatenated message body exceeds the 1600 "
                                 "character limit.")
        return None

    def bodies(self) -> list[str]:
        return [m.get("Body", "") for m in self.messages]
