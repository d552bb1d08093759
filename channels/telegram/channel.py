"""The Telegram channel: verifies webhooks (`X-Telegram-Bot-Api-Secret-Token`, 403 when wrong),
or polls the Bot API in development when no `PUBLIC_BASE_URL` is configured.

Handles text, locations (metadata `{"location": {"lat", "lon"}}`), `/start`, `/language`,
`/delete`, button presses (callback queries) and, politely, everything it cannot read yet
(voice, photos, stickers…). Chat ids never leave the gateway: Rasa sees a keyed pseudonym.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Updater
from telegram.request import HTTPXRequest

from channels import texts
from channels.core import Gateway, Inbound, Outcome, Reply
from channels.telegram.render import LANGUAGE_PREFIX, PAYLOAD_KEY_PREFIX, render
from channels.webchat import error
from helpline.i18n import LANGUAGES, gettext_for, normalise_language
from helpline.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
#: What Rasa receives for a location message (the coordinates travel as metadata).
LOCATION_TEXT = "/inform"
START_TEXT = "/greet"
DELETE_TEXT = "/delete_my_data"


def choose_language_text(lang: str) -> str:
    """The Rasa message that selects a language (intent with its entity)."""
    return "/choose_language" + json.dumps({"language": lang})


def make_bot(settings: Settings) -> Bot:
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


class TelegramChannel:
    """Telegram updates in, Bot API calls out."""

    def __init__(self, settings: Settings, gateway: Gateway) -> None:
        self.settings = settings
        self.gateway = gateway
        self.bot = make_bot(settings)
        self.polling = not settings.public_base_url
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        gateway.register_channel(CHANNEL, self._send_later)

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
            data = json.loads(await request.body())
            update = Update.de_json(data, self.bot)
        except (ValueError, TypeError, KeyError):
            return error(400, "invalid_update", "not a Telegram update")
        if update is None:
            return error(400, "invalid_update", "not a Telegram update")
        await self.process(update)
        return JSONResponse({"ok": True})

    # --- updates -----------------------------------------------------------------------------
    async def process(self, update: Update) -> None:
        """Handle one update exactly once (Telegram re-delivers when not acknowledged)."""
        first = await asyncio.to_thread(
            self.gateway.store.first_delivery, CHANNEL, str(update.update_id)
        )
        if not first:
            log.info("duplicate Telegram update ignored")
            return
        if update.callback_query is not None:
            await self._on_callback(update)
        elif update.message is not None:
            await self._on_message(update.message)

    async def _on_callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        with contextlib.suppress(TelegramError):
            await query.answer()
        message = query.message
        if message is None or query.data is None:
            return
        chat_id = message.chat.id
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
        await self._forward(chat_id, data, {}, hint)

    async def _on_message(self, message: Message) -> None:
        chat_id = message.chat.id
        user = message.from_user
        hint = user.language_code if user else None
        if message.location is not None:
            location = {"lat": message.location.latitude, "lon": message.location.longitude}
            await self._forward(chat_id, LOCATION_TEXT, {"location": location}, hint)
            return
        text = message.text
        if text is None:
            pseudonym = self.gateway.pseudonym(CHANNEL, str(chat_id))
            lang = await self.gateway.language_for(pseudonym, message.caption, hint)
            await self.send(chat_id, [{"text": gettext_for(lang)(texts.TEXT_ONLY)}])
            if message.caption:
                await self._forward(chat_id, message.caption, {}, hint)
            return
        command = text.split(maxsplit=1)[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == "/start":
            await self._forward(chat_id, START_TEXT, {}, hint)
        elif command == "/language":
            await self._ask_language(chat_id, hint)
        elif command == "/delete":
            await self._forward(chat_id, DELETE_TEXT, {}, hint)
            await self.gateway.forget(self.gateway.pseudonym(CHANNEL, str(chat_id)))
        else:
            await self._forward(chat_id, text, {}, hint)

    async def _ask_language(self, chat_id: int, hint: str | None) -> None:
        pseudonym = self.gateway.pseudonym(CHANNEL, str(chat_id))
        lang = await self.gateway.language_for(pseudonym, None, hint)
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(texts.LANGUAGE_NAMES[code],
                                  callback_data=LANGUAGE_PREFIX + code)]
            for code in LANGUAGES
        ])
        await self.bot.send_message(chat_id, gettext_for(lang)(texts.CHOOSE_LANGUAGE),
                                    reply_markup=markup)

    async def _forward(
        self, chat_id: int, text: str, metadata: dict[str, Any], hint: str | None
    ) -> Outcome:
        outcome = await self.gateway.handle(Inbound(CHANNEL, str(chat_id), text, metadata, hint))
        await self.send(chat_id, outcome.replies)
        return outcome

    # --- sending -----------------------------------------------------------------------------
    def _shorten(self, payload: str) -> str:
        return self.gateway.store.payload_key(payload)

    async def send(self, chat_id: int | str, replies: list[Reply]) -> None:
        """Send Rasa replies to a chat: split text, inline keyboards, photos."""
        messages = await asyncio.to_thread(render, replies, self._shorten)
        for out in messages:
            try:
                if out.photo:
                    await self.bot.send_photo(chat_id, out.photo)
                elif out.text:
                    await self.bot.send_message(chat_id, out.text, reply_markup=out.keyboard)
            except TelegramError as exc:
                log.warning("Telegram send failed (%s)", type(exc).__name__)

    async def _send_later(self, pseudonym: str, raw_id: str, replies: list[Reply],
                          lang: str) -> None:
        await self.send(int(raw_id), replies)
