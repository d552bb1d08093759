"""The gateway's internal API: the only way the console reaches a person (design, "Hand-off").

Only the gateway maps a pseudonym back to a chat id or phone number, so a caseworker's reply
goes through here: the console names the person by their pseudonym (Rasa's `sender_id`), the
gateway finds them in its sender map, sends on their own channel and records what was sent in
the conversation (a bot event in Rasa's tracker), so the bot and the next caseworker see it.

- `GET /internal/conversations/{pseudonym}`: channel, language, WhatsApp's window, whether a
  template can be sent, and the transcript (user, bot and caseworker texts from the tracker,
  merged by time with the media the person sent).
- `POST /internal/conversations/{pseudonym}/reply` `{"text": ...}` or `{"template": true}`:
  the text split as the channel requires (Telegram 4096 UTF-16 units, WhatsApp 1600), never
  cut; on WhatsApp only within `WHATSAPP_WINDOW_HOURS` of the person's last message, and
  outside it only the approved template (`TWILIO_WHATSAPP_TEMPLATE_SID`). Web chat: into the
  mailbox the page polls.
- `POST /internal/conversations/{pseudonym}/waiting`: "nobody has answered yet", with the
  numbers to call from the hotline snapshot, in the person's language.
- `GET /internal/media/{pseudonym}/{media_id}`: a media item the person sent, fetched from the
  channel now and streamed through, never stored.

Every request needs `Authorization: Bearer <GATEWAY_SERVICE_TOKEN>` (compared in constant
time): 401 `unauthorized` without it or with another, 503 `service_token_not_configured` when
the gateway has none. A pseudonym the sender map does not hold (erased, expired, unknown) is
404 `conversation_gone`. Nothing here logs a text, a raw id, a pseudonym or a token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from channels import webchat
from channels.base import Channel
from channels.core import DeliveryFailed, Gateway, MediaGone, RasaUnavailable, clean_text
from channels.http import BodyTooLarge, error, read_body
from channels.safety import waiting_notice
from channels.store import MediaRecord, SenderRecord
from channels.whatsapp import WhatsAppChannel

log = logging.getLogger(__name__)

#: The longest reply a caseworker may send (the channels split it further as they need).
MAX_REPLY_CHARS = 4000
MAX_BODY_BYTES = 64 * 1024
#: The bot event metadata that marks a caseworker's words, and a gateway notice.
CASEWORKER = {"helpline_caseworker": True}
WAITING_NOTICE = {"helpline_notice": "waiting"}

Endpoint = Callable[[Request, Gateway, SenderRecord], Awaitable[Response]]


def iso(epoch: float | None) -> str | None:
    """An epoch time as ISO 8601 in UTC, to the second."""
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="seconds")


def _refused(request: Request) -> Response | None:
    """Why this request may not use the internal API, if it may not."""
    expected = request.app.state.gateway.settings.gateway_service_token
    if not expected:
        return error(503, "service_token_not_configured",
                     "GATEWAY_SERVICE_TOKEN is not configured on the gateway")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             expected.encode()):
        log.warning("internal API call with a missing or wrong service token")
        response = error(401, "unauthorized", "missing or wrong service token")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return None


def internal(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """An internal route: the service token checked, then the person looked up by pseudonym."""

    async def route(request: Request) -> Response:
        refusal = _refused(request)
        if refusal is not None:
            return refusal
        gateway: Gateway = request.app.state.gateway
        record = await gateway.sender(str(request.path_params["pseudonym"]))
        if record is None:
            return error(404, "conversation_gone",
                         "the person erased their data, or the conversation expired")
        return await endpoint(request, gateway, record)

    return route


# --- what the console reads ------------------------------------------------------------------
def _channel(request: Request, name: str) -> Channel | None:
    found: Channel | None = request.app.state.channels.get(name)
    return found


def _has_window(request: Request, name: str) -> bool:
    kinds: tuple[type[Channel], ...] = request.app.state.channel_kinds
    return any(kind.name == name and kind.has_window for kind in kinds)


def window(record: SenderRecord, applies: bool, hours: float,
           now: float | None = None) -> dict[str, Any]:
    """Whether free text may be sent to the person now (WhatsApp: within `hours` of their last
    message; the other channels have no window)."""
    last = record.last_inbound_at
    if not applies:
        return {"applies": False, "last_inbound_at": iso(last), "closes_at": None, "open": True}
    closes = last + hours * 3600.0 if last is not None else None
    is_open = closes is not None and (time.time() if now is None else now) < closes
    return {"applies": True, "last_inbound_at": iso(last), "closes_at": iso(closes),
            "open": is_open}


def transcript(events: list[dict[str, Any]], media: list[MediaRecord]) -> list[dict[str, Any]]:
    """The conversation as the console shows it: user and bot texts from the tracker (a bot
    event marked `helpline_caseworker` is the caseworker's), merged by time with the media the
    person sent. Texts are as written (a button payload shows as its payload); events without
    text (custom payloads, actions, slots) are left out."""
    timed: list[tuple[float, int, dict[str, Any]]] = []
    last = 0.0
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        stamp = event.get("timestamp")
        last = float(stamp) if isinstance(stamp, (int, float)) else last
        meta = event.get("metadata")
        who = "user" if kind == "user" else (
            "caseworker" if isinstance(meta, dict) and meta.get("helpline_caseworker") is True
            else "bot")
        timed.append((last, len(timed), {"at": iso(last), "who": who, "text": text,
                                         "media": None}))
    for item in media:
        timed.append((item.received_at, len(timed), {
            "at": iso(item.received_at), "who": "user", "text": "",
            "media": {"id": item.id, "kind": item.kind}}))
    return [entry for _at, _order, entry in sorted(timed, key=lambda t: (t[0], t[1]))]


@internal
async def conversation(request: Request, gateway: Gateway, record: SenderRecord) -> Response:
    try:
        events = await gateway.tracker_events(record.pseudonym)
    except RasaUnavailable:
        return error(502, "rasa_unavailable", "Rasa's tracker cannot be read now")
    media = await asyncio.to_thread(gateway.store.media_of, record.pseudonym)
    applies = _has_window(request, record.channel)
    settings = gateway.settings
    return JSONResponse({
        "pseudonym": record.pseudonym,
        "channel": record.channel,
        "language": record.language_chosen or record.language,
        "window": window(record, applies, settings.whatsapp_window_hours),
        "template_available": applies and bool(settings.twilio_whatsapp_template_sid),
        "events": transcript(events, media),
    })


# --- what the console sends ------------------------------------------------------------------
async def _body(request: Request) -> dict[str, Any] | None:
    try:
        data = json.loads(await read_body(request, MAX_BODY_BYTES))
    except (BodyTooLarge, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


async def _send(request: Request, gateway: Gateway, record: SenderRecord, text: str,
                metadata: dict[str, Any]) -> Response:
    """Send `text` on the person's channel, then record it in the tracker."""
    if record.channel == webchat.CHANNEL:
        reply: dict[str, Any] = {"text": text}
        if metadata.get("helpline_caseworker"):
            reply["caseworker"] = True
        await asyncio.to_thread(gateway.store.mailbox_put, record.pseudonym, [reply])
        sent = 1
    else:
        channel = _channel(request, record.channel)
        if channel is None:
            log.warning("internal send: %s is not configured", record.channel)
            return error(502, "delivery_failed", f"{record.channel} is not configured")
        if channel.has_window:
            state = window(record, True, gateway.settings.whatsapp_window_hours)
            if not state["open"]:
                return error(409, "window_closed",
                             "free text can only be sent within the window after the "
                             "person's last message", closes_at=state["closes_at"])
        parts = channel.split(text)
        try:
            sent = await channel.send_texts(record.raw_id, parts)
        except DeliveryFailed as exc:
            log.warning("internal send on %s failed after %d of %d message(s)",
                        record.channel, exc.sent, len(parts))
            if exc.sent:  # what did reach the person stays in the conversation
                await gateway.record_bot_event(record.pseudonym, "\n\n".join(parts[:exc.sent]),
                                               {**metadata, "helpline_incomplete": True})
            return error(502, "delivery_failed", "the channel did not take the message",
                         sent=exc.sent)
    recorded = await gateway.record_bot_event(record.pseudonym, text, metadata)
    log.info("internal send on %s: %d message(s)%s", record.channel, sent,
             "" if recorded else " (not recorded in the tracker)")
    return JSONResponse({"sent": sent, "channel": record.channel, "recorded": recorded})


@internal
async def reply(request: Request, gateway: Gateway, record: SenderRecord) -> Response:
    body = await _body(request)
    if body is None:
        return error(422, "invalid_reply", 'send {"text": "..."} or {"template": true}')
    if body.get("template") is True:
        return await _template(request, gateway, record)
    text = body.get("text")
    text = clean_text(text).strip() if isinstance(text, str) else ""
    if not 1 <= len(text) <= MAX_REPLY_CHARS:
        return error(422, "invalid_reply",
                     f"a reply is 1 to {MAX_REPLY_CHARS} characters", limit=MAX_REPLY_CHARS)
    return await _send(request, gateway, record, text, CASEWORKER)


async def _template(request: Request, gateway: Gateway, record: SenderRecord) -> Response:
    if not _has_window(request, record.channel):
        return error(422, "invalid_reply",
                     f"{record.channel} has no window: send the text itself")
    sid = gateway.settings.twilio_whatsapp_template_sid
    if not sid:
        return error(409, "no_template", "TWILIO_WHATSAPP_TEMPLATE_SID is not configured")
    channel = _channel(request, record.channel)
    if not isinstance(channel, WhatsAppChannel):
        return error(502, "delivery_failed", f"{record.channel} is not configured")
    try:
        await channel.send_template(record.raw_id, sid)
    except DeliveryFailed:
        return error(502, "delivery_failed", "the channel did not take the template")
    recorded = await gateway.record_bot_event(record.pseudonym, f"[template {sid}]",
                                              {**CASEWORKER, "helpline_template": sid})
    log.info("internal send on %s: the approved template", record.channel)
    return JSONResponse({"sent": 1, "channel": record.channel, "recorded": recorded})


@internal
async def waiting(request: Request, gateway: Gateway, record: SenderRecord) -> Response:
    lang = await gateway.language_for(record.pseudonym)
    notice = await asyncio.to_thread(waiting_notice, lang, record.country, gateway.hotlines)
    return await _send(request, gateway, record, notice, WAITING_NOTICE)


# --- media -------------------------------------------------------------------------------------
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")


@internal
async def media(request: Request, gateway: Gateway, record: SenderRecord) -> Response:
    media_id = str(request.path_params["media_id"])
    item = await asyncio.to_thread(gateway.store.media_item, record.pseudonym, media_id)
    channel = _channel(request, item.channel) if item is not None else None
    if item is None or item.ref is None:
        return error(404, "media_gone", "this media item is no longer kept")
    if channel is None:
        return error(502, "channel_unavailable", f"{item.channel} is not configured")
    try:
        upstream = await channel.open_media(item.ref)
    except MediaGone:
        return error(404, "media_gone", "the channel no longer has this media item")
    except DeliveryFailed as exc:
        log.warning("media from %s could not be fetched (%s)", item.channel, exc)
        return error(502, "channel_unavailable", "the channel cannot be reached now")
    given = upstream.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = given if given not in GENERIC_TYPES else (item.content_type
                                                     or "application/octet-stream")
    headers = {"cache-control": "no-store", "x-content-type-options": "nosniff"}
    length = upstream.headers.get("content-length", "")
    if length.isdigit() and "content-encoding" not in upstream.headers:
        headers["content-length"] = length
    log.info("media from %s streamed to the console", item.channel)
    return StreamingResponse(upstream.aiter_bytes(), media_type=kind, headers=headers,
                             background=BackgroundTask(upstream.aclose))


routes = [
    Route("/internal/conversations/{pseudonym}", conversation, methods=["GET"]),
    Route("/internal/conversations/{pseudonym}/reply", reply, methods=["POST"]),
    Route("/internal/conversations/{pseudonym}/waiting", waiting, methods=["POST"]),
    Route("/internal/media/{pseudonym}/{media_id}", media, methods=["GET"]),
]
