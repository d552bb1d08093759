"""Pseudonyms, encryption at rest, expiry, deduplication and claims of the gateway store."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from channels.pseudonym import InvalidToken, SecretBox, pseudonymise
from channels.ratelimit import RateLimiter
from channels.store import GatewayStore, make_store_engine

PHONE = "whatsapp:+5215512345678"


@pytest.fixture
def store(tmp_path) -> GatewayStore:
    engine = make_store_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    return GatewayStore(engine, SecretBox("k" * 40), retention_seconds=3600)


def test_pseudonym_is_keyed_per_channel_and_long_enough() -> None:
    a = pseudonymise("secret-one", "whatsapp", PHONE)
    assert re.fullmatch(r"[0-9a-f]{40}", a)  # 160 bits
    assert a == pseudonymise("secret-one", "whatsapp", PHONE)
    assert a != pseudonymise("secret-two", "whatsapp", PHONE)
    assert a != pseudonymise("secret-one", "telegram", PHONE)
    assert "5512345678" not in a


def test_secret_box_round_trip_and_key_separation() -> None:
    box = SecretBox("one" * 12)
    token = box.encrypt(PHONE)
    assert PHONE not in token
    assert box.decrypt(token) == PHONE
    with pytest.raises(InvalidToken):
        SecretBox("two" * 12).decrypt(token)


def test_raw_ids_and_text_are_encrypted_at_rest(store: GatewayStore, tmp_path) -> None:
    store.remember_sender("p1", "whatsapp", PHONE)
    store.enqueue("p1", "whatsapp", "me pegan en casa", {"location": {"lat": 1.0}})
    dump = "\n".join(sqlite3.connect(tmp_path / "gw.db").iterdump())
    assert "5512345678" not in dump
    assert "pegan" not in dump
    record = store.sender("p1")
    assert record is not None and record.raw_id == PHONE


def test_sender_expires_and_is_purged(tmp_path) -> None:
    engine = make_store_engine(f"sqlite:///{tmp_path / 'gw.db'}")
    short = GatewayStore(engine, SecretBox("k" * 40), retention_seconds=0.2)
    short.remember_sender("p1", "telegram", "12345")
    short.enqueue("p1", "telegram", "hola", {})
    assert short.sender("p1") is not None
    time.sleep(0.3)
    assert short.sender("p1") is None
    short.purge_expired()
    assert short.pending_count() == 0


def test_forget_sender_erases_everything(store: GatewayStore) -> None:
    store.remember_sender("p1", "telegram", "12345")
    store.enqueue("p1", "telegram", "hola", {})
    store.mailbox_put("p1", [{"text": "hi"}])
    store.remember_sender("p2", "telegram", "999")
    store.forget_sender("p1")
    assert store.sender("p1") is None
    assert store.pending_count("p1") == 0
    assert store.mailbox_take("p1") == []
    assert store.sender("p2") is not None


def test_duplicate_delivery_ids_are_seen_once(store: GatewayStore) -> None:
    assert store.first_delivery("telegram", "1001")
    assert not store.first_delivery("telegram", "1001")
    assert store.first_delivery("whatsapp", "1001")


def test_claims_keep_order_and_are_exclusive(store: GatewayStore) -> None:
    first = store.enqueue("p1", "webchat", "one", {})
    store.enqueue("p1", "webchat", "two", {})
    store.enqueue("p2", "webchat", "other", {}, delay=60)
    assert store.due_senders() == ["p1"]  # p2 is not due yet
    claimed = store.claim_next("p1")
    assert claimed is not None and claimed.text == "one"
    assert store.claim_next("p1") is None  # its oldest message is held: "two" must wait
    assert store.due_senders() == []
    store.failed(first, 2, delay=60, error="transport")
    assert store.claim_next("p1") is None  # "two" must not overtake "one"
    retried = store.claim_next("p1", force=True)  # the sender wrote again: try now
    assert retried is not None and (retried.text, retried.attempts) == ("one", 2)
    store.delivered(retried.id)
    following = store.claim_next("p1")
    assert following is not None and following.text == "two"


def test_receipt_and_delivery_id_are_one_transaction(store: GatewayStore) -> None:
    assert store.receive("p1", "telegram", "hola", {}, "1001") is not None
    assert store.receive("p1", "telegram", "hola", {}, "1001") is None  # re-delivered
    assert store.pending_count("p1") == 1
    store.forget_sender("p1")
    assert store.holds_anything_of("p1") == dict.fromkeys(
        ["gateway_senders_v2", "gateway_queue", "gateway_mailbox", "gateway_delivery_ids",
         "gateway_media"], 0)


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=2, window=60)
    assert limiter.allow("a", now=0) and limiter.allow("a", now=1)
    assert not limiter.allow("a", now=2)
    assert limiter.allow("b", now=2)
    assert limiter.allow("a", now=61)
