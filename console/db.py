"""The console's database: engine, the Alembic environment of its own tables, migrations.

Its Alembic history lives in `console/migrations` with its own version table
(`console_alembic_version`), so the console's tables can sit in the knowledge base's database
(one PostgreSQL in production) without touching the knowledge base's migrations.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from helpline.schema import upgrade
from knowledge.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "console_alembic_version"


def console_engine(url: str) -> Engine:
    """An engine for the console's database (SQLite gets foreign keys and WAL)."""
    return make_engine(url)


def migrate(url: str, engine: Engine | None = None, revision: str = "head") -> None:
    """Upgrade the console's tables at `url` (or on `engine`) to `revision`."""
    own = engine is None
    engine = engine or console_engine(url)
    try:
        upgrade(engine, MIGRATIONS_DIR, revision)
    finally:
        if own:
            engine.dispose()
