"""The service search index: one narrow row per (active listing with coordinates, category),
keyed so a category + country + bounding-box search reads only matching index entries.

Kept in step with `services` by bulk import (`sync_rows`) and, for ORM writes, by a flush hook
installed when `knowledge.models` is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, delete, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from knowledge.bulk import bulk_insert
from knowledge.models import Service, ServiceSearch, decode_list

_TABLE: Table = ServiceSearch.__table__  # type: ignore[assignment]


def index_rows(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Index rows for one listing given its column values (`categories` as `|a|b|`)."""
    if values.get("status", "active") != "active" or values.get("lat") is None \
            or values.get("lon") is None:
        return []
    return [{"service_id": values["id"], "category": cat, "country": values["country"],
             "is_sample": bool(values.get("is_sample", False)), "lat": values["lat"],
             "lon": values["lon"], "languages": values.get("languages") or ""}
            for cat in decode_list(values.get("categories"))]


def sync_rows(conn: Connection, ids: Iterable[str], listings: Iterable[Mapping[str, Any]]
              ) -> None:
    """Replace the index rows of `ids` with those of `listings` (column-named values)."""
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        conn.execute(delete(_TABLE).where(_TABLE.c.service_id.in_(id_list[start:start + 500])))
    rows = [r for v in listings for r in index_rows(v)]
    if rows:
        bulk_insert(conn, _TABLE, rows)


def _column_values(obj: Service) -> dict[str, Any]:
    return {attr.columns[0].name: getattr(obj, attr.key)
            for attr in inspect(obj).mapper.column_attrs}


@event.listens_for(Session, "after_flush")
def _sync_after_flush(session: Session, _ctx: UOWTransaction) -> None:
    changed = [o for o in (*session.new, *session.dirty) if isinstance(o, Service)]
    deleted = [o.id for o in session.deleted if isinstance(o, Service)]
    if not changed and not deleted:
        return
    conn = session.connection()
    if deleted:
        conn.execute(delete(_TABLE).where(_TABLE.c.service_id.in_(deleted)))
    if changed:
        sync_rows(conn, [o.id for o in changed], [_column_values(o) for o in changed])
