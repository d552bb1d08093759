"""Audit log of ORM changes and the schema managed by Alembic on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from knowledge import models as m
from knowledge.db import session_scope


def test_orm_changes_are_audited_with_before_and_after(fresh_db) -> None:
    with session_scope(fresh_db.engine, actor="admin@console") as s:
        svc = s.get(m.Service, "mx-cndh")
        assert svc is not None
        svc.hours = "lunes a viernes"
        svc.languages = ["es", "en"]
    with session_scope(fresh_db.engine, actor="admin@console") as s:
        hotline = s.get(m.Hotline, "mx-violence-765-cdmx")
        s.delete(hotline)
    with session_scope(fresh_db.engine) as s:
        entries = s.scalars(select(m.AuditEntry).where(m.AuditEntry.actor == "admin@console")
                            .order_by(m.AuditEntry.id)).all()
        assert [(e.action, e.entity, e.entity_id) for e in entries] == [
            ("update", "services", "mx-cndh"), ("delete", "hotlines", "mx-violence-765-cdmx")]
        upd = entries[0]
        assert upd.before is not None and upd.after is not None
        assert upd.before["hours"] is None and upd.after["hours"] == "lunes a viernes"
        assert upd.before["languages"] == "|es|" and upd.after["languages"] == "|es|en|"
        assert entries[1].after is None and entries[1].before is not None
        assert entries[1].before["number"] == "*765"
        assert entries[0].at is not None


def test_seed_is_audited_once(fresh_db) -> None:
    from knowledge.setup import seed

    with session_scope(fresh_db.engine) as s:
        before = len(s.scalars(select(m.AuditEntry.id)).all())
        assert before > 100
        seed(s)
    with session_scope(fresh_db.engine) as s:
        assert len(s.scalars(select(m.AuditEntry.id)).all()) == before


def test_failed_transaction_leaves_no_audit(fresh_db) -> None:
    try:
        with session_scope(fresh_db.engine, actor="oops") as s:
            svc = s.get(m.Service, "co-defensoria")
            assert svc is not None
            svc.name = "changed"
            s.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(fresh_db.engine) as s:
        assert not s.scalars(select(m.AuditEntry).where(m.AuditEntry.actor == "oops")).all()
        svc = s.get(m.Service, "co-defensoria")
        assert svc is not None and svc.name == "Defensoría del Pueblo"


def test_migrations_match_models(empty_db) -> None:
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []
