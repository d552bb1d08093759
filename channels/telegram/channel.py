"""The Telegram channel: verifies webhooks (`X-Telegram-Bot-Api-Secret-Token`, 403 when wrong),
or polls the Bot API in development when no `PUBLIC_BASE_URL` is configured.

Handles text, locations (metadata `{"location": {"lat", "lon"}}`), `/start`, `/language`,
`/delete` (a request the bot asks to confirm; nothing is erased before "yes"), button presses
(callback queries) and, politely, everything it cannot read yet (voice, photos, stickers…): a
voice note, audio, photo, video or document is kept as a reference (its `file_id`, in the
gateway store) so a caseworker can play or view it, fetched from the Bot API on demand
(`getFile`, then the file download) and never stored. Every update is stored with its
`update_id` before the webhook answers 200, and processed from the store (`channels.core`). In a
group the bot only asks to be written to privately: members would share one conversation and see
each other's answers. Chat ids never leave the gateway: Rasa sees a keyed pseudonym.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from channels import texts
from channels.base import Channel
from channels.core import DeliveryFailed, Gateway, Inbound, MediaGone, Reply
from channels.http import BodyTooLarge, error, read_body
from channels.telegram.render import LANGUAGE_PREFIX, MESSAGE_LIMIT, PAYLOAD_KEY_PREFIX, render
from channels.textsplit import utf16_len
from helpline.contracts import DELETE_TEXT, LOCATION_TEXT, START_TEXT, choose_language_text
from helpline.i18n import LANGUAGES, gettext_for, normalise_language
from helpline.language import LANGUAGE_NAMES
from helpline.settings import GatewaySettings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
#: Telegram updates are a few KiB; anything far larger is not one.
MAX_UPDATE_BYTES = 256 * 1024
#: A flood-control pause the Bot API asks for that a caseworker's reply waits out once.
MAX_RETRY_AFTER = 3.0
#: Reading a file from the Bot API's file server (per chunk).
FILE_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def media_in(message: Message) -> tuple[str, str, str | None] | None:
    """(kind, file_id, content type) of the item a message carries that the bot cannot read,
    if it is one a caseworker can play or view (not stickers, polls, contacts…)."""
    if message.voice is not None:
        return "voice", message.voice.file_id, message.voice.mime_type or "audio/ogg"
    if message.audio is not None:
        return "voice", message.audio.file_id, message.audio.mime_type or "audio/mpeg"
    if message.video_note is not None:
        return "video", message.video_note.file_id, "video/mp4"
    if message.video is not None:
        return "video", message.video.file_id, message.video.mime_type or "video/mp4"
    if message.animation is not None:
        return "video", message.animation.file_id, message.animation.mime_type or "video/mp4"
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return "photo", largest.file_id, "image/jpeg"
    if message.document is not None:
        return "document", message.document.file_id, message.document.mime_type
    return None


def make_bot(settings: GatewaySettings) -> Bot:
    """A Bot API client for the configured token and API base URL."""
    assert settings.telegram_bot_token
    base = settings.telegram_api_base_url.rstrip("/")
    return Bot(
        settings.telegram_bot_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=64),
        get_updates_request=HTTPXRequest(read_timeout=40.0),
    )


class TelegramChannel(Channel):
    """Telegram updates in, Bot API calls out."""

    name = CHANNEL
    title = "Telegram"
    webhook_path = "/webhooks/telegram"
    message_limit = MESSAGE_LIMIT
    measure = utf16_len

    def __init__(self, settings: GatewaySettings, gateway: Gateway) -> None:
        super().__init__(settings, gateway)
        self.bot = make_bot(settings)
        self.polling = not settings.public_base_url
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None

    @classmethod
    def configured(cls, settings: GatewaySettings) -> bool:
        return bool(settings.telegram_bot_token)

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        try:
            await self.bot.initialize()
        except TelegramError as exc:
            log.warning("Telegram Bot API not reachable at start (%s)", type(exc).__name__)
        if self.polling:
            queue: asyncio.Queue[object] = asyncio.Queue()
            self._updater = Updater(self.bot, queue)
            await self._updater.initialize()
            await self._updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=30)
            self._consumer = asyncio.create_task(self._consume(queue), name="telegram-polling")
            log.info("Telegram: polling for updates (no PUBLIC_BASE_URL)")
        else:
            log.info("Telegram: webhook mode")

    async def stop(self) -> None:
        if self._updater is not None:
            with contextlib.suppress(Exception):
                await self._updater.stop()
            await self._updater.shutdown()
        if self._consumer is not None:
            self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer
        await self.bot.shutdown()

    async def _consume(self, queue: asyncio.Queue[object]) -> None:
        while True:
            update = await queue.get()
            if isinstance(update, Update):
                try:
                    await self.process(update)
                except Exception:
                    log.exception("processing a polled Telegram update failed")

    # --- webhook -----------------------------------------------------------------------------
    def _secret_ok(self, request: Request) -> bool:
        expected = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        return bool(expected) and hmac.compare_digest(given.encode(), (expected or "").encode())

    async def webhook(self, request: Request) -> Response:
        if not self._secret_ok(request):
            log.warning("Telegram webhook call with a wrong or missing secret token")
            return error(403, "forbidden", "invalid secret token")
        try:
            data = json.loads(await read_body(request, MAX_UPDATE_BYTES))
        except BodyTooLarge:
            return error(413, "body_too_large", "request body too large")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return error(400, "invalid_update", "not a Telegram update")
        update = self._parse(data)
        if update is None:
            return error(400, "invalid_update", "not a Telegram update")
        await self.process(update)
        return JSONResponse({"ok": True})

    def _parse(self, data: Any) -> Update | None:
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self.bot)
        except Exception:  # any malformed field: python-telegram-bot raises many kinds
            log.info("malformed Telegram update refused")
            return None

    # --- updates -----------------------------------------------------------------------------
    async def process(self, update: Update) -> None:
        """Store one update (once: Telegram re-delivers when not acknowledged) and start its
        turn; the answer is sent from the store, in order with the chat's other messages."""
        delivery = str(update.update_id)
        if update.callback_query is not None:
            await self._on_callback(update, delivery)
        elif update.message is not None:
            await self._on_message(update.message, delivery)

    async def _once(self, delivery: str, chat_id: int) -> bool:
        pseudonym = self.gateway.pseudonym(CHANNEL, str(chat_id))
        return await asyncio.to_thread(self.gateway.store.first_delivery, CHANNEL, delivery,
                                       pseudonym)

    async def _on_callback(self, update: Update, delivery: str) -> None:
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await query.answer()
        message = query.message
        if message is None or query.data is None:
            return
        chat_id = message.chat.id
        if message.chat.type != "private":
            if await self._once(delivery, chat_id):
                await self._private_only(chat_id, query.from_user.language_code
                                         if query.from_user else None)
            return
        hint = query.from_user.language_code if query.from_user else None
        data = query.data
        if data.startswith(LANGUAGE_PREFIX):
            lang = normalise_language(data[len(LANGUAGE_PREFIX):])
            if lang is None:
                return
            pseudonym = await self.gateway.remember(CHANNEL, str(chat_id))
            await self.gateway.set_language(pseudonym, lang)
            data = choose_language_text(lang)
        elif data.startswith(PAYLOAD_KEY_PREFIX):
            found = await asyncio.to_thread(
                self.gateway.store.payload_for, data[len(PAYLOAD_KEY_PREFIX):]
            )
            if found is None:
                return
            data = found
        await self._accept(chat_id, data, {}, hint, delivery)

    async def _on_message(self, message: Message, delivery: str) -> None:
        chat_id = message.chat.id
        user = message.from_user
        hint = user.language_code if user else None
        if message.chat.type != "private":
            if await self._once(delivery, chat_id):
                await self._private_only(chat_id, hint)
            return
        if message.location is not None:
            location = {"lat": message.location.latitude, "lon": message.location.longitude}
            await self._accept(chat_id, LOCATION_TEXT, {"location": location}, hint, delivery)
            return
        text = message.text
        if text is None:
            # The item is kept (once per update), the note comes first, and a caption is then
            # read as the message. Until the caption is stored the webhook has not answered, so
            # Telegram would deliver it again: the note is not repeated then.
            kept = await self._keep_media(message, chat_id, delivery)
            if message.caption:
                first = kept is not False
            else:
                first = await self._once(delivery, chat_id)
            if first:
                pseudonym = self.gateway.pseudonym(CHANNEL, str(chat_id))
                lang = await self.gateway.language_for(pseudonym, message.caption, hint)
                await self._send_now(chat_id, [{"text": gettext_for(lang)(texts.TEXT_ONLY)}])
            if message.caption:
                await self._accept(chat_id, message.caption, {}, hint, delivery)
            return
        command = text.split(maxsplit=1)[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == "/start":
            await self._accept(chat_id, START_TEXT, {}, hint, delivery)
        elif command == "/language":
            if await self._once(delivery, chat_id):
                await self._ask_language(chat_id, hint)
        elif command == "/delete":
            # Only a request: the bot asks to confirm, and the gateway forgets the chat when the
            # confirming action says so (never before the person's "yes").
            await self._accept(chat_id, DELETE_TEXT, {}, hint, delivery)
        else:
            await self._accept(chat_id, text, {}, hint, delivery)

    async def _keep_media(self, message: Message, chat_id: int, delivery: str) -> bool | None:
        """Keep a reference to the message's media item: True when new, False when this update
        brought it before, None when it carries none a caseworker could open."""
        found = media_in(message)
        if found is None:
            return None
        kind, file_id, content_type = found
        pseudonym = await self.gateway.remember(CHANNEL, str(chat_id))
        media_id = await asyncio.to_thread(self.gateway.store.add_media, pseudonym, CHANNEL,
                                           kind, file_id, content_type, f"{delivery}:0")
        if media_id is not None:
            log.info("Telegram %s kept for the caseworkers (reference only)", kind)
        return media_id is not None

    async def _private_only(self, chat_id: int, hint: str | None) -> None:
        lang = normalise_language(hint) or "es"
        await self._send_now(chat_id, [{"text": gettext_for(lang)(texts.PRIVATE_CHAT_ONLY)}])

    async def _ask_language(self, chat_id: int, hint: str | None) -> None:
        pseudonym = self.gateway.pseudonym(CHANNEL, str(chat_id))
        lang = await self.gateway.language_for(pseudonym, None, hint)
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(LANGUAGE_NAMES[code],
                                  callback_data=LANGUAGE_PREFIX + code)]
            for code in LANGUAGES
        ])
        await self.bot.send_message(chat_id, gettext_for(lang)(texts.CHOOSE_LANGUAGE),
                                    reply_markup=markup)

    async def _accept(self, chat_id: int, text: str, metadata: dict[str, Any],
                      hint: str | None, delivery: str) -> None:
        outcome = await self.gateway.accept(
            Inbound(CHANNEL, str(chat_id), text, metadata, hint), delivery, wait=True)
        if outcome.replies:
            await self._send_now(chat_id, outcome.replies)

    # --- sending -----------------------------------------------------------------------------
    def _shorten(self, payload: str) -> str:
        return self.gateway.store.payload_key(payload)

    async def send(self, chat_id: int | str, replies: list[Reply]) -> None:
        """Send Rasa replies to a chat: split text, inline keyboards, photos.

        `DeliveryFailed` when the Bot API cannot be reached (the answer is sent again later);
        a refusal (blocked bot, bad request) is logged and not retried.
        """
        messages = await asyncio.to_thread(render, replies, self._shorten)
        for out in messages:
            try:
                if out.photo:
                    await self.bot.send_photo(chat_id, out.photo)
                elif out.text:
                    await self.bot.send_message(chat_id, out.text, reply_markup=out.keyboard)
            except (NetworkError, TimedOut, RetryAfter) as exc:
                if isinstance(exc, BadRequest):
                    log.warning("Telegram refused a message (%s)", type(exc).__name__)
                    continue
                raise DeliveryFailed(type(exc).__name__) from exc
            except TelegramError as exc:
                log.warning("Telegram send failed (%s)", type(exc).__name__)

    async def send_texts(self, raw_id: str, parts: list[str]) -> int:
        sent = 0
        for part in parts:
            for attempt in (1, 2):
                try:
                    await self.bot.send_message(int(raw_id), part)
                    break
                except RetryAfter as exc:
                    wait = exc.retry_after if isinstance(exc.retry_after, (int, float)) else (
                        exc.retry_after.total_seconds())
                    if attempt == 2 or wait > MAX_RETRY_AFTER:
                        raise DeliveryFailed("RetryAfter", sent) from exc
                    await asyncio.sleep(wait)
                except TelegramError as exc:
                    log.warning("Telegram did not take a message (%s)", type(exc).__name__)
                    raise DeliveryFailed(type(exc).__name__, sent) from exc
            sent += 1
        return sent

    async def open_media(self, ref: str) -> httpx.Response:
        try:
            found = await self.bot.get_file(ref)
        except BadRequest as exc:  # unknown or expired file_id, or a file over 20 MB
            raise MediaGone(type(exc).__name__) from exc
        except TelegramError as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        if not found.file_path:
            raise MediaGone("no file path")
        http = self.gateway.http
        try:  # the URL holds the bot token: it is never logged
            response = await http.send(http.build_request("GET", found.file_path,
                                                          timeout=FILE_TIMEOUT), stream=True)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        if response.status_code != 200:
            await response.aclose()
            if response.status_code in (400, 404):
                raise MediaGone(f"HTTP {response.status_code}")
            raise DeliveryFailed(f"HTTP {response.status_code}")
        return response

    async def _send_now(self, chat_id: int, replies: list[Reply]) -> None:
        with contextlib.suppress(DeliveryFailed):
            await self.send(chat_id, replies)

    async def deliver(self, pseudonym: str, raw_id: str, replies: list[Reply],
                      lang: str) -> None:
        await self.send(int(raw_id), replies)
