"""The channel-independent path of every message: pseudonymise, store, forward to Rasa's REST
channel, send the answer, and when Rasa or the action server cannot answer, apologise (with
the emergency numbers when the message looks dangerous) and keep retrying.

Delivery (design, "Delivery"): a channel hands a message to `accept` or `handle`, which write it
to the gateway store in the same transaction that marks its delivery id seen; it is processed
from there, one sender's messages strictly in order, and leaves the store only once its answer
has been sent. A gateway killed mid-turn finds it again at start-up. Rasa's answer is kept with
the message before it is sent, so a restart sends it without running the turn twice.

Rasa answers `POST /webhooks/rest/webhook` with 200 and an empty list when a custom action
fails (action server down): the turn is then in the tracker already, so a retry replays only
the answer step (`POST /conversations/{id}/execute` with the action that failed) instead of
the user's message. Retries go on until the retention period ends; the user is told again when
it takes long.

The actions add a custom payload to every answer (`{"helpline": {...}}`, see
`helpline.contracts`): the reply language and country the gateway keeps for its own outage
answers, and the confirmed erasure that makes it forget the sender.
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
from channels.ratelimit import make_rate_limiter
from channels.safety import danger_of, outage_replies
from channels.store import GatewayStore, OutboxItem, SenderRecord
from helpline.contracts import HELPLINE_PAYLOAD_KEY
from helpline.i18n import gettext_for, normalise_language
from helpline.language import reply_language
from helpline.safety.hotlines import HotlineSnapshot
from helpline.settings import GatewaySettings

log = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
REST_HEALTH_PATH = "/webhooks/rest/"
MAX_RETRY_DELAY = 30.0
#: A person whose message is still unanswered after this long is told again that it is saved.
STILL_WAITING_SECONDS = 600.0
SENDER_REFRESH_SECONDS = 3600.0
#: Actions Rasa runs itself; never the one that failed for want of the action server.
RASA_OWN_ACTIONS = frozenset({"action_listen", "action_session_start", "action_restart",
                              "action_default_fallback", "action_extract_slots",
                              "action_unlikely_intent"})

Reply = dict[str, Any]
#: Sends replies to a sender outside a request: (pseudonym, raw id, replies, lang).
ReplySender = Callable[[str, str, list[Reply], str], Awaitable[None]]


def clean_text(text: str) -> str:
    """The text with lone UTF-16 surrogates (which no encoder accepts) replaced by U+FFFD;
    a valid surrogate pair becomes its character."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def split_payloads(replies: list[Reply]) -> tuple[list[Reply], dict[str, Any]]:
    """Rasa's replies without the helpline's own custom payloads, and those payloads merged."""
    shown: list[Reply] = []
    meta: dict[str, Any] = {}
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get(HELPLINE_PAYLOAD_KEY), dict):
            meta.update(custom[HELPLINE_PAYLOAD_KEY])
            continue
        shown.append(reply)
    return shown, meta


class DeliveryFailed(Exception):
    """A channel could not hand an answer over for now (network, 5xx): it is sent again later.
    `sent`: how many messages of the batch went out before it failed."""

    def __init__(self, reason: str = "", sent: int = 0) -> None:
        super().__init__(reason)
        self.sent = sent


class MediaGone(Exception):
    """The channel no longer has a media item (expired, deleted, unknown reference)."""


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


Status = Literal["answered", "queued", "rate_limited", "too_long", "empty", "duplicate"]


@dataclass
class Outcome:
    """What happened to a message and what to show the user now."""

    status: Status
    replies: list[Reply]
    pseudonym: str
    language: str | None = None


class Gateway:
    """Forwards messages to Rasa for every channel and keeps the queue moving."""

    def __init__(self, settings: GatewaySettings, http: httpx.AsyncClient,
                 store: GatewayStore) -> None:
        self.settings = settings
        self.http = http
        self.store = store
        self.hotlines = HotlineSnapshot(settings.hotline_snapshot_path)
        self.limiter = make_rate_limiter(settings)
        self._senders: dict[str, ReplySender] = {}
        self._refreshed: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        #: Messages this process claimed and could not finish because the store failed, with
        #: Rasa's answer when the turn itself had been taken.
        self._abandoned: dict[int, list[Reply] | None] = {}

    # --- wiring ------------------------------------------------------------------------------
    def register_channel(self, channel: str, send: ReplySender) -> None:
        """How to reach users of `channel` outside a request (queued and retried answers)."""
        self._senders[channel] = send

    def pseudonym(self, channel: str, sender_id: str) -> str:
        return pseudonymise(self.settings.sender_id_secret, channel, sender_id)

    async def remember(self, channel: str, sender_id: str) -> str:
        """Keep a sender's encrypted raw id (for later replies); returns their pseudonym."""
        pseudonym = self.pseudonym(channel, sender_id)
        await self._remember(pseudonym, channel, sender_id)
        return pseudonym

    async def sender(self, pseudonym: str) -> SenderRecord | None:
        return await asyncio.to_thread(self.store.sender, pseudonym)

    async def language_for(
        self, pseudonym: str, text: str | None = None, hint: str | None = None
    ) -> str:
        """The reply language for a message of this sender (`helpline.language.reply`)."""
        record = await self.sender(pseudonym)
        return self._language(record, text, hint)

    @staticmethod
    def _language(record: SenderRecord | None, text: str | None, hint: str | None) -> str:
        return reply_language(text, chosen=record.language_chosen if record else None,
                              saved=record.language if record else None, hint=hint)

    async def set_language(self, pseudonym: str, lang: str) -> None:
        """The sender chose a language explicitly: it sticks until they choose another."""
        code = normalise_language(lang)
        if code:
            await asyncio.to_thread(self.store.set_sender_fields, pseudonym, language=code,
                                    language_chosen=code)

    async def forget(self, pseudonym: str) -> None:
        """Erase the gateway's data about a sender (after a confirmed `delete_my_data`)."""
        self._refreshed.pop(pseudonym, None)
        await asyncio.to_thread(self.store.forget_sender, pseudonym)

    # --- Rasa --------------------------------------------------------------------------------
    def _rasa_params(self) -> dict[str, str] | None:
        return {"token": self.settings.rasa_token} if self.settings.rasa_token else None

    def _rasa(self, path: str) -> str:
        return self.settings.rasa_url.rstrip("/") + path

    async def forward(
        self, pseudonym: str, text: str, metadata: dict[str, Any], channel: str
    ) -> list[Reply]:
        """One turn through Rasa's REST channel; raises `RasaUnavailable` when not answered."""
        body = {"sender": pseudonym, "message": text, "metadata": metadata,
                "input_channel": channel}
        try:
            response = await self.http.post(
                self._rasa(REST_WEBHOOK_PATH), json=body, params=self._rasa_params(),
                timeout=self.settings.rasa_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            log.warning("rasa unreachable: %s", type(exc).__name__)
            raise RasaUnavailable("transport") from exc
        return self._replies(response, None)

    @staticmethod
    def _replies(response: httpx.Response, key: str | None) -> list[Reply]:
        if response.status_code != 200:
            log.warning("rasa answered HTTP %s", response.status_code)
            raise RasaUnavailable("status")
        try:
            data = response.json()
        except ValueError as exc:
            raise RasaUnavailable("status") from exc
        replies = data.get(key) if key and isinstance(data, dict) else data
        if not isinstance(replies, list):
            raise RasaUnavailable("status")
        if not replies:
            log.warning("rasa gave no reply (action server down?)")
            raise RasaUnavailable("unanswered")
        return [r for r in replies if isinstance(r, dict)]

    async def replay_answer(self, pseudonym: str) -> list[Reply]:
        """Run again only the action that failed for the sender's last message (its turn is in
        the tracker already); `RasaUnavailable` while it still cannot answer."""
        events = await self.tracker_events(pseudonym)
        action = failed_action(events)
        if action is None:
            raise LookupError("no unanswered action in the tracker")
        try:
            response = await self.http.post(
                self._rasa(f"/conversations/{pseudonym}/execute"), json={"name": action},
                params=self._rasa_params(), timeout=self.settings.rasa_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            log.warning("rasa unreachable: %s", type(exc).__name__)
            raise RasaUnavailable("transport") from exc
        replies = self._replies(response, "messages")
        # Rasa logs no `action_listen` after a custom action that failed, nor after an executed
        # one: without it the next message of this conversation would get no answer at all.
        with contextlib.suppress(httpx.HTTPError):
            await self.http.post(
                self._rasa(f"/conversations/{pseudonym}/execute"), json={"name": "action_listen"},
                params=self._rasa_params(), timeout=self.settings.rasa_timeout_seconds,
            )
        return replies

    async def tracker_events(self, pseudonym: str) -> list[dict[str, Any]]:
        """The conversation's events from Rasa's tracker; `RasaUnavailable` when it cannot be
        read."""
        try:
            response = await self.http.get(
                self._rasa(f"/conversations/{pseudonym}/tracker"), params=self._rasa_params(),
                timeout=self.settings.rasa_timeout_seconds,
            )
            response.raise_for_status()
            events = response.json().get("events") or []
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.warning("rasa tracker unavailable: %s", type(exc).__name__)
            raise RasaUnavailable("transport") from exc
        if not isinstance(events, list):
            raise RasaUnavailable("status")
        return [e for e in events if isinstance(e, dict)]

    async def record_bot_event(self, pseudonym: str, text: str,
                               metadata: dict[str, Any]) -> bool:
        """Append what was sent to the person outside a turn (a caseworker's reply, a notice) to
        the conversation as a bot event, so the bot and the next caseworker see it. False when
        Rasa did not take it (it was sent all the same)."""
        event = {"event": "bot", "text": text, "timestamp": time.time(), "metadata": metadata}
        params = {"include_events": "NONE", **(self._rasa_params() or {})}
        try:
            response = await self.http.post(
                self._rasa(f"/conversations/{pseudonym}/tracker/events"), json=event,
                params=params, timeout=self.settings.rasa_timeout_seconds,
            )
        except httpx.HTTPError as exc:
            log.warning("rasa unreachable: %s", type(exc).__name__)
            return False
        if response.status_code != 200:
            log.warning("rasa refused a bot event: HTTP %s", response.status_code)
            return False
        return True

    async def rasa_reachable(self) -> bool:
        try:
            response = await self.http.get(self._rasa(REST_HEALTH_PATH), timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # --- receiving ---------------------------------------------------------------------------
    async def accept(self, message: Inbound, delivery_id: str | None = None,
                     wait: bool = False) -> Outcome:
        """Store a message durably and process it (webhook channels): in the background, or
        before returning with `wait`. Answers reach the user through the channel's sender;
        the outcome carries only what to answer at once without Rasa (too long, too fast)."""
        outcome, queued = await self._receive(message, delivery_id)
        if queued and wait:
            await self._drain_quietly(outcome.pseudonym, True)
        elif queued:
            self.schedule(outcome.pseudonym, force=True)
        return outcome

    async def handle(self, message: Inbound, delivery_id: str | None = None) -> Outcome:
        """Store a message durably, process it now and return what to answer (web chat)."""
        outcome, queued = await self._receive(message, delivery_id)
        if not queued:
            return outcome
        replies, complete = await self.drain(outcome.pseudonym, inline=True)
        return Outcome("answered" if complete else "queued", replies, outcome.pseudonym)

    async def _receive(self, message: Inbound, delivery_id: str | None) -> tuple[Outcome, bool]:
        pseudonym = self.pseudonym(message.channel, message.sender_id)
        text = clean_text(message.text or "")
        if not text.strip():
            if delivery_id:
                await asyncio.to_thread(self.store.first_delivery, message.channel,
                                        delivery_id, pseudonym)
            return Outcome("empty", [], pseudonym), False
        limit = self.settings.gateway_max_message_chars
        if len(text) > limit:
            lang = await self.language_for(pseudonym, text[:500], message.language_hint)
            return Outcome("too_long", [{"text": gettext_for(lang)(texts.TOO_LONG).format(
                limit=limit)}], pseudonym, lang), False
        await self._remember(pseudonym, message.channel, message.sender_id)
        metadata = dict(message.metadata)
        if hint := normalise_language(message.language_hint):
            metadata["language_hint"] = hint
        delay = 0.0
        immediate: list[Reply] = []
        allowed = await self.limiter.check(pseudonym)
        if not allowed:
            record = await self.sender(pseudonym)
            lang = self._language(record, text, message.language_hint)
            if await asyncio.to_thread(danger_of, text, lang):
                allowed = True  # a cry for help is never held back by the rate limit
            else:
                log.info("rate limit reached for a sender: message queued for later")
                delay = self.limiter.window
                immediate = [{"text": gettext_for(lang)(texts.TOO_FAST)}]
        queued = await asyncio.to_thread(self.store.receive, pseudonym, message.channel, text,
                                         metadata, delivery_id, delay)
        if queued is None:
            log.info("duplicate %s delivery ignored", message.channel)
            return Outcome("duplicate", [], pseudonym), False
        if not allowed:
            return Outcome("rate_limited", immediate, pseudonym), False
        return Outcome("queued", [], pseudonym), True

    async def _remember(self, pseudonym: str, channel: str, sender_id: str) -> None:
        now = time.monotonic()
        if now - self._refreshed.get(pseudonym, -SENDER_REFRESH_SECONDS) < SENDER_REFRESH_SECONDS:
            return
        await asyncio.to_thread(self.store.remember_sender, pseudonym, channel, sender_id)
        if len(self._refreshed) > 100_000:
            self._refreshed.clear()
        self._refreshed[pseudonym] = now

    # --- processing --------------------------------------------------------------------------
    def schedule(self, pseudonym: str, force: bool = False) -> None:
        """Process a sender's queue in the background, answers sent through their channel."""
        task = asyncio.create_task(self._drain_quietly(pseudonym, force), name="gateway-turn")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain_quietly(self, pseudonym: str, force: bool) -> None:
        try:
            await self.drain(pseudonym, force=force)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("processing a sender's queue failed (%s)", type(exc).__name__)

    async def idle(self) -> None:
        """Wait until every background turn has finished (tests and shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def drain(self, pseudonym: str, inline: bool = False,
                    force: bool = True) -> tuple[list[Reply], bool]:
        """Process one sender's queued messages in order, each answer sent before the next
        turn starts. `inline`: return the answers instead of sending them. Returns the answers
        (inline) and whether the queue is now empty."""
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        lock = self._locks.setdefault(pseudonym, asyncio.Lock())
        collected: list[Reply] = []
        async with lock:
            while True:
                item = await asyncio.to_thread(self.store.claim_next, pseudonym, force)
                if item is None:
                    break
                try:
                    done = await self._process(item, collected if inline else None)
                except Exception:
                    # The store failed under the turn (a database restart): the claim would
                    # hold the message for CLAIM_SECONDS; the retry loop gives it back.
                    self._abandoned.setdefault(item.id, None)
                    raise
                if not done:
                    return collected, False
                force = True
        remaining = await asyncio.to_thread(self.store.pending_count, pseudonym)
        return collected, remaining == 0

    async def _process(self, item: OutboxItem, inline: list[Reply] | None) -> bool:
        """One queued message: its turn (or its kept answer), sent; False if it must wait."""
        replies = item.replies
        if replies is None:
            try:
                replies = await self._turn(item)
            except RasaUnavailable as exc:
                await self._postpone(item, exc.reason, inline)
                return False
            except Exception as exc:
                log.error("a turn failed (%s); the message stays queued", type(exc).__name__)
                log.debug("turn failure", exc_info=True)
                await self._postpone(item, "error", inline)
                return False
            try:
                await asyncio.to_thread(self.store.answered, item.id, replies)
            except Exception:
                # Rasa took the turn; keep its answer so the retry sends it, not a second turn.
                self._abandoned[item.id] = replies
                raise
        shown, meta = split_payloads(replies)
        await self._apply(item.pseudonym, meta)
        lang = normalise_language(meta.get("language")) or await self.language_for(
            item.pseudonym, item.text, item.metadata.get("language_hint"))
        if inline is not None:
            inline.extend(shown)
        else:
            try:
                await self._send(item, shown, lang)
            except DeliveryFailed:
                log.warning("%s could not take an answer now; it stays queued", item.channel)
                await asyncio.to_thread(self.store.failed, item.id, item.attempts + 1,
                                        self.settings.gateway_retry_seconds, "send", "answered")
                return False
        await asyncio.to_thread(self.store.delivered, item.id)
        if meta.get("erase"):
            await self.forget(item.pseudonym)
        return True

    async def _turn(self, item: OutboxItem) -> list[Reply]:
        if item.state == "unanswered":
            with contextlib.suppress(LookupError):
                return await self.replay_answer(item.pseudonym)
        return await self.forward(item.pseudonym, item.text, item.metadata, item.channel)

    async def _postpone(self, item: OutboxItem, reason: str, inline: list[Reply] | None) -> None:
        """Retry later with backoff, and tell the sender: once for each message that waits
        (with the numbers for a dangerous one), and again when the wait grows long."""
        attempts = item.attempts + 1
        delay = min(self.settings.gateway_retry_seconds * 2 ** (attempts - 1), MAX_RETRY_DELAY)
        state = "unanswered" if reason == "unanswered" or item.state == "unanswered" else None
        await asyncio.to_thread(self.store.failed, item.id, attempts, delay, reason, state)
        waiting = await asyncio.to_thread(self.store.unnotified, item.pseudonym)
        notice = texts.APOLOGY
        if not waiting and item.notified_at is not None:
            if time.time() - item.notified_at < STILL_WAITING_SECONDS:
                return
            waiting, notice = [item], texts.STILL_WAITING
        record = await self.sender(item.pseudonym)
        replies: list[Reply] = []
        for index, message in enumerate(waiting):
            lang = self._language(record, message.text, message.metadata.get("language_hint"))
            country = self._country(record, message.metadata)
            said = await asyncio.to_thread(outage_replies, message.text, lang, country,
                                           self.hotlines, notice)
            # Numbers for every dangerous message; the notice itself only once.
            replies.extend(said if index == len(waiting) - 1 else said[:-1])
            await asyncio.to_thread(self.store.mark_notified, message.id)
        if not replies:
            return
        lang = self._language(record, waiting[-1].text, waiting[-1].metadata.get("language_hint"))
        if inline is not None:
            inline.extend(replies)
        else:
            with contextlib.suppress(DeliveryFailed):
                await self._send(waiting[-1], replies, lang)

    async def _apply(self, pseudonym: str, meta: dict[str, Any]) -> None:
        """Keep what the actions said about the conversation: reply language and country."""
        values: dict[str, Any] = {}
        if lang := normalise_language(meta.get("language")):
            values["language"] = lang
        country = meta.get("country")
        if isinstance(country, str) and len(country) == 2 and country.isalpha():
            values["country"] = country.upper()
        if values:
            await asyncio.to_thread(self.store.set_sender_fields, pseudonym, **values)

    async def _send(self, item: OutboxItem, replies: list[Reply], lang: str) -> None:
        if not replies:
            return
        send = self._senders.get(item.channel)
        record = await self.sender(item.pseudonym)
        if send is None or record is None:
            log.warning("an answer for a %s message has nowhere to go", item.channel)
            return
        await send(item.pseudonym, record.raw_id, replies, lang)

    @staticmethod
    def _country(record: SenderRecord | None, metadata: dict[str, Any]) -> str | None:
        country = metadata.get("country")
        if isinstance(country, str) and len(country) == 2:
            return country.upper()
        return record.country if record else None

    # --- the retry loop ----------------------------------------------------------------------
    def wake(self) -> None:
        """Make the retry loop try its due messages now instead of at its next tick."""
        self._wake.set()

    async def flush_outbox(self) -> None:
        """Start processing every sender whose oldest queued message is due."""
        for pseudonym in await asyncio.to_thread(self.store.due_senders):
            lock = self._locks.get(pseudonym)
            if lock is None or not lock.locked():
                self.schedule(pseudonym)

    def _give_back(self, abandoned: dict[int, list[Reply] | None]) -> None:
        """Keep the answers of abandoned turns, then release their claims (store permitting)."""
        for item_id, replies in abandoned.items():
            if replies is not None:
                self.store.answered(item_id, replies)
        self.store.release_claims(abandoned)

    async def run_outbox(self) -> None:
        """Background loop: purge expired data at once and hourly, retry due messages."""
        purge_every = 3600.0
        last_purge = -purge_every
        while True:
            try:
                if self._abandoned:
                    abandoned = dict(self._abandoned)
                    await asyncio.to_thread(self._give_back, abandoned)
                    for item_id in abandoned:
                        self._abandoned.pop(item_id, None)
                if time.monotonic() - last_purge >= purge_every:
                    await asyncio.to_thread(self.store.purge_expired)
                    last_purge = time.monotonic()
                await self.flush_outbox()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("retry round failed (%s)", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.gateway_retry_seconds)
            self._wake.clear()

    async def close(self) -> None:
        """Let running turns finish (briefly), then cancel the rest; they stay queued."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        for task in list(self._tasks):
            task.cancel()


def failed_action(events: list[dict[str, Any]]) -> str | None:
    """The custom action Rasa ran without an answer after the tracker's last user message."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return None
    name = None
    for event in events[last_user + 1:]:
        if event.get("event") == "bot":
            return None  # something was answered after it
        if event.get("event") == "action" and event.get("name") not in RASA_OWN_ACTIONS:
            name = event.get("name")
    return str(name) if name else None
