"""The gateway's own small SQL store: encrypted sender map, message queue, delivery ids, mailbox.

Every message a channel hands over is written to the queue in the same transaction that marks
its delivery id as seen (and the sender's `last_inbound_at`, which WhatsApp's 24-hour window
counts from), and leaves the queue only once it has been answered; a gateway that dies mid-turn
finds it there again when it restarts. Media a person sends (voice notes, photos…) are kept as a
reference only (`gateway_media`: the channel's file id or media URL, encrypted, under a random
id), so a caseworker can fetch them from the channel on demand; the bytes are never stored.
Everything that could identify a person (raw chat ids, phone numbers, message text, country,
media references) is Fernet-encrypted and expires after the retention period. Works on SQLite
and PostgreSQL, so several gateway replicas can share it (claims keep two replicas from
delivering one message). Its schema is Alembic's (`channels/migrations`, version table
`gateway_alembic_version`): `make_store_engine` brings it to head when the gateway opens the
store.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
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
from helpline.schema import upgrade
from knowledge.db import normalise_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "gateway_alembic_version"

metadata = MetaData()

# `_v2`: the sender map changed shape (encrypted country, chosen language) while the schema was
# still made by `create_all`, which never alters a table; Alembic migrations change it now.
senders = Table(
    "gateway_senders_v2",
    metadata,
    Column("pseudonym", String(64), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("raw_id_enc", Text, nullable=False),
    Column("language", String(8)),
    Column("language_chosen", String(8)),
    Column("country_enc", Text),
    Column("options_json", Text),
    Column("expires_at", Float, nullable=False, index=True),
    #: When the gateway last received a message from this person (any kind, epoch seconds).
    Column("last_inbound_at", Float),
)

#: A queued message's state: `new` (Rasa has not seen it), `unanswered` (Rasa took the turn
#: but the action server did not answer: only the answer step is replayed), `answered` (the
#: answer is kept here until it has been sent, so a restart sends it without a second turn).
outbox = Table(
    "gateway_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(64), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("metadata_enc", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("state", String(12), nullable=False, default="new"),
    Column("last_error", String(20)),
    Column("next_attempt_at", Float, nullable=False, index=True),
    Column("claimed_until", Float, nullable=False, default=0.0),
    Column("notified_at", Float),
    Column("replies_enc", Text),
    Column("expires_at", Float, nullable=False),
)

deliveries = Table(
    "gateway_delivery_ids",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("pseudonym", String(64), index=True),
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

#: One item a person sent that the gateway cannot read (voice, photo, video, document): the
#: channel's reference to it (Telegram `file_id`, Twilio `MediaUrl`), encrypted; `source_key`
#: (a hash of the delivery and the item's position) keeps a re-delivered message from adding it
#: twice.
media = Table(
    "gateway_media",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("pseudonym", String(64), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("ref_enc", Text, nullable=False),
    Column("content_type", String(100)),
    Column("source_key", String(64), index=True, unique=True),
    Column("received_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

#: What the transcript calls an item, from what the channel says it is.
MEDIA_KINDS = ("voice", "photo", "video", "document")

#: Every table with rows about one person (by pseudonym): what an erasure empties.
PERSONAL_TABLES = (senders, outbox, mailbox, deliveries, media)

DELIVERY_ID_TTL = 2 * 24 * 3600.0
MAILBOX_TTL = 24 * 3600.0
#: How long a claimed message is reserved for the process that claimed it. A process that dies
#: holding a claim delays that message by at most this long (on SQLite, a restarted gateway
#: releases every claim at once: only one gateway host can use a SQLite file).
CLAIM_SECONDS = 60.0


@dataclass
class SenderRecord:
    """What the gateway keeps about one pseudonymous sender."""

    pseudonym: str
    channel: str
    raw_id: str
    language: str | None = None
    country: str | None = None
    options: list[str] = field(default_factory=list)
    language_chosen: str | None = None
    last_inbound_at: float | None = None


@dataclass
class MediaRecord:
    """One media item a person sent; `ref` (the channel's reference) only when asked for."""

    id: str
    pseudonym: str
    channel: str
    kind: str
    received_at: float
    content_type: str | None = None
    ref: str | None = None


@dataclass
class OutboxItem:
    """A user message Rasa has not answered yet."""

    id: int
    pseudonym: str
    channel: str
    text: str
    metadata: dict[str, Any]
    attempts: int
    state: str = "new"
    created_at: float = 0.0
    notified_at: float | None = None
    replies: list[dict[str, Any]] | None = None


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_store_engine(url: str, migrate: bool = True) -> Engine:
    """An engine for the gateway store, its schema upgraded to head (`migrate`); SQLite files
    get their folder, WAL and a busy timeout."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    if migrate:
        migrate_store(engine)
    return engine


def migrate_store(engine: Engine, revision: str = "head") -> None:
    """Upgrade the gateway store's tables on `engine` to `revision` (Alembic)."""
    upgrade(engine, MIGRATIONS_DIR, revision)


class GatewayStore:
    """Synchronous store operations (call them through a worker thread from async code)."""

    def __init__(self, engine: Engine, box: SecretBox, retention_seconds: float) -> None:
        self.engine = engine
        self.box = box
        self.retention = retention_seconds

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
            country=self.box.decrypt(row.country_enc) if row.country_enc else None,
            options=json.loads(row.options_json) if row.options_json else [],
            language_chosen=row.language_chosen,
            last_inbound_at=row.last_inbound_at,
        )

    def set_sender_fields(self, pseudonym: str, **values: Any) -> None:
        """Update `language`, `language_chosen`, `country` (kept encrypted) or `options` (a list
        of payloads) of a known sender."""
        if "options" in values:
            values["options_json"] = json.dumps(values.pop("options"))
        if "country" in values:
            country = values.pop("country")
            values["country_enc"] = self.box.encrypt(country) if country else None
        with self.engine.begin() as conn:
            conn.execute(update(senders).where(senders.c.pseudonym == pseudonym).values(**values))

    def touch_inbound(self, pseudonym: str, at: float | None = None) -> None:
        """Record that the person just wrote (a message the queue does not take, e.g. media)."""
        with self.engine.begin() as conn:
            conn.execute(update(senders).where(senders.c.pseudonym == pseudonym)
                         .values(last_inbound_at=time.time() if at is None else at))

    def forget_sender(self, pseudonym: str) -> None:
        """Erase everything the gateway holds about one sender: sender map, queue, mailbox,
        delivery ids and media references, in one transaction."""
        with self.engine.begin() as conn:
            for table in PERSONAL_TABLES:
                conn.execute(delete(table).where(table.c.pseudonym == pseudonym))

    def holds_anything_of(self, pseudonym: str) -> dict[str, int]:
        """Rows kept about one sender, per table (what an erasure test reads)."""
        with self.engine.connect() as conn:
            return {
                str(table.name): int(conn.execute(
                    select(func.count()).select_from(table)
                    .where(table.c.pseudonym == pseudonym)).scalar_one())
                for table in PERSONAL_TABLES
            }

    # --- the queue ---------------------------------------------------------------------------
    @staticmethod
    def delivery_key(channel: str, delivery_id: str) -> str:
        return hashlib.sha256(f"{channel}:{delivery_id}".encode()).hexdigest()

    def receive(
        self,
        pseudonym: str,
        channel: str,
        text: str,
        meta: dict[str, Any],
        delivery_id: str | None = None,
        delay: float = 0.0,
    ) -> int | None:
        """Queue an incoming message and mark its delivery id seen, in one transaction.

        Returns the queue id, or None when the channel delivered this id before (nothing is
        written then). The message is due after `delay` seconds.
        """
        now = time.time()
        try:
            with self.engine.begin() as conn:
                if delivery_id:
                    conn.execute(insert(deliveries).values(
                        key=self.delivery_key(channel, delivery_id), pseudonym=pseudonym,
                        seen_at=now))
                conn.execute(update(senders).where(senders.c.pseudonym == pseudonym)
                             .values(last_inbound_at=now))
                result = conn.execute(
                    insert(outbox).values(
                        pseudonym=pseudonym,
                        channel=channel,
                        text_enc=self.box.encrypt(text),
                        metadata_enc=self.box.encrypt(json.dumps(meta)),
                        created_at=now,
                        attempts=0,
                        state="new",
                        next_attempt_at=now + delay,
                        claimed_until=0.0,
                        expires_at=now + self.retention,
                    )
                )
                key = result.inserted_primary_key
                assert key is not None
                return int(key[0])
        except IntegrityError:
            return None

    def enqueue(self, pseudonym: str, channel: str, text: str, meta: dict[str, Any],
                delay: float = 0.0) -> int:
        """Queue a message without a delivery id (kept for tools and tests)."""
        found = self.receive(pseudonym, channel, text, meta, None, delay)
        assert found is not None
        return found

    def claim_next(self, pseudonym: str, force: bool = False) -> OutboxItem | None:
        """Claim the oldest queued message of one sender, unless another process holds it or
        its retry is not due yet (`force`: try it now all the same, the sender wrote again)."""
        now = time.time()
        with self.engine.begin() as conn:
            row = conn.execute(
                select(outbox).where(outbox.c.pseudonym == pseudonym)
                .order_by(outbox.c.id).limit(1)
            ).first()
            if row is None or row.claimed_until >= now:
                return None
            if not force and row.next_attempt_at > now:
                return None
            won = conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id, outbox.c.claimed_until < now)
                .values(claimed_until=now + CLAIM_SECONDS)
            ).rowcount
            if not won:
                return None
        return self._item(row)

    def _item(self, row: Any) -> OutboxItem:
        return OutboxItem(
            id=row.id,
            pseudonym=row.pseudonym,
            channel=row.channel,
            text=self.box.decrypt(row.text_enc),
            metadata=json.loads(self.box.decrypt(row.metadata_enc)),
            attempts=row.attempts,
            state=row.state,
            created_at=row.created_at,
            notified_at=row.notified_at,
            replies=json.loads(self.box.decrypt(row.replies_enc)) if row.replies_enc else None,
        )

    def due_senders(self, limit: int = 200) -> list[str]:
        """Senders whose oldest queued message is due and not claimed, oldest first."""
        now = time.time()
        firsts = (
            select(outbox.c.pseudonym, func.min(outbox.c.id).label("first"))
            .group_by(outbox.c.pseudonym).subquery()
        )
        query = (
            select(outbox.c.pseudonym)
            .join(firsts, outbox.c.id == firsts.c.first)
            .where(outbox.c.next_attempt_at <= now, outbox.c.claimed_until < now)
            .order_by(outbox.c.id).limit(limit)
        )
        with self.engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(query).all()]

    def release_claims(self, item_ids: Iterable[int]) -> None:
        """Give back this process's claims on these messages (left behind by a failure), so
        they are due again at once instead of after `CLAIM_SECONDS`."""
        ids = list(item_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(update(outbox).where(outbox.c.id.in_(ids))
                             .values(claimed_until=0.0))

    def release_all_claims(self) -> None:
        """Forget every claim (a gateway starting on SQLite is the only one using the file)."""
        with self.engine.begin() as conn:
            conn.execute(update(outbox).values(claimed_until=0.0))

    def answered(self, item_id: int, replies: list[dict[str, Any]]) -> None:
        """Keep Rasa's answer with the message until it has been sent."""
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == item_id).values(
                state="answered", replies_enc=self.box.encrypt(json.dumps(replies))))

    def unnotified(self, pseudonym: str) -> list[OutboxItem]:
        """A sender's queued messages that nobody has told yet that they are saved."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox).where(outbox.c.pseudonym == pseudonym,
                                     outbox.c.notified_at.is_(None)).order_by(outbox.c.id)
            ).all()
        return [self._item(r) for r in rows]

    def mark_notified(self, item_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == item_id)
                         .values(notified_at=time.time()))

    def pending_count(self, pseudonym: str | None = None) -> int:
        query = select(func.count()).select_from(outbox)
        if pseudonym is not None:
            query = query.where(outbox.c.pseudonym == pseudonym)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def delivered(self, item_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.id == item_id))

    def failed(self, item_id: int, attempts: int, delay: float, error: str,
               state: str | None = None) -> None:
        values: dict[str, Any] = dict(attempts=attempts, last_error=error,
                                      next_attempt_at=time.time() + delay, claimed_until=0.0)
        if state:
            values["state"] = state
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == item_id).values(**values))

    # --- duplicate deliveries ----------------------------------------------------------------
    def first_delivery(self, channel: str, delivery_id: str,
                       pseudonym: str | None = None) -> bool:
        """True the first time a channel delivers this id, for deliveries that queue nothing
        (a button press, a media note); messages use `receive`, which marks it in the same
        transaction that queues them."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(
                    key=self.delivery_key(channel, delivery_id), pseudonym=pseudonym,
                    seen_at=time.time()))
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

    # --- media a person sent (references only) -------------------------------------------
    def add_media(self, pseudonym: str, channel: str, kind: str, ref: str,
                  content_type: str | None = None, source: str | None = None) -> str | None:
        """Keep a reference to one item a person sent, and count it as their latest message.
        Returns its new random id, or None when `source` (the delivery and position) was kept
        before."""
        now = time.time()
        media_id = secrets.token_urlsafe(16)
        source_key = hashlib.sha256(f"{channel}:{source}".encode()).hexdigest() if source else None
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(media).values(
                    id=media_id, pseudonym=pseudonym, channel=channel,
                    kind=kind if kind in MEDIA_KINDS else "document",
                    ref_enc=self.box.encrypt(ref),
                    content_type=(content_type or "")[:100] or None, source_key=source_key,
                    received_at=now, expires_at=now + self.retention))
                conn.execute(update(senders).where(senders.c.pseudonym == pseudonym)
                             .values(last_inbound_at=now))
        except IntegrityError:
            return None
        return media_id

    def media_of(self, pseudonym: str) -> list[MediaRecord]:
        """A person's media items still kept, oldest first (without their references)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(media.c.id, media.c.pseudonym, media.c.channel, media.c.kind,
                       media.c.received_at, media.c.content_type)
                .where(media.c.pseudonym == pseudonym, media.c.expires_at > time.time())
                .order_by(media.c.received_at)
            ).all()
        return [MediaRecord(id=r.id, pseudonym=r.pseudonym, channel=r.channel, kind=r.kind,
                            received_at=r.received_at, content_type=r.content_type)
                for r in rows]

    def media_item(self, pseudonym: str, media_id: str) -> MediaRecord | None:
        """One of a person's media items with its decrypted reference, if still kept."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(media).where(media.c.id == media_id, media.c.pseudonym == pseudonym,
                                    media.c.expires_at > time.time())
            ).first()
        if row is None:
            return None
        return MediaRecord(id=row.id, pseudonym=row.pseudonym, channel=row.channel,
                           kind=row.kind, received_at=row.received_at,
                           content_type=row.content_type, ref=self.box.decrypt(row.ref_enc))

    # --- expiry -------------------------------------------------------------------------------
    def purge_expired(self) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(media).where(media.c.expires_at <= now))
            conn.execute(delete(senders).where(senders.c.expires_at <= now))
            conn.execute(delete(outbox).where(outbox.c.expires_at <= now))
            conn.execute(delete(deliveries).where(deliveries.c.seen_at <= now - DELIVERY_ID_TTL))
            conn.execute(delete(mailbox).where(mailbox.c.created_at <= now - MAILBOX_TTL))
            conn.execute(delete(payloads).where(payloads.c.created_at <= now - self.retention))
