"""The replica stack of the replica and fault tests (`devstack.replicas`) with Telegram and
Twilio faked at their HTTP boundary, and the ways a person writes to it and a test reads what
each store holds."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from channels import texts
from channels.pseudonym import SecretBox, pseudonymise
from channels.store import GatewayStore, make_store_engine
from devstack.replicas import POSTGRES_SERVER, REDIS_URL, ReplicaStack, temporary_replica_stack
from devstack.supervisor import free_port, isolated_settings
from devstack.training import train
from helpline.handoff import handoffs
from helpline.i18n import LANGUAGES, gettext_for
from tests.auxil.answers import assert_turns_serial, squash
from tests.auxil.fake_apis import FakeBotApi, FakeTwilio, update_ids
from tests.auxil.networking import ServedApp, wait_until

SECRET = "replica-stack-secret-0123456789abcdef0123"
BOT_TOKEN = "7000000003:AAFakeTokenForReplicaTests0123456"
WEBHOOK_SECRET = "telegram-webhook-secret-replicas-01"
ACCOUNT_SID = "AC99887766554433221100ffeeddccbbaa"
AUTH_TOKEN = "99887766554433221100ffeeddccbbaa"
HELPLINE_NUMBER = "+14155238886"
PUBLIC = "https://helpline.example.org"
#: Messages per sender and minute, for every gateway together.
RATE = 8


@dataclass
class Env:
    """The running replica stack, the fakes, and the ways a person writes to it."""

    stack: ReplicaStack
    bot: FakeBotApi
    twilio: FakeTwilio
    _ids: Iterator[int] = field(default_factory=update_ids)

    @property
    def gateways(self) -> list[str]:
        return self.stack.replica_urls("gateway")

    @property
    def rasas(self) -> list[str]:
        return self.stack.replica_urls("rasa")

    @property
    def gateway_proxy(self) -> str:
        return f"http://127.0.0.1:{self.stack.settings.gateway_port}"

    # --- channels ---------------------------------------------------------------------------------
    def telegram(self, gateway: str | int, chat: int, text: str, update_id: int | None = None,
                 timeout: float = 90) -> httpx.Response:
        url = self.gateways[gateway] if isinstance(gateway, int) else gateway
        body = {"update_id": update_id or next(self._ids), "message": {
            "message_id": next(self._ids) % 10**6, "date": int(time.time()), "text": text,
            "from": {"id": chat, "is_bot": False, "first_name": "A", "language_code": "es"},
            "chat": {"id": chat, "type": "private", "first_name": "A"}}}
        return httpx.post(url + "/webhooks/telegram", content=json.dumps(body), timeout=timeout,
                          headers={"Content-Type": "application/json",
                                   "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})

    def say(self, gateway: int, chat: int, text: str) -> None:
        """One Telegram message, and wait until it is answered. The webhook returns once the
        message is stored; usually after its answer too, but the other gateway's outbox may
        claim it first and answer it from there."""
        assert self.telegram(gateway, chat, text).status_code == 200
        pseudonym = self.pseudonym("telegram", chat)
        wait_until(lambda: self.queued(pseudonym) == 0, 60, f"{text!r} answered")

    def whatsapp(self, gateway: int, phone: str, text: str, sid: str) -> httpx.Response:
        fields = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
                  "To": f"whatsapp:{HELPLINE_NUMBER}", "Body": text, "NumMedia": "0"}
        body = urlencode(fields)
        signature = RequestValidator(AUTH_TOKEN).compute_signature(
            PUBLIC + "/webhooks/whatsapp", dict(parse_qsl(body, keep_blank_values=True)))
        return httpx.post(self.gateways[gateway] + "/webhooks/whatsapp", content=body,
                          timeout=30, headers={"Content-Type": "application/x-www-form-urlencoded",
                                               "X-Twilio-Signature": signature})

    def webchat(self, gateway: int, session: str, text: str) -> httpx.Response:
        return httpx.post(self.gateways[gateway] + "/webchat/message", timeout=60,
                          json={"session": session, "message": text})

    def sent_to(self, chat: int) -> list[str]:
        return [str(p.get("text", "")) for p in self.bot.sent() if int(p["chat_id"]) == chat]

    def bodies_to(self, phone: str) -> list[str]:
        return [m.get("Body", "") for m in self.twilio.messages
                if m.get("To") == f"whatsapp:{phone}"]

    # --- stores -----------------------------------------------------------------------------------
    def pseudonym(self, channel: str, raw: str | int) -> str:
        return pseudonymise(SECRET, channel, str(raw))

    def tracker(self, pseudonym: str, rasa: int = 0) -> dict[str, Any]:
        response = httpx.get(f"{self.rasas[rasa]}/conversations/{pseudonym}/tracker", timeout=30)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def user_texts(self, pseudonym: str, rasa: int = 0) -> list[str]:
        return [e.get("text") or "" for e in self.tracker(pseudonym, rasa)["events"]
                if e.get("event") == "user"]

    def slots(self, pseudonym: str, rasa: int) -> dict[str, Any]:
        slots: dict[str, Any] = self.tracker(pseudonym, rasa)["slots"]
        return slots

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.stack.settings.database_url)

    def store(self) -> GatewayStore:
        return GatewayStore(make_store_engine(self.stack.settings.gateway_database_url,
                                              migrate=False), SecretBox(SECRET), 86400.0)

    def sql(self, query: str, **params: Any) -> Any:
        engine = self.engine()
        try:
            with engine.begin() as conn:
                return conn.execute(sa.text(query), params).scalar()
        finally:
            engine.dispose()

    def stored_events(self, pseudonym: str) -> int:
        return int(self.sql("SELECT count(*) FROM events WHERE sender_id = :s", s=pseudonym))

    def handoff_requests(self, pseudonym: str) -> int:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return int(conn.execute(sa.select(sa.func.count()).select_from(handoffs)
                                        .where(handoffs.c.sender_id == pseudonym)).scalar_one())
        finally:
            engine.dispose()

    def queued(self, pseudonym: str | None = None) -> int:
        """Messages not answered yet (of one sender)."""
        if pseudonym is None:
            return int(self.sql("SELECT count(*) FROM gateway_queue"))
        return int(self.sql("SELECT count(*) FROM gateway_queue WHERE pseudonym = :p",
                            p=pseudonym))

    def rest_turns(self) -> list[int]:
        """The Rasa replica (0, 1) that took each REST turn so far, in order."""
        return [i for m, path, i in list(self.stack.proxies["rasa"].served)
                if m == "POST" and path == "/webhooks/rest/webhook"]


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released by one barrier; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:  # reported by the caller's assertions
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def bot_texts(env: Env, pseudonym: str, rasa: int = 0) -> list[str]:
    return [e["text"] for e in env.tracker(pseudonym, rasa)["events"]
            if e.get("event") == "bot" and e.get("text")]


@contextlib.contextmanager
def replica_env(var: Path, postgres: str = POSTGRES_SERVER, redis_url: str = REDIS_URL,
                **options: Any) -> Iterator[Env]:
    """Two replicas of every tier and the console on a database of their own on `postgres`
    and key prefixes of their own on `redis_url`; Telegram and Twilio fakes served beside."""
    bot, twilio = FakeBotApi(BOT_TOKEN), FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    with ServedApp(bot.app()) as bot_api, ServedApp(twilio.app()) as twilio_api:
        base = isolated_settings(
            var, SECRET, gateway_retry_seconds=1.0, gateway_rate_limit_per_minute=RATE,
            public_base_url=PUBLIC, telegram_bot_token=BOT_TOKEN,
            telegram_webhook_secret=WEBHOOK_SECRET, telegram_api_base_url=bot_api.url,
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_whatsapp_number=HELPLINE_NUMBER, twilio_api_base_url=twilio_api.url,
            handoff_opening_hours="mon-sun 00:00-24:00", handoff_purge_seconds=2.0)
        started = time.monotonic()
        stack_options: dict[str, Any] = {
            "console_port": free_port(), "lock_lifetime": 10, "tracker_purge_seconds": 2.0,
            "console_env": {"CONSOLE_SECRET_KEY": "replica-console-key-0123456789abcdef"},
            **options}
        with temporary_replica_stack(train(), base, var, postgres=postgres, redis_url=redis_url,
                                     **stack_options) as stack:
            print(f"\nreplica stack healthy after {time.monotonic() - started:.1f} s")
            yield Env(stack, bot, twilio)


@dataclass
class LoadCount:
    """What a load of concurrent conversations put in and got out."""

    messages_in: int = 0  # updates a gateway accepted (each once)
    redelivered: int = 0  # deliveries refused or failed and sent again, as Telegram does
    answers_out: int = 0  # turns whose answer reached the fake Bot API
    taken_twice: int = 0  # messages Rasa processed twice (at-least-once after a fault)
    apologies: int = 0  # "we are having trouble" messages sent while a turn waited
    fault_at: float = 0.0
    drained_at: float = 0.0
    chats: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.messages_in} messages in, {self.answers_out} answers out "
                f"({self.taken_twice} processed twice, {self.redelivered} deliveries repeated, "
                f"{self.apologies} apologies while waiting); fault at {self.fault_at:.1f} s, "
                f"all answered at {self.drained_at:.1f} s")


def converse_through_fault(env: Env, chats: list[int], lines: list[str],
                           fault: Callable[[], None], after: int = 10,
                           redeliver_for: float = 120.0) -> LoadCount:
    """Every chat says `lines` in turn, all chats at once, through the gateway proxy; once
    `after` messages have been accepted, `fault()` runs (in this thread). A delivery that is
    refused or fails is sent again with the same update id every second (Telegram's way)
    for up to `redeliver_for` seconds. Returns once every accepted message is answered."""
    count = LoadCount(chats=list(chats))
    lock = threading.Lock()
    refused: list[str] = []

    def converse(chat: int) -> None:
        for text in lines:
            update_id = next(env._ids)
            deadline = time.monotonic() + redeliver_for
            while True:
                try:
                    ok = env.telegram(env.gateway_proxy, chat, text, update_id).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    with lock:
                        count.messages_in += 1
                    break
                if time.monotonic() > deadline:
                    refused.append(text)
                    return
                with lock:
                    count.redelivered += 1
                time.sleep(1.0)

    threads = [threading.Thread(target=converse, args=(c,)) for c in chats]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    wait_until(lambda: count.messages_in >= after, 120, f"{after} messages accepted")
    count.fault_at = time.monotonic() - started
    fault()
    for thread in threads:
        thread.join(redeliver_for + 120)
    assert not refused, f"{len(refused)} messages never accepted"
    wait_until(lambda: env.queued() == 0, 180, "every accepted message answered")
    count.drained_at = time.monotonic() - started
    return count


def apologies() -> set[str]:
    """The gateway's "we are having trouble, we will answer" message in every language."""
    return {gettext_for(lang)(texts.APOLOGY) for lang in LANGUAGES}


def count_answers(env: Env, count: LoadCount, lines: list[str], sorry: set[str],
                  rasa: int = 0) -> None:
    """Fill `answers_out`, `taken_twice` and `apologies` from the trackers (read on replica
    `rasa`) and what the fake Bot API was sent; each conversation's turns must be serial and
    hold every line."""
    for chat in count.chats:
        pseudonym = env.pseudonym("telegram", chat)
        events = env.tracker(pseudonym, rasa)["events"]
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        said = [events[i].get("text") for i in users]
        assert all(line in said for line in lines), (chat, said)
        count.taken_twice += len(users) - len(lines)
        assert_turns_serial(events)
        stream = squash("".join(env.sent_to(chat)))
        for start, end in zip(users, [*users[1:], len(events)], strict=True):
            first = next(e["text"] for e in events[start:end]
                         if e.get("event") == "bot" and e.get("text"))
            count.answers_out += squash(first)[:20] in stream
        count.apologies += sum(t in sorry for t in env.sent_to(chat))
