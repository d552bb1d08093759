"""Fast multi-row inserts: PostgreSQL COPY through psycopg; on SQLite a driver-level
executemany with values converted the way SQLAlchemy stores them (skips per-row overhead)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table


def _copy_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
    return value


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts keyed by column name) into `table` in the connection's transaction.

    Every row must carry the same keys; missing optional columns get their Python defaults
    only on the executemany path, so callers pass complete rows."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        _sqlite_executemany(conn, table, rows)
        return
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        conn.execute(table.insert(), list(rows))
        return
    cols = list(rows[0].keys())
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    names = ", ".join(f'"{c}"' for c in cols)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row.get(c), c in json_cols) for c in cols])


def _sqlite_converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(column_type, DateTime):
        return lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, dt.datetime) else v
    if isinstance(column_type, Date):
        return lambda v: v.isoformat() if isinstance(v, dt.date) else v
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


def _sqlite_executemany(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]
                        ) -> None:
    cols = list(rows[0].keys())
    convert = [_sqlite_converter(table.c[c].type) for c in cols]
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" for _ in cols)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    params = [tuple(f(row.get(c)) if f else row.get(c) for c, f in zip(cols, convert,
                                                                      strict=True))
              for row in rows]
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
    finally:
        cur.close()
