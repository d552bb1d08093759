"""The production shape, for real: two Rasa servers, two action servers and two gateways (and
the console) on one PostgreSQL database made for this module and one Redis (keys under this
run's prefix), a round-robin proxy in front of each tier (`devstack.replicas`), Telegram and
Twilio faked at their HTTP boundary.

Held here: a conversation whose turns alternate replicas keeps its slots; two messages of one
sender at the same moment on the two gateways (and on the two Rasa servers) are processed one
after the other and both answered, in order; one Telegram update or Twilio message delivered
to both gateways is processed once; erasure on one replica is seen by the other at once; the
retention purge empties every store on PostgreSQL; a Rasa replica killed under 20 concurrent
conversations loses no message; the per-sender rate limit holds across gateways.
"""


from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa

from devstack.replicas import DOWN_SECONDS
from tests.auxil.answers import assert_sent_in_order, assert_turns_serial
from tests.auxil.replicas import (
    RATE,
    Env,
    apologies,
    at_once,
    bot_texts,
    converse_through_fault,
    count_answers,
    replica_env,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with replica_env(tmp_path_factory.mktemp("replicas")) as running:
        yield running


def test_every_store_is_on_postgresql_and_redis(env: Env) -> None:
    s = env.stack.settings
    assert {s.database_url, s.tracker_store_url, s.gateway_database_url} == {s.database_url}
    assert s.database_url.startswith("postgresql")
    endpoints = (env.stack.var_dir / "endpoints.yml").read_text()
    assert "dialect: postgresql" in endpoints and "SharedLockStore" in endpoints
    assert f"key_prefix: {env.stack.lock_prefix}" in endpoints
    names = [c.name for c in env.stack.children]
    assert names == ["actions-1", "actions-2", "rasa-1", "rasa-2", "gateway-1", "gateway-2",
                     "console"]
    assert httpx.get(f"http://127.0.0.1:{env.stack.console_port}/health").status_code == 200


def test_a_conversation_alternating_replicas_keeps_its_slots(env: Env) -> None:
    chat = 920000001
    pseudonym = env.pseudonym("telegram", chat)
    before = len(env.rest_turns())
    actions_before = env.stack.proxies["actions"].counts()
    turns: list[tuple[str, Callable[[dict[str, Any]], bool]]] = [
        ("hola", lambda s: s["language"] == "es"),
        ("estoy en México", lambda s: s["country"] == "MX" and s["language"] == "es"),
        ("borra mis datos", lambda s: s["awaiting"] == "delete_confirm" and s["country"] == "MX"),
        ("no", lambda s: not s["awaiting"] and s["country"] == "MX" and s["language"] == "es"),
    ]
    for n, (text, holds) in enumerate(turns):
        env.say(n % 2, chat, text)
        # The other Rasa replica reads the slots the turn just set.
        slots = env.slots(pseudonym, rasa=(n + 1) % 2)
        assert holds(slots), (text, {k: slots.get(k) for k in ("language", "country",
                                                              "awaiting")})
    assert any("no se borró nada" in t.lower() for t in env.sent_to(chat)), env.sent_to(chat)
    taken = env.rest_turns()[before:]
    assert len(taken) == len(turns)
    assert all(a != b for a, b in zip(taken, taken[1:], strict=False)), taken
    actions_after = env.stack.proxies["actions"].counts()
    assert all(a > b for a, b in zip(actions_after, actions_before, strict=True))


def test_two_messages_of_one_sender_at_once_on_two_gateways_answered_in_order(env: Env) -> None:
    chat = 920000002
    pseudonym = env.pseudonym("telegram", chat)
    env.say(0, chat, "hola")
    texts = ["estoy en México", "¿puedo ir al médico sin papeles?"]
    results = at_once(lambda: env.telegram(0, chat, texts[0]),
                      lambda: env.telegram(1, chat, texts[1]))
    assert [r.status_code for r in results] == [200, 200], results
    wait_until(lambda: all(t in env.user_texts(pseudonym) for t in texts), 60, "both turns")
    wait_until(lambda: env.queued() == 0, 60, "queue drained")
    users = env.user_texts(pseudonym)
    assert sorted(users[1:]) == sorted(texts) and len(users) == 3, users
    events = env.tracker(pseudonym)["events"]
    assert_turns_serial(events)
    assert_sent_in_order(bot_texts(env, pseudonym), lambda: env.sent_to(chat))


def test_two_turns_at_once_on_the_two_rasa_replicas_wait_for_each_other(env: Env) -> None:
    sender = "rest-" + uuid.uuid4().hex
    rounds = [("hola", "estoy en México"), ("¿puedo ir al médico?", "gracias"),
              ("¿mis hijos pueden ir a la escuela?", "adiós")]

    def post(rasa: int, text: str) -> list[dict[str, Any]]:
        response = httpx.post(env.rasas[rasa] + "/webhooks/rest/webhook", timeout=90,
                              json={"sender": sender, "message": text})
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    for first, second in rounds:
        answers = at_once(functools.partial(post, 0, first), functools.partial(post, 1, second))
        assert all(isinstance(a, list) and a for a in answers), answers
    events = env.tracker(sender)["events"]
    users = [e["text"] for e in events if e.get("event") == "user"]
    assert sorted(users) == sorted(t for pair in rounds for t in pair), users
    assert_turns_serial(events)
    # No turn's events were lost to another's save: Rasa's store holds what the tracker shows.
    assert env.stored_events(sender) >= len(events)


def test_one_delivery_on_both_gateways_is_processed_once(env: Env) -> None:
    chat, update_id = 920000003, next(env._ids)
    pseudonym = env.pseudonym("telegram", chat)
    results = at_once(lambda: env.telegram(0, chat, "estoy en México", update_id),
                      lambda: env.telegram(1, chat, "estoy en México", update_id))
    assert [r.status_code for r in results] == [200, 200], results
    assert env.telegram(1, chat, "estoy en México", update_id).status_code == 200  # later
    phone, sid = "+5215520000003", "SM" + uuid.uuid4().hex
    wa = env.pseudonym("whatsapp", f"whatsapp:{phone}")
    answers = at_once(lambda: env.whatsapp(0, phone, "estoy en México", sid),
                      lambda: env.whatsapp(1, phone, "estoy en México", sid))
    assert [r.status_code for r in answers] == [200, 200], answers
    wait_until(lambda: env.bodies_to(phone), 30, "the WhatsApp answer")
    assert env.whatsapp(0, phone, "estoy en México", sid).status_code == 200
    wait_until(lambda: env.queued() == 0, 60, "queue drained")
    time.sleep(2)  # a second processing would have answered by now
    assert env.user_texts(pseudonym) == ["estoy en México"]
    assert env.user_texts(wa) == ["estoy en México"]
    assert sum("Entendido" in t for t in env.sent_to(chat)) == 1, env.sent_to(chat)
    assert sum("Entendido" in b for b in env.bodies_to(phone)) == 1, env.bodies_to(phone)
    ids = env.sql("SELECT count(*) FROM gateway_delivery_ids WHERE pseudonym IN (:a, :b)",
                  a=pseudonym, b=wa)
    assert ids == 2


def test_erasure_on_one_replica_is_seen_by_the_other_at_once(env: Env) -> None:
    chat = 920000004
    pseudonym = env.pseudonym("telegram", chat)
    store = env.store()
    for n, text in enumerate(["hola", "estoy en México", "quiero hablar con una persona"]):
        env.say(n % 2, chat, text)
    assert env.handoff_requests(pseudonym) == 1
    env.say(1, chat, "borra mis datos")
    assert env.telegram(0, chat, "sí").status_code == 200
    # Once the gateway that took the "yes" has forgotten the sender, every other replica sees
    # the conversation gone at once: the tracker on both Rasa servers, the gateway store and
    # the hand-off queue on PostgreSQL.
    wait_until(lambda: not store.holds_anything_of(pseudonym)["gateway_senders_v2"], 30,
               "the sender forgotten")
    for rasa in (0, 1):
        assert env.user_texts(pseudonym, rasa) == [], rasa
    assert env.stored_events(pseudonym) == 0
    assert not any(store.holds_anything_of(pseudonym).values()), \
        store.holds_anything_of(pseudonym)
    assert env.handoff_requests(pseudonym) == 0
    store.engine.dispose()
    env.say(1, chat, "hola")
    slots = env.slots(pseudonym, 0)
    assert slots["country"] is None and env.user_texts(pseudonym, 0) == ["hola"]


def test_retention_purge_on_postgresql_empties_every_store(env: Env) -> None:
    old, fresh = 920000005, 920000006
    gone, kept = env.pseudonym("telegram", old), env.pseudonym("telegram", fresh)
    for n, text in enumerate(["hola", "estoy en México", "quiero hablar con una persona"]):
        env.say(n % 2, old, text)
    env.say(1, fresh, "hola")
    assert env.handoff_requests(gone) == 1
    store = env.store()
    assert store.holds_anything_of(gone)["gateway_senders_v2"] == 1
    # The old conversation's last message was 40 days ago (retention: 30 days).
    day = 86400
    engine = env.engine()
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE events SET timestamp = timestamp - :d WHERE sender_id = :s"),
                     {"d": 40 * day, "s": gone})
        conn.execute(sa.text("UPDATE gateway_senders_v2 SET expires_at = :t "
                             "WHERE pseudonym = :s"), {"t": time.time() - 10 * day, "s": gone})
        conn.execute(sa.text("UPDATE gateway_delivery_ids SET seen_at = seen_at - :d "
                             "WHERE pseudonym = :s"), {"d": 40 * day, "s": gone})
        conn.execute(sa.text("UPDATE handoff_requests SET requested_at = requested_at - "
                             "interval '40 days' WHERE sender_id = :s"), {"s": gone})
    engine.dispose()
    # The action servers' purge (every 2 s here).
    wait_until(lambda: env.handoff_requests(gone) == 0, 30, "hand-off request purged")
    # Each Rasa replica's tracker store purges on a save once its interval (2 s) has passed.
    time.sleep(2.5)
    for n in range(2):
        env.say(n, fresh, "gracias")
    wait_until(lambda: env.stored_events(gone) == 0, 30, "tracker purged")
    # A gateway purges at start (and hourly): the restarted replica purges what the other
    # one wrote.
    gateway = env.stack.child("gateway-2")
    gateway.stop()
    gateway.start()
    wait_until(gateway.healthy, 60, "gateway-2 back")
    wait_until(lambda: not any(store.holds_anything_of(gone).values()), 30, "gateway purged")
    assert env.user_texts(gone, 1) == []
    assert env.user_texts(kept, 0) == ["hola", "gracias", "gracias"]
    assert store.holds_anything_of(kept)["gateway_senders_v2"] == 1
    store.engine.dispose()


def test_a_rasa_replica_killed_under_20_conversations_loses_no_message(env: Env) -> None:
    chats = [920001000 + i for i in range(20)]
    lines = ["hola", "estoy en México", "¿puedo ir al médico sin papeles?"]
    proxy = env.stack.proxies["rasa"]
    served_before = len(proxy.served)
    victim = env.stack.child("rasa-1")

    def kill() -> None:
        assert victim.proc is not None
        os.killpg(victim.proc.pid, signal.SIGKILL)

    count = converse_through_fault(env, chats, lines, kill)
    assert count.messages_in == len(lines) * len(chats) and count.redelivered == 0
    count_answers(env, count, lines, apologies(), rasa=1)
    assert count.answers_out == count.messages_in + count.taken_twice, count
    # The supervisor restarts the killed replica and the proxy sends it turns again.
    wait_until(victim.healthy, 120, "rasa-1 restarted")
    time.sleep(DOWN_SECONDS)  # the proxy tries a replica that refused again after this long
    for n in range(4):
        env.say(n % 2, chats[n], "gracias")
    assert 0 in [i for m, path, i in list(proxy.served)[served_before:]
                 if path == "/webhooks/rest/webhook"][-4:]
    print(f"\nrasa-1 killed under 20 conversations: {count.summary()}; {proxy.failed} turns "
          f"lost with the replica and retried, {proxy.failovers} failovers")


def test_the_rate_limit_holds_across_gateways(env: Env) -> None:
    session = "ratelimit" + uuid.uuid4().hex[:8]
    pseudonym = env.pseudonym("webchat", session)
    codes = [env.webchat(n % 2, session, f"hola {n}").status_code for n in range(RATE + 3)]
    assert codes == [200] * RATE + [429] * 3, codes
    prefix = env.stack.settings.gateway_redis_prefix
    client = redis.Redis.from_url(env.stack.settings.redis_url or "")
    try:
        assert client.zcard(f"{prefix}:ratelimit:{pseudonym}") == RATE
    finally:
        client.close()
