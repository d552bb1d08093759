"""Audit log: every insert, update and delete of an audited model writes who, when, what,
before and after. Installed once on the SQLAlchemy `Session` class by importing this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from knowledge.models import AuditEntry, Base, utcnow


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """Column values of `obj` as JSON-ready data (keyed by column name)."""
    mapper = inspect(obj).mapper
    return {
        attr.columns[0].name: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in ("updated_at", "search_text")
    }


def _before_snapshot(obj: Base) -> tuple[dict[str, Any], bool]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    changed = False
    for attr in state.mapper.column_attrs:
        if attr.key in ("updated_at", "search_text"):
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes() and hist.deleted:
            old = hist.deleted[0]
            new = hist.added[0] if hist.added else None
            if old != new:
                changed = True
            before[attr.columns[0].name] = _jsonable(old)
        else:
            before[attr.columns[0].name] = _jsonable(getattr(obj, attr.key))
    return before, changed


def _entity_id(obj: Base) -> str:
    ident = inspect(obj).identity or tuple(
        getattr(obj, str(c.key)) for c in inspect(obj).mapper.primary_key
    )
    return "/".join(str(i) for i in ident)


@event.listens_for(Session, "before_flush")
def _audit_before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("audit", True) is False:
        return
    actor = str(session.info.get("actor", "system"))
    now = utcnow()
    entries: list[AuditEntry] = []
    for obj in list(session.new):
        if getattr(obj, "__audited__", False):
            entries.append(AuditEntry(at=now, actor=actor, action="create",
                                      entity=obj.__tablename__, entity_id=_entity_id(obj),
                                      before=None, after=snapshot(obj)))
    for obj in list(session.dirty):
        if getattr(obj, "__audited__", False) and session.is_modified(obj):
            before, changed = _before_snapshot(obj)
            if changed:
                entries.append(AuditEntry(at=now, actor=actor, action="update",
                                          entity=obj.__tablename__, entity_id=_entity_id(obj),
                                          before=before, after=snapshot(obj)))
    for obj in list(session.deleted):
        if getattr(obj, "__audited__", False):
            before, _ = _before_snapshot(obj)
            entries.append(AuditEntry(at=now, actor=actor, action="delete",
                                      entity=obj.__tablename__, entity_id=_entity_id(obj),
                                      before=before, after=None))
    session.add_all(entries)
