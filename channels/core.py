"""The channel-independent path of every message: pseudonymise, rate-limit, forward to Rasa's
REST channel, and when Rasa or the action server cannot answer, apologise and queue the
message in the outbox so a retry loop delivers it later — nothing a user writes is lost.

Rasa answers `POST /webhooks/rest/webhook` with 200 and an empty list when a custom action
fails (action server down), so an empty answer counts as "not answered" and is retried a few
times (`MAX_UNANSWERED_ATTEMPTS`) before the gateway gives up on that message. Transport
errors and 5xx answers are retried until the retention period ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from channels import texts
from channels.pseudonym import pseudonymise
from channels.ratelimit import RateLimiter
from channels.safety import HotlineDirectory, choose_language, danger_lines, outage_replies
from channels.store import GatewayStore, OutboxItem, SenderRecord
from helpline.i18n import gettext_for, normalise_language
from helpline.settings import Settings

log = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
REST_HEALTH_PATH = "/webhooks/rest/"
MAX_UNANSWERED_ATTEMPTS = 5
MAX_RETRY_DELAY = 300.0
SENDER_REFRESH_SECONDS = 3600.0

Reply = dict[str, Any]
#: Sends replies to a sender outside a request (after a retry): (pseudonym, raw id, replies, lang).
ReplySender = Callable[[str, str, list[Reply], str], Awaitable[None]]


class RasaUnavailable(Exception):
    """Rasa did not answer: `reason` is "transport", "status" or "unanswered"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Inbound:
    """One user message as a channel hands it to the gateway."""

    channel: str
    sender_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    language_hint: str | None = None


Status = Literal["answered", "queued", "rate_limited", "too_long", "empty"]


@dataclass
class Outcome:
    """What happened to a message and what to show the user now."""

    status: Status
    replies: list[Reply]
    pseudonym: str
    language: str | None = None


class Gateway:
    """Forwards messages to Rasa for every channel and keeps the outbox moving."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, store: GatewayStore) -> None:
        self.settings = settings
        self.http = http
        self.store = store
        self.hotlines = HotlineDirectory(settings.database_url)
        self.limiter = RateLimiter(settings.gateway_rate_limit_per_minute)
        self._senders: dict[str, ReplySender] = {}
        self._refreshed: dict[str, float] = {}
        self._wake = asyncio.Event()

    # --- wiring ------------------------------------------------------------------------------
    def register_channel(self, channel: str, send: ReplySender) -> None:
        """How to reach users of `channel` when a queued message is answered later."""
        self._senders[channel] = send

    def pseudonym(self, channel: str, sender_id: str) -> str:
        return pseudonymise(self.settings.sender_id_secret, channel, sender_id)

    async def remember(self, channel: str, sender_id: str) -> str:
        """Keep a sender's encrypted raw id (for later replies); returns their pseudonym."""
        pseudonym = self.pseudonym(channel, sender_id)
        await self._remember(pseudonym, Inbound(channel, sender_id, ""))
        return pseudonym

    async def sender(self, pseudonym: str) -> SenderRecord | None:
        return await asyncio.to_thread(self.store.sender, pseudonym)

    async def language_for(
        self, pseudonym: str, text: str | None = None, hint: str | None = None
    ) -> str:
        record = await self.sender(pseudonym)
        return choose_language(text, record.language if record else None, hint)

    async def set_language(self, pseudonym: str, lang: str) -> None:
        code = normalise_language(lang)
        if code:
            await asyncio.to_thread(self.store.set_sender_fields, pseudonym, language=code)

    async def forget(self, pseudonym: str) -> None:
        """Erase the gateway's data about a sender (on `delete_my_data`)."""
        self._refreshed.pop(pseudonym, None)
        await asyncio.to_thread(self.store.forget_sender, pseudonym)

    # --- Rasa --------------------------------------------------------------------------------
    def _rasa_params(self) -> dict[str, str] | None:
        return {"token": self.settings.rasa_token} if self.settings.rasa_token else None

    async def forward(
        self, pseudonym: str, text: str, metadata: dict[str, Any], channel: str
    ) -> list[Reply]:
        """One turn through Rasa's REST channel; raises `RasaUnavailable` when not answered."""
        body = {"sender": pseudonym, "message": text, "metadata": metadata,
                "input_channel": channel}
        try:
            response = await self.http.post(
                self.settings.rasa_url.rstrip("/") + REST_WEBHOOK_PATH,
                json=body,
                params=self._rasa_params(),
                timeout=self.settings.rasa_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            log.warning("rasa unreachable: %s", type(exc).__name__)
            raise RasaUnavailable("transport") from exc
        if response.status_code != 200:
            log.warning("rasa answered HTTP %s", response.status_code)
            raise RasaUnavailable("status")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable("status") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("status")
        if not replies:
            log.warning("rasa gave no reply (action server down?)")
            raise RasaUnavailable("unanswered")
        return [r for r in replies if isinstance(r, dict)]

    async def rasa_reachable(self) -> bool:
        try:
            response = await self.http.get(
                self.settings.rasa_url.rstrip("/") + REST_HEALTH_PATH, timeout=2.0
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # --- the message path --------------------------------------------------------------------
    async def handle(self, message: Inbound) -> Outcome:
        """Take one message from a channel and return what to answer now."""
        pseudonym = self.pseudonym(message.channel, message.sender_id)
        text = message.text
        if not text or not text.strip():
            return Outcome("empty", [], pseudonym)
        limit = self.settings.gateway_max_message_chars
        if len(text) > limit:
            lang = await self.language_for(pseudonym, text[:500], message.language_hint)
            _ = gettext_for(lang)
            return Outcome("too_long", [{"text": _(texts.TOO_LONG).format(limit=limit)}],
                           pseudonym, lang)
        await self._remember(pseudonym, message)
        if not self.limiter.allow(pseudonym):
            log.info("rate limit reached for a sender")
            lang = await self.language_for(pseudonym, text, message.language_hint)
            record = await self.sender(pseudonym)
            lines = await asyncio.to_thread(
                danger_lines, text, lang, self._country(record, message), self.hotlines
            )
            _ = gettext_for(lang)
            replies = [{"text": "\n".join(lines)}] if lines else []
            replies.append({"text": _(texts.TOO_FAST)})
            return Outcome("rate_limited", replies, pseudonym, lang)

        metadata = dict(message.metadata)
        if normalise_language(message.language_hint):
            metadata["language_hint"] = normalise_language(message.language_hint)
        if await asyncio.to_thread(self.store.pending_count, pseudonym):
            # Earlier messages are still waiting: keep the order, this one goes behind them.
            await asyncio.to_thread(
                self.store.enqueue, pseudonym, message.channel, text, metadata, "behind"
            )
            replies, complete = await self._deliver_sender(pseudonym)
            if complete:
                return Outcome("answered", replies, pseudonym)
            return await self._queued(pseudonym, message, replies)
        try:
            replies = await self.forward(pseudonym, text, metadata, message.channel)
        except RasaUnavailable as exc:
            await asyncio.to_thread(
                self.store.enqueue, pseudonym, message.channel, text, metadata, exc.reason,
                self.settings.gateway_retry_seconds,
            )
            return await self._queued(pseudonym, message, [])
        return Outcome("answered", replies, pseudonym)

    async def _queued(self, pseudonym: str, message: Inbound, before: list[Reply]) -> Outcome:
        record = await self.sender(pseudonym)
        lang = choose_language(message.text, record.language if record else None,
                               message.language_hint)
        apology = await asyncio.to_thread(
            outage_replies, message.text, lang, self._country(record, message), self.hotlines
        )
        return Outcome("queued", before + apology, pseudonym, lang)

    @staticmethod
    def _country(record: SenderRecord | None, message: Inbound) -> str | None:
        country = message.metadata.get("country")
        if isinstance(country, str) and len(country) == 2:
            return country.upper()
        return record.country if record else None

    async def _remember(self, pseudonym: str, message: Inbound) -> None:
        now = time.monotonic()
        if now - self._refreshed.get(pseudonym, -SENDER_REFRESH_SECONDS) < SENDER_REFRESH_SECONDS:
            return
        await asyncio.to_thread(
            self.store.remember_sender, pseudonym, message.channel, message.sender_id
        )
        if len(self._refreshed) > 100_000:
            self._refreshed.clear()
        self._refreshed[pseudonym] = now

    # --- the outbox --------------------------------------------------------------------------
    async def _attempt(self, item: OutboxItem) -> list[Reply]:
        """Try one queued message; on failure record it and re-raise."""
        try:
            replies = await self.forward(item.pseudonym, item.text, item.metadata, item.channel)
        except RasaUnavailable as exc:
            attempts = item.attempts + 1
            if exc.reason == "unanswered" and attempts > MAX_UNANSWERED_ATTEMPTS:
                log.error("giving up on a message Rasa never answered (outbox id %s)", item.id)
                await asyncio.to_thread(self.store.delivered, item.id)
            else:
                delay = min(self.settings.gateway_retry_seconds * 2 ** (attempts - 1),
                            MAX_RETRY_DELAY)
                await asyncio.to_thread(self.store.failed, item.id, attempts, delay, exc.reason)
            raise
        await asyncio.to_thread(self.store.delivered, item.id)
        return replies

    async def _deliver_sender(self, pseudonym: str) -> tuple[list[Reply], bool]:
        """Deliver one sender's queued messages in order; (replies, all delivered?)."""
        items = await asyncio.to_thread(self.store.claim, pseudonym)
        replies: list[Reply] = []
        for index, item in enumerate(items):
            try:
                replies.extend(await self._attempt(item))
            except RasaUnavailable:
                await asyncio.to_thread(self.store.release, [i.id for i in items[index + 1:]])
                return replies, False
        remaining = await asyncio.to_thread(self.store.pending_count, pseudonym)
        return replies, remaining == 0

    async def flush_outbox(self) -> int:
        """Deliver every due queued message and send the answers; returns how many got through."""
        items = await asyncio.to_thread(self.store.claim, None)
        delivered = 0
        blocked: set[str] = set()
        for index, item in enumerate(items):
            if item.pseudonym in blocked:
                await asyncio.to_thread(self.store.release, [item.id])
                continue
            try:
                replies = await self._attempt(item)
            except RasaUnavailable as exc:
                if exc.reason == "transport":  # Rasa is down: stop this round
                    await asyncio.to_thread(self.store.release, [i.id for i in items[index + 1:]])
                    break
                blocked.add(item.pseudonym)
                continue
            delivered += 1
            await self._send_later(item, replies)
        return delivered

    async def _send_later(self, item: OutboxItem, replies: list[Reply]) -> None:
        send = self._senders.get(item.channel)
        record = await self.sender(item.pseudonym)
        if send is None or record is None:
            log.warning("answer for a queued %s message has nowhere to go", item.channel)
            return
        lang = choose_language(item.text, record.language, item.metadata.get("language_hint"))
        try:
            await send(item.pseudonym, record.raw_id, replies, lang)
        except Exception:
            log.exception("sending a retried answer through %s failed", item.channel)

    def wake(self) -> None:
        """Make the outbox loop try its due messages now instead of at its next tick."""
        self._wake.set()

    async def run_outbox(self) -> None:
        """Background loop: retry queued messages every few seconds until cancelled."""
        purge_every = 3600.0
        last_purge = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.gateway_retry_seconds)
            self._wake.clear()
            try:
                if time.monotonic() - last_purge > purge_every:
                    await asyncio.to_thread(self.store.purge_expired)
                    last_purge = time.monotonic()
                await self.flush_outbox()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox round failed")
