"""The local web chat: a self-contained page at `/` and its JSON endpoints.

`POST /webchat/message` {"session", "message"[, "language"]} → {"status", "replies"}; the
page keeps a random session id in localStorage. Answers to messages that were queued during
a Rasa outage, and what a person from the team writes (`channels.internal`, marked
`"caseworker": true`), wait in the mailbox; the page collects them on its own every few seconds
from `GET /webchat/replies?session=…`.

Input rules: body at most 64 KiB, however it is sent (413), valid JSON object, not nested
beyond what the parser allows (400), session 8–128 characters of
[A-Za-z0-9_-] (400), message a non-empty string (400) of at most
`GATEWAY_MAX_MESSAGE_CHARS` characters (413, nothing is forwarded). Emoji-only text is a
normal message.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from channels import texts
from channels.core import Gateway, Inbound, Reply, ReplySender
from channels.http import BodyTooLarge, error, read_body
from helpline.i18n import gettext_for

CHANNEL = "webchat"
MAX_BODY_BYTES = 64 * 1024
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

_PAGE = (Path(__file__).parent / "static" / "webchat.html").read_text("utf-8")


def _accept_language(request: Request) -> str | None:
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first or None


async def page(request: Request) -> Response:
    return HTMLResponse(_PAGE, headers={"Cache-Control": "no-cache"})


async def message(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    hint = _accept_language(request)
    _ = gettext_for(hint)
    try:
        body = await read_body(request, MAX_BODY_BYTES)
    except BodyTooLarge:
        return error(413, "body_too_large", _(texts.TOO_LONG).format(
            limit=gateway.settings.gateway_max_message_chars))
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error(400, "invalid_json", _(texts.INVALID_JSON))
    if not isinstance(data, dict):
        return error(400, "invalid_json", _(texts.INVALID_JSON))
    session = data.get("session")
    text = data.get("message")
    if not isinstance(session, str) or not SESSION_RE.match(session):
        return error(400, "invalid_session", "session must be 8-128 characters [A-Za-z0-9_-]")
    if isinstance(data.get("language"), str):
        hint = data["language"][:16]
    if not isinstance(text, str) or not text.strip():
        _ = gettext_for(hint)
        return error(400, "empty_message", _(texts.EMPTY), replies=[{"text": _(texts.EMPTY)}])
    outcome = await gateway.handle(Inbound(CHANNEL, session, text, {}, hint))
    if outcome.status == "too_long":
        return error(413, "message_too_long", outcome.replies[0]["text"],
                     limit=gateway.settings.gateway_max_message_chars, replies=outcome.replies)
    status = 429 if outcome.status == "rate_limited" else 200
    return JSONResponse({"status": outcome.status, "replies": outcome.replies},
                        status_code=status)


async def replies(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    session = request.query_params.get("session", "")
    if not SESSION_RE.match(session):
        return error(400, "invalid_session", "session must be 8-128 characters [A-Za-z0-9_-]")
    pseudonym = gateway.pseudonym(CHANNEL, session)
    found = await asyncio.to_thread(gateway.store.mailbox_take, pseudonym)
    return JSONResponse({"replies": found})


def mailbox_sender(gateway: Gateway) -> ReplySender:
    """Answers to queued web-chat messages wait in the mailbox until the page polls."""

    async def send(pseudonym: str, raw_id: str, answer: list[Reply], lang: str) -> None:
        await asyncio.to_thread(gateway.store.mailbox_put, pseudonym, answer)

    return send


routes = [
    Route("/", page, methods=["GET"]),
    Route("/webchat/message", message, methods=["POST"]),
    Route("/webchat/replies", replies, methods=["GET"]),
]
