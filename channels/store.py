"""The gateway's own small SQL store: encrypted sender map, message outbox, delivery ids, mailbox.

Everything that could identify a person (raw chat ids, phone numbers, message text) is stored
Fernet-encrypted and expires after the retention period. Works on SQLite and PostgreSQL, so
several gateway replicas can share it (claims keep two replicas from delivering one message).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from channels.pseudonym import SecretBox
from knowledge.db import normalise_url

metadata = MetaData()

senders = Table(
    "gateway_senders",
    metadata,
    Column("pseudonym", String(64), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("raw_id_enc", Text, nullable=False),
    Column("language", String(8)),
    Column("country", String(2)),
    Column("options_json", Text),
    Column("expires_at", Float, nullable=False, index=True),
)

outbox = Table(
    "gateway_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(64), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("metadata_enc", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(20)),
    Column("next_attempt_at", Float, nullable=False, index=True),
    Column("claimed_until", Float, nullable=False, default=0.0),
    Column("expires_at", Float, nullable=False),
)

deliveries = Table(
    "gateway_deliveries",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("seen_at", Float, nullable=False, index=True),
)

mailbox = Table(
    "gateway_mailbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(64), nullable=False, index=True),
    Column("replies_enc", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

payloads = Table(
    "gateway_payloads",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

DELIVERY_ID_TTL = 2 * 24 * 3600.0
MAILBOX_TTL = 24 * 3600.0
CLAIM_SECONDS = 120.0


@dataclass
class SenderRecord:
    """What the gateway keeps about one pseudonymous sender."""

    pseudonym: str
    channel: str
    raw_id: str
    language: str | None = None
    country: str | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class OutboxItem:
    """A user message Rasa has not answered yet."""

    id: int
    pseudonym: str
    channel: str
    text: str
    metadata: dict[str, Any]
    attempts: int


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_store_engine(url: str) -> Engine:
    """An engine for the gateway store; SQLite files get their folder, WAL and a busy timeout."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class GatewayStore:
    """Synchronous store operations (call them through a worker thread from async code)."""

    def __init__(self, engine: Engine, box: SecretBox, retention_seconds: float) -> None:
        self.engine = engine
        self.box = box
        self.retention = retention_seconds
        metadata.create_all(engine)

    # --- senders ---------------------------------------------------------------------------
    def remember_sender(self, pseudonym: str, channel: str, raw_id: str) -> None:
        """Keep the encrypted raw id for replies later; refresh its expiry."""
        expires = time.time() + self.retention
        with self.engine.begin() as conn:
            done = conn.execute(
                update(senders)
                .where(senders.c.pseudonym == pseudonym)
                .values(expires_at=expires)
            ).rowcount
            if done:
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(senders).values(
                        pseudonym=pseudonym,
                        channel=channel,
                        raw_id_enc=self.box.encrypt(raw_id),
                        expires_at=expires,
                    )
                )
        except IntegrityError:
            pass  # another request created it first

    def sender(self, pseudonym: str) -> SenderRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(senders).where(
                    senders.c.pseudonym == pseudonym, senders.c.expires_at > time.time()
                )
            ).first()
        if row is None:
            return None
        return SenderRecord(
            pseudonym=row.pseudonym,
            channel=row.channel,
            raw_id=self.box.decrypt(row.raw_id_enc),
            language=row.language,
            country=row.country,
            options=json.loads(row.options_json) if row.options_json else [],
        )

    def set_sender_fields(self, pseudonym: str, **values: Any) -> None:
        """Update `language`, `country` or `options` (a list of payloads) of a known sender."""
        if "options" in values:
            values["options_json"] = json.dumps(values.pop("options"))
        with self.engine.begin() as conn:
            conn.execute(update(senders).where(senders.c.pseudonym == pseudonym).values(**values))

    def forget_sender(self, pseudonym: str) -> None:
        """Erase everything the gateway holds about one sender."""
        with self.engine.begin() as conn:
            for table in (senders, outbox, mailbox):
                conn.execute(delete(table).where(table.c.pseudonym == pseudonym))

    # --- outbox ----------------------------------------------------------------------------
    def enqueue(
        self,
        pseudonym: str,
        channel: str,
        text: str,
        meta: dict[str, Any],
        error: str,
        delay: float = 0.0,
    ) -> int:
        """Queue a message Rasa did not answer; the first retry is due after `delay` seconds."""
        now = time.time()
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(outbox).values(
                    pseudonym=pseudonym,
                    channel=channel,
                    text_enc=self.box.encrypt(text),
                    metadata_enc=self.box.encrypt(json.dumps(meta)),
                    created_at=now,
                    attempts=1,
                    last_error=error,
                    next_attempt_at=now + delay,
                    claimed_until=0.0,
                    expires_at=now + self.retention,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def pending_count(self, pseudonym: str | None = None) -> int:
        query = select(func.count()).select_from(outbox)
        if pseudonym is not None:
            query = query.where(outbox.c.pseudonym == pseudonym)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def claim(self, pseudonym: str | None = None, limit: int = 200) -> list[OutboxItem]:
        """Claim queued messages in arrival order, never one behind an earlier unclaimed one.

        With a pseudonym: all of that sender's messages (they are writing again, so now is
        the time). Without: for each sender, the run of due messages from their oldest on.
        """
        now = time.time()
        query = select(outbox).order_by(outbox.c.id).limit(limit)
        if pseudonym is not None:
            query = query.where(outbox.c.pseudonym == pseudonym)
        claimed: list[OutboxItem] = []
        blocked: set[str] = set()
        with self.engine.begin() as conn:
            for row in conn.execute(query).all():
                if row.pseudonym in blocked:
                    continue
                due = pseudonym is not None or row.next_attempt_at <= now
                if not due or row.claimed_until >= now:
                    blocked.add(row.pseudonym)
                    continue
                won = conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id, outbox.c.claimed_until < now)
                    .values(claimed_until=now + CLAIM_SECONDS)
                ).rowcount
                if not won:
                    blocked.add(row.pseudonym)
                    continue
                claimed.append(
                    OutboxItem(
                        id=row.id,
                        pseudonym=row.pseudonym,
                        channel=row.channel,
                        text=self.box.decrypt(row.text_enc),
                        metadata=json.loads(self.box.decrypt(row.metadata_enc)),
                        attempts=row.attempts,
                    )
                )
        return claimed

    def delivered(self, item_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.id == item_id))

    def failed(self, item_id: int, attempts: int, delay: float, error: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id)
                .values(
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=time.time() + delay,
                    claimed_until=0.0,
                )
            )

    def release(self, item_ids: list[int]) -> None:
        if not item_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(item_ids)).values(claimed_until=0.0))

    # --- duplicate deliveries ----------------------------------------------------------------
    def first_delivery(self, channel: str, delivery_id: str) -> bool:
        """True the first time a channel delivers this id (Telegram update_id, MessageSid)."""
        key = hashlib.sha256(f"{channel}:{delivery_id}".encode()).hexdigest()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(key=key, seen_at=time.time()))
        except IntegrityError:
            return False
        return True

    # --- web chat mailbox (replies that arrive after a retry) ------------------------------
    def mailbox_put(self, pseudonym: str, replies: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(mailbox).values(
                    pseudonym=pseudonym,
                    replies_enc=self.box.encrypt(json.dumps(replies)),
                    created_at=time.time(),
                )
            )

    def mailbox_take(self, pseudonym: str) -> list[dict[str, Any]]:
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(mailbox).where(mailbox.c.pseudonym == pseudonym).order_by(mailbox.c.id)
            ).all()
            if rows:
                conn.execute(delete(mailbox).where(mailbox.c.id.in_([r.id for r in rows])))
        replies: list[dict[str, Any]] = []
        for row in rows:
            replies.extend(json.loads(self.box.decrypt(row.replies_enc)))
        return replies

    # --- button payloads too long for a channel's callback data ------------------------------
    def payload_key(self, payload: str) -> str:
        key = hashlib.sha256(payload.encode()).hexdigest()[:24]
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(payloads).values(key=key, payload=payload, created_at=time.time())
                )
        except IntegrityError:
            pass
        return key

    def payload_for(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(payloads.c.payload).where(payloads.c.key == key)
            ).scalar_one_or_none()

    # --- expiry -------------------------------------------------------------------------------
    def purge_expired(self) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(senders).where(senders.c.expires_at <= now))
            conn.execute(delete(outbox).where(outbox.c.expires_at <= now))
            conn.execute(delete(deliveries).where(deliveries.c.seen_at <= now - DELIVERY_ID_TTL))
            conn.execute(delete(mailbox).where(mailbox.c.created_at <= now - MAILBOX_TTL))
            conn.execute(delete(payloads).where(payloads.c.created_at <= now - self.retention))
