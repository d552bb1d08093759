"""The hand-off queue keeps one open request per sender and nothing past the retention period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from helpline import handoff


def test_one_open_request_per_sender_and_retention(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'h.db'}")
    first = handoff.request_handoff(engine, "p1", "es", "MX", "ask_health")
    assert handoff.request_handoff(engine, "p1", "es", "MX", "ask_health") == first
    with engine.begin() as conn:
        conn.execute(handoff.handoffs.insert().values(
            sender_id="old", requested_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40),
            language="fr", country="CL", topic="emergency", status="open"))
    assert {r["sender_id"] for r in handoff.open_requests(engine)} == {"p1", "old"}
    handoff.request_handoff(engine, "p2", "en", None, None, retention_days=30)
    assert {r["sender_id"] for r in handoff.open_requests(engine)} == {"p1", "p2"}
    assert handoff.erase_sender(engine, "p1") == 1
    assert {r["sender_id"] for r in handoff.open_requests(engine)} == {"p2"}
