"""The queue of conversations handed to a human caseworker.

Rows hold the pseudonymous sender id (never a phone number or chat id), the language, the
country and the topic; they are erased with the conversation on `delete_my_data`.

The table lives in the knowledge base's database with its own Alembic history
(`helpline/handoff/migrations`, version table `handoff_alembic_version`): the knowledge base's
migrations know nothing of it. The action server upgrades it at start; `ensure_schema` does so
once per engine for any other caller, so no call runs `create_all`.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from helpline.schema import upgrade

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "handoff_alembic_version"

metadata = sa.MetaData()
handoffs = sa.Table(
    "handoff_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(128), nullable=False, index=True),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("country", sa.String(2)),
    sa.Column("topic", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False, default="open"),
)


_migrated: weakref.WeakSet[Engine] = weakref.WeakSet()
_migrating = threading.Lock()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the hand-off table on `engine` to `revision` (Alembic)."""
    upgrade(engine, MIGRATIONS_DIR, revision)


def ensure_schema(engine: Engine) -> None:
    """The table at head on `engine`: migrated the first time this process uses the engine."""
    if engine in _migrated:
        return
    with _migrating:
        if engine not in _migrated:
            migrate(engine)
            _migrated.add(engine)


def purge_expired(engine: Engine, retention_days: int) -> int:
    """Delete requests older than the retention period; returns how many went."""
    ensure_schema(engine)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=retention_days)
    with engine.begin() as conn:
        return int(conn.execute(handoffs.delete().where(handoffs.c.requested_at < cutoff))
                   .rowcount or 0)


def request_handoff(engine: Engine, sender_id: str, language: str, country: str | None,
                    topic: str | None, retention_days: int = 30) -> int:
    """Queue a conversation for a human; an open request for the same sender is reused.

    Requests older than `retention_days` are purged first, as conversations are.
    """
    purge_expired(engine, retention_days)
    with engine.begin() as conn:
        existing = conn.execute(
            sa.select(handoffs.c.id).where(handoffs.c.sender_id == sender_id,
                                           handoffs.c.status == "open")
        ).scalar()
        if existing is not None:
            return int(existing)
        result = conn.execute(handoffs.insert().values(
            sender_id=sender_id, requested_at=dt.datetime.now(dt.UTC), language=language,
            country=country, topic=topic, status="open",
        ))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def open_requests(engine: Engine) -> list[dict[str, object]]:
    """The requests nobody has closed yet, oldest first."""
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(handoffs).where(handoffs.c.status == "open")
                            .order_by(handoffs.c.requested_at))
        return [dict(r._mapping) for r in rows]


def erase_sender(engine: Engine, sender_id: str) -> int:
    """Delete every request of one sender (erasure); returns how many went."""
    ensure_schema(engine)
    with engine.begin() as conn:
        return int(conn.execute(handoffs.delete().where(handoffs.c.sender_id == sender_id))
                   .rowcount or 0)
