"""The queue of conversations handed to a human caseworker.

Rows hold the pseudonymous sender id (never a phone number or chat id), the language, the
country, the topic, the danger kind the conversation showed and the channel; then who claimed
the request and when, when the person was told it is still waiting (`reminded_at`, once), and
when and how it was closed (`OUTCOMES`). They are erased with the conversation on
`delete_my_data` and purged after the retention period, open or closed. `handoff_audit` says
what caseworkers did with each request (claimed, released, replied, sent the template,
closed): who and when, never the message text.

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
    #: The danger kind the conversation showed (emergency, trafficking, violence...), if any.
    sa.Column("danger", sa.String(32)),
    sa.Column("channel", sa.String(32)),
    #: The caseworker (console e-mail) who claimed it, and when; when and how it was closed.
    sa.Column("claimed_by", sa.String(254)),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("outcome", sa.String(16)),
    #: When the person was told their request is still waiting (once per request).
    sa.Column("reminded_at", sa.DateTime(timezone=True)),
    sa.Index("ix_handoff_requests_status", "status", "requested_at"),
)
#: What caseworkers did with a request (claimed, released, closed): never the message text.
audit = sa.Table(
    "handoff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.Integer, nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(254), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("outcome", sa.String(16)),
)
#: How a caseworker closes a request.
OUTCOMES = ("answered", "referred", "no_reply")


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
        old = sa.select(handoffs.c.id).where(handoffs.c.requested_at < cutoff)
        conn.execute(audit.delete().where(audit.c.request_id.in_(old)))
        return int(conn.execute(handoffs.delete().where(handoffs.c.requested_at < cutoff))
                   .rowcount or 0)


def request_handoff(engine: Engine, sender_id: str, language: str, country: str | None,
                    topic: str | None, retention_days: int = 30, danger: str | None = None,
                    channel: str | None = None) -> int:
    """Queue a conversation for a human; an open request for the same sender is reused
    (and marked with `danger` when the conversation has shown one since).

    Requests older than `retention_days` are purged first, as conversations are.
    """
    purge_expired(engine, retention_days)
    with engine.begin() as conn:
        existing = conn.execute(
            sa.select(handoffs.c.id).where(handoffs.c.sender_id == sender_id,
                                           handoffs.c.status == "open")
        ).scalar()
        if existing is not None:
            changes: dict[str, object] = {}
            if danger:
                changes["danger"] = danger
            if channel:
                changes["channel"] = sa.func.coalesce(handoffs.c.channel, channel)
            if changes:
                conn.execute(handoffs.update().where(handoffs.c.id == existing)
                             .values(**changes))
            return int(existing)
        result = conn.execute(handoffs.insert().values(
            sender_id=sender_id, requested_at=dt.datetime.now(dt.UTC), language=language,
            country=country, topic=topic, status="open", danger=danger or None,
            channel=channel,
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


def inbox(engine: Engine) -> list[dict[str, object]]:
    """Open requests for the caseworkers' inbox: danger ones first, then oldest first."""
    ensure_schema(engine)
    no_danger = sa.case((handoffs.c.danger.is_(None), 1), else_=0)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(handoffs).where(handoffs.c.status == "open")
                            .order_by(no_danger, handoffs.c.requested_at, handoffs.c.id))
        return [dict(r._mapping) for r in rows]


def get_request(engine: Engine, request_id: int) -> dict[str, object] | None:
    """One request (open or closed), or None when it is gone (erased or purged)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(handoffs).where(handoffs.c.id == request_id)).first()
        return dict(row._mapping) if row is not None else None


#: What the audit records (`handoff_audit.action`).
ACTIONS = ("claimed", "released", "replied", "sent_template", "closed")


def _audit(conn: sa.Connection, request_id: int, actor: str, action: str,
           outcome: str | None = None) -> None:
    assert action in ACTIONS, action
    conn.execute(audit.insert().values(request_id=request_id, at=dt.datetime.now(dt.UTC),
                                       actor=actor, action=action, outcome=outcome))


def claim(engine: Engine, request_id: int, actor: str) -> str | None:
    """`actor` takes an open request nobody holds; returns who holds it afterwards (None when
    the request is gone or closed). A request someone else holds stays theirs."""
    ensure_schema(engine)
    with engine.begin() as conn:
        done = conn.execute(handoffs.update().where(
            handoffs.c.id == request_id, handoffs.c.status == "open",
            handoffs.c.claimed_by.is_(None),
        ).values(claimed_by=actor, claimed_at=dt.datetime.now(dt.UTC))).rowcount
        if done:
            _audit(conn, request_id, actor, "claimed")
        holder = conn.execute(sa.select(handoffs.c.claimed_by).where(
            handoffs.c.id == request_id, handoffs.c.status == "open")).first()
        return None if holder is None else holder[0]


def release(engine: Engine, request_id: int, actor: str, force: bool = False) -> bool:
    """The holder gives an open request back to the inbox (`force`: whoever holds it, for an
    administrator taking back the request of someone who has left)."""
    ensure_schema(engine)
    held = handoffs.c.claimed_by.is_not(None) if force else handoffs.c.claimed_by == actor
    with engine.begin() as conn:
        done = conn.execute(handoffs.update().where(
            handoffs.c.id == request_id, handoffs.c.status == "open", held,
        ).values(claimed_by=None, claimed_at=None)).rowcount
        if done:
            _audit(conn, request_id, actor, "released")
        return bool(done)


def record_reply(engine: Engine, request_id: int, actor: str, template: bool = False) -> bool:
    """Audit that `actor` sent the person a reply (or the approved template): who and when,
    never the text. False when the request is gone."""
    ensure_schema(engine)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(handoffs.c.id).where(handoffs.c.id == request_id)
                              ).first()
        if exists is None:
            return False
        _audit(conn, request_id, actor, "sent_template" if template else "replied")
        return True


def close(engine: Engine, request_id: int, actor: str, outcome: str) -> bool:
    """Close an open request with an outcome (`OUTCOMES`); only its holder, or anyone when
    nobody holds it. Returns whether it was closed."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    ensure_schema(engine)
    with engine.begin() as conn:
        done = conn.execute(handoffs.update().where(
            handoffs.c.id == request_id, handoffs.c.status == "open",
            sa.or_(handoffs.c.claimed_by.is_(None), handoffs.c.claimed_by == actor),
        ).values(status="closed", outcome=outcome, closed_at=dt.datetime.now(dt.UTC),
                 claimed_by=sa.func.coalesce(handoffs.c.claimed_by, actor))).rowcount
        if done:
            _audit(conn, request_id, actor, "closed", outcome)
        return bool(done)


def audit_of(engine: Engine, request_id: int) -> list[dict[str, object]]:
    """What caseworkers did with one request, oldest first."""
    ensure_schema(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit).where(audit.c.request_id == request_id)
                            .order_by(audit.c.id))
        return [dict(r._mapping) for r in rows]


def due_reminders(engine: Engine, older_than: dt.timedelta,
                  now: dt.datetime | None = None) -> list[dict[str, object]]:
    """Open requests nobody has claimed for `older_than` whose person has not been told yet
    that they are still waiting, oldest first."""
    ensure_schema(engine)
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    with engine.connect() as conn:
        rows = conn.execute(sa.select(handoffs).where(
            handoffs.c.status == "open", handoffs.c.claimed_by.is_(None),
            handoffs.c.reminded_at.is_(None), handoffs.c.requested_at < cutoff,
        ).order_by(handoffs.c.requested_at, handoffs.c.id))
        return [dict(r._mapping) for r in rows]


def mark_reminded(engine: Engine, request_id: int) -> bool:
    """Take the request's one waiting notice: True for the one caller that sets `reminded_at`
    (so two console processes never both send it), False when it was taken, claimed, closed
    or erased meanwhile."""
    ensure_schema(engine)
    with engine.begin() as conn:
        done = conn.execute(handoffs.update().where(
            handoffs.c.id == request_id, handoffs.c.status == "open",
            handoffs.c.claimed_by.is_(None), handoffs.c.reminded_at.is_(None),
        ).values(reminded_at=dt.datetime.now(dt.UTC))).rowcount
        return bool(done)


def unmark_reminded(engine: Engine, request_id: int) -> None:
    """Give the notice back (it could not be sent at all), to be tried again later."""
    ensure_schema(engine)
    with engine.begin() as conn:
        conn.execute(handoffs.update().where(handoffs.c.id == request_id)
                     .values(reminded_at=None))


def mark_danger(engine: Engine, sender_id: str, danger: str) -> bool:
    """Mark the sender's open request, if any, with a danger kind (it moves to the top of the
    inbox); never opens one. Returns whether a request was marked."""
    ensure_schema(engine)
    with engine.begin() as conn:
        return bool(conn.execute(handoffs.update().where(
            handoffs.c.sender_id == sender_id, handoffs.c.status == "open",
        ).values(danger=danger)).rowcount)


def erase_sender(engine: Engine, sender_id: str) -> int:
    """Delete every request of one sender (erasure); returns how many went."""
    ensure_schema(engine)
    with engine.begin() as conn:
        ids = sa.select(handoffs.c.id).where(handoffs.c.sender_id == sender_id)
        conn.execute(audit.delete().where(audit.c.request_id.in_(ids)))
        return int(conn.execute(handoffs.delete().where(handoffs.c.sender_id == sender_id))
                   .rowcount or 0)
