"""The WhatsApp channel (Twilio): every webhook is checked with twilio's `RequestValidator`
over `PUBLIC_BASE_URL` + path (403 when the `X-Twilio-Signature` does not match). The body is
read with a hard byte cap and the signature is checked before the form is parsed into anything
larger than the bytes themselves. The message is stored (with its `MessageSid`, once) before
the webhook answers with empty TwiML; the turn runs from the store in the background, so
Twilio's 15-second timeout never matters. Replies go out through Twilio's REST API with its
asyncio HTTP client, one chat's answers in turn order.

Handles `Body`, `Latitude`/`Longitude` (metadata `{"location": {"lat", "lon"}}`), media
(voice notes, images: a polite reply that only text is understood yet) and numbered options.
`MessageSid` deduplicates re-deliveries. Phone numbers never leave the gateway.

Each media item (`NumMedia`, `MediaUrl{i}`, `MediaContentType{i}`) is kept as a reference (its
media URL, encrypted, in the gateway store) so a caseworker can play or view it: fetched on
demand from Twilio's API with the account's credentials, following Twilio's redirect to the
file, and never stored. Only URLs of the account's own messages on Twilio's API are kept.

Free text reaches a WhatsApp user only within `WHATSAPP_WINDOW_HOURS` (24) of their last
message; outside it only an approved template (`TWILIO_WHATSAPP_TEMPLATE_SID`, a Content SID
sent as `ContentSid`) may be sent, which `channels.internal` enforces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import httpx
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels import texts
from channels.base import Channel
from channels.core import DeliveryFailed, Gateway, Inbound, MediaGone, Reply
from channels.http import BodyTooLarge, error, read_body
from channels.whatsapp.render import MESSAGE_LIMIT, option_payload, render
from helpline.contracts import LOCATION_TEXT
from helpline.i18n import gettext_for
from helpline.settings import GatewaySettings

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_FORM_BYTES = 64 * 1024
#: Twilio's own API, where media URLs of incoming messages point.
TWILIO_API = "https://api.twilio.com"
#: At most this many media items per message (Twilio sends up to 10 for WhatsApp).
MAX_MEDIA = 10
#: Reading a media file from Twilio (per chunk).
MEDIA_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def media_kind(content_type: str) -> str:
    """What the transcript calls an item of this content type."""
    kind = content_type.split("/", 1)[0].lower()
    return {"audio": "voice", "image": "photo", "video": "video"}.get(kind, "document")


class WhatsAppChannel(Channel):
    """Twilio webhooks in, Twilio Messages API out."""

    name = CHANNEL
    title = "WhatsApp"
    webhook_path = "/webhooks/whatsapp"
    message_limit = MESSAGE_LIMIT
    has_window = True

    def __init__(self, settings: GatewaySettings, gateway: Gateway) -> None:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        super().__init__(settings, gateway)
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.http_client = AsyncTwilioHttpClient(timeout=15)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=self.http_client)
        if settings.twilio_api_base_url:
            self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")

    @classmethod
    def configured(cls, settings: GatewaySettings) -> bool:
        return bool(settings.twilio_account_sid and settings.twilio_auth_token)

    async def start(self) -> None:
        if not self.settings.public_base_url:
            log.warning("WhatsApp: PUBLIC_BASE_URL is not set, every webhook will be refused")
        if not self.settings.twilio_whatsapp_number:
            log.warning("WhatsApp: TWILIO_WHATSAPP_NUMBER is not set, replies cannot be sent")

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.http_client.close()

    # --- webhook -----------------------------------------------------------------------------
    def signed_url(self, request: Request) -> str:
        base = (self.settings.public_base_url or "").rstrip("/")
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{base}{request.url.path}{query}"

    async def webhook(self, request: Request) -> Response:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not self.settings.public_base_url or not signature:
            log.warning("WhatsApp webhook without a signature refused")
            return error(403, "forbidden", "invalid signature")
        try:
            raw = await read_body(request, MAX_FORM_BYTES)
        except BodyTooLarge:
            return error(413, "body_too_large", "request body too large")
        try:
            fields: list[tuple[str, str | UploadFile]] = list(parse_qsl(
                raw.decode("utf-8"), keep_blank_values=True, max_num_fields=200))
            form = FormData(fields)
        except (UnicodeDecodeError, ValueError):
            return error(400, "invalid_form", "not a form")
        if not self.validator.validate(self.signed_url(request), form, signature):
            log.warning("WhatsApp webhook with an invalid signature refused")
            return error(403, "forbidden", "invalid signature")
        try:
            await self.process(form)
        except Exception as exc:  # the message could not even be stored: let Twilio retry
            log.error("storing a WhatsApp message failed (%s)", type(exc).__name__)
            return error(503, "unavailable", "try again")
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def process(self, form: FormData) -> None:
        """One incoming WhatsApp message: store it (once per `MessageSid`) and start its turn."""
        sender = str(form.get("From") or "")
        if not sender:
            return
        sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "") or None
        body = str(form.get("Body") or "")
        metadata: dict[str, Any] = {}
        latitude, longitude = form.get("Latitude"), form.get("Longitude")
        if latitude and longitude:
            with contextlib.suppress(ValueError):
                metadata["location"] = {"lat": float(str(latitude)), "lon": float(str(longitude))}
        num_media = str(form.get("NumMedia") or "0")
        media_count = int(num_media) if num_media.isdigit() else 0
        pseudonym = await self.gateway.remember(CHANNEL, sender)
        if "location" in metadata and not body.strip():
            body = LOCATION_TEXT
        if media_count and not body.strip():
            if sid and not await asyncio.to_thread(self.gateway.store.first_delivery, CHANNEL,
                                                   sid, pseudonym):
                return
            await asyncio.to_thread(self.gateway.store.touch_inbound, pseudonym)
            await self._keep_media(form, pseudonym, sid, media_count)
        else:
            record = await self.gateway.sender(pseudonym)
            chosen = option_payload(body, record.options if record else [])
            outcome = await self.gateway.accept(
                Inbound(CHANNEL, sender, chosen if chosen is not None else body, metadata), sid)
            if outcome.status == "duplicate":
                return
            if media_count:
                await self._keep_media(form, pseudonym, sid, media_count)
            if outcome.replies:
                lang = await self.gateway.language_for(pseudonym, body)
                with contextlib.suppress(DeliveryFailed):
                    await self.send(sender, pseudonym, outcome.replies, lang)
        if media_count:
            log.info("WhatsApp media message (%s item(s)) answered with the text-only note",
                     media_count)
            lang = await self.gateway.language_for(pseudonym, body or None)
            with contextlib.suppress(DeliveryFailed):
                await self.send(sender, pseudonym,
                                [{"text": gettext_for(lang)(texts.TEXT_ONLY)}], lang)

    def media_path(self, url: str) -> str | None:
        """The path of a media URL on Twilio's API (or on the configured API base), if it is one
        of this account's messages' media; None for any other URL."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        origins = {urlsplit(TWILIO_API).netloc}
        if self.settings.twilio_api_base_url:
            origins.add(urlsplit(self.settings.twilio_api_base_url).netloc)
        prefix = f"/2010-04-01/Accounts/{self.settings.twilio_account_sid}/Messages/"
        if parts.netloc not in origins or not parts.path.startswith(prefix) or (
                "/Media/" not in parts.path or ".." in parts.path):
            return None
        return parts.path

    async def _keep_media(self, form: FormData, pseudonym: str, sid: str | None,
                          count: int) -> None:
        for index in range(min(count, MAX_MEDIA)):
            url = str(form.get(f"MediaUrl{index}") or "")
            path = self.media_path(url)
            if path is None:
                if url:
                    log.warning("WhatsApp media URL not on Twilio's API: not kept")
                continue
            content_type = str(form.get(f"MediaContentType{index}") or "")
            media_id = await asyncio.to_thread(
                self.gateway.store.add_media, pseudonym, CHANNEL, media_kind(content_type),
                path, content_type or None, f"{sid}:{index}" if sid else None)
            if media_id is not None:
                log.info("WhatsApp %s kept for the caseworkers (reference only)",
                         media_kind(content_type))

    async def open_media(self, ref: str) -> httpx.Response:
        base = (self.settings.twilio_api_base_url or TWILIO_API).rstrip("/")
        assert self.settings.twilio_account_sid and self.settings.twilio_auth_token
        http = self.gateway.http
        # Twilio answers with a redirect to the file; httpx drops the credentials when the
        # redirect leaves Twilio's origin.
        request = http.build_request("GET", base + ref, timeout=MEDIA_TIMEOUT)
        try:
            response = await http.send(
                request, stream=True, follow_redirects=True,
                auth=httpx.BasicAuth(self.settings.twilio_account_sid,
                                     self.settings.twilio_auth_token))
        except httpx.HTTPError as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        if response.status_code != 200:
            await response.aclose()
            if response.status_code in (404, 410):
                raise MediaGone(f"HTTP {response.status_code}")
            raise DeliveryFailed(f"HTTP {response.status_code}")
        return response

    # --- sending -----------------------------------------------------------------------------
    async def send(self, to: str, pseudonym: str, replies: list[Reply], lang: str) -> None:
        """Send replies through Twilio's REST API and remember the numbered options."""
        if not replies:
            return
        rendered = render(replies, gettext_for(lang)(texts.CHOOSE_NUMBER))
        await asyncio.to_thread(
            self.gateway.store.set_sender_fields, pseudonym, options=rendered.options
        )
        sender = self.settings.twilio_whatsapp_number
        if not sender:
            log.error("cannot answer on WhatsApp: TWILIO_WHATSAPP_NUMBER is not set")
            return
        for body in rendered.bodies:
            await self._create(from_=whatsapp_address(sender), to=to, body=body)
        for url in rendered.media:
            await self._create(from_=whatsapp_address(sender), to=to, media_url=[url])

    async def send_texts(self, raw_id: str, parts: list[str]) -> int:
        sender = self._sender()
        sent = 0
        for body in parts:
            try:
                await self._create(strict=True, from_=sender, to=raw_id, body=body)
            except DeliveryFailed as exc:
                raise DeliveryFailed(str(exc), sent) from exc
            sent += 1
        return sent

    async def send_template(self, raw_id: str, content_sid: str) -> None:
        """The approved template (a Content SID), the one message allowed outside the window;
        `DeliveryFailed` when Twilio does not take it."""
        await self._create(strict=True, from_=self._sender(), to=raw_id, content_sid=content_sid)

    def _sender(self) -> str:
        if not self.settings.twilio_whatsapp_number:
            raise DeliveryFailed("TWILIO_WHATSAPP_NUMBER is not set")
        return whatsapp_address(self.settings.twilio_whatsapp_number)

    async def _create(self, strict: bool = False, **fields: Any) -> None:
        """One message through Twilio; `DeliveryFailed` when Twilio cannot take it now (and,
        `strict`, when it refuses it)."""
        try:
            await self.client.messages.create_async(**fields)
        except TwilioRestException as exc:
            if strict or exc.status >= 500 or exc.status == 429:
                log.warning("Twilio did not take a message (HTTP %s, code %s)", exc.status,
                            exc.code)
                raise DeliveryFailed(f"HTTP {exc.status}") from exc
            log.warning("Twilio refused a message (HTTP %s)", exc.status)
        except TwilioException as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        except (OSError, TimeoutError, aiohttp.ClientError) as exc:
            raise DeliveryFailed(type(exc).__name__) from exc

    async def deliver(self, pseudonym: str, raw_id: str, replies: list[Reply],
                      lang: str) -> None:
        await self.send(raw_id, pseudonym, replies, lang)
