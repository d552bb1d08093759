"""The WhatsApp channel (Twilio): every webhook is checked with twilio's `RequestValidator`
over `PUBLIC_BASE_URL` + path (403 when the `X-Twilio-Signature` does not match); the webhook
answers at once with empty TwiML and the turn runs in the background, so Twilio's 15-second
timeout never matters. Replies go out through Twilio's REST API with its asyncio HTTP client.

Handles `Body`, `Latitude`/`Longitude` (metadata `{"location": {"lat", "lon"}}`), media
(voice notes, images: a polite reply that only text is understood yet) and numbered options.
`MessageSid` deduplicates re-deliveries. Phone numbers never leave the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels import texts
from channels.core import Gateway, Inbound, Reply
from channels.webchat import error
from channels.whatsapp.render import option_payload, render
from helpline.i18n import gettext_for
from helpline.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
LOCATION_TEXT = "/inform"
MAX_FORM_BYTES = 64 * 1024


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


class WhatsAppChannel:
    """Twilio webhooks in, Twilio Messages API out."""

    def __init__(self, settings: Settings, gateway: Gateway) -> None:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        self.settings = settings
        self.gateway = gateway
        self.validator = RequestValidator(settings.twilio_auth_token)
        self.http_client = AsyncTwilioHttpClient(timeout=15)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=self.http_client)
        if settings.twilio_api_base_url:
            self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        self._tasks: set[asyncio.Task[None]] = set()
        gateway.register_channel(CHANNEL, self._send_later)

    async def start(self) -> None:
        if not self.settings.public_base_url:
            log.warning("WhatsApp: PUBLIC_BASE_URL is not set, every webhook will be refused")
        if not self.settings.twilio_whatsapp_number:
            log.warning("WhatsApp: TWILIO_WHATSAPP_NUMBER is not set, replies cannot be sent")

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.http_client.close()

    async def idle(self) -> None:
        """Wait until every background turn has finished (used by tests and shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    # --- webhook -----------------------------------------------------------------------------
    def signed_url(self, request: Request) -> str:
        base = (self.settings.public_base_url or "").rstrip("/")
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{base}{request.url.path}{query}"

    async def webhook(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
            return error(413, "body_too_large", "request body too large")
        form = await request.form()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not self.settings.public_base_url or not signature or not self.validator.validate(
            self.signed_url(request), form, signature
        ):
            log.warning("WhatsApp webhook with an invalid signature refused")
            return error(403, "forbidden", "invalid signature")
        sid = str(form.get("MessageSid") or form.get("SmsMessageSid") or "")
        if sid:
            first = await asyncio.to_thread(self.gateway.store.first_delivery, CHANNEL, sid)
            if not first:
                log.info("duplicate WhatsApp delivery ignored")
                return Response(EMPTY_TWIML, media_type="text/xml")
        task = asyncio.create_task(self._process(form), name="whatsapp-turn")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return Response(EMPTY_TWIML, media_type="text/xml")

    async def _process(self, form: FormData) -> None:
        try:
            await self.process(form)
        except Exception:
            log.exception("processing a WhatsApp message failed")

    async def process(self, form: FormData) -> None:
        """One incoming WhatsApp message: forward it and send the answer."""
        sender = str(form.get("From") or "")
        if not sender:
            return
        body = str(form.get("Body") or "")
        metadata: dict[str, Any] = {}
        latitude, longitude = form.get("Latitude"), form.get("Longitude")
        if latitude and longitude:
            with contextlib.suppress(ValueError):
                metadata["location"] = {"lat": float(str(latitude)), "lon": float(str(longitude))}
        num_media = str(form.get("NumMedia") or "0")
        media_count = int(num_media) if num_media.isdigit() else 0
        pseudonym = await self.gateway.remember(CHANNEL, sender)
        if media_count:
            log.info("WhatsApp media message (%s item(s)) answered with the text-only note",
                     media_count)
            lang = await self.gateway.language_for(pseudonym, body or None)
            await self.send(sender, pseudonym, [{"text": gettext_for(lang)(texts.TEXT_ONLY)}],
                            lang)
            if not body.strip():
                return
        if "location" in metadata and not body.strip():
            body = LOCATION_TEXT
        record = await self.gateway.sender(pseudonym)
        chosen = option_payload(body, record.options if record else [])
        if chosen is not None:
            body = chosen
        outcome = await self.gateway.handle(Inbound(CHANNEL, sender, body, metadata))
        lang = outcome.language or await self.gateway.language_for(pseudonym, body)
        await self.send(sender, pseudonym, outcome.replies, lang)

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

    async def _create(self, **fields: Any) -> None:
        try:
            await self.client.messages.create_async(**fields)
        except TwilioException as exc:
            log.warning("Twilio send failed (%s)", type(exc).__name__)

    async def _send_later(self, pseudonym: str, raw_id: str, replies: list[Reply],
                          lang: str) -> None:
        await self.send(raw_id, pseudonym, replies, lang)
