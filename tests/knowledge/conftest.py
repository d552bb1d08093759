"""Fixtures: every knowledge test runs against SQLite and the PostgreSQL server on
127.0.0.1:5432 (database `test`), each in its own file or schema, removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from knowledge.db import make_engine, session_scope
from knowledge.setup import migrate, seed

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Database:
    """One isolated database: a SQLite file or a PostgreSQL schema."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp / 'kb.db'}"
            self.schema = None
        else:
            self.schema = f"kbtest_{uuid.uuid4().hex[:12]}"
            admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            self.url = f"{PG_SERVER}?options=-csearch_path%3D{self.schema}"
        self.engine: Engine = make_engine(self.url)

    def drop(self) -> None:
        self.engine.dispose()
        if self.schema:
            admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each backend (per test)."""
    db = Database(request.param, tmp_path)
    migrate(db.url)
    yield db
    db.drop()


@pytest.fixture(params=BACKENDS)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated and seeded database of each backend (per test, for tests that write)."""
    db = Database(request.param, tmp_path)
    migrate(db.url)
    with session_scope(db.engine) as s:
        seed(s)
    yield db
    db.drop()


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_db(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated and seeded database of each backend, shared by read-only tests."""
    db = Database(request.param, tmp_path_factory.mktemp(f"kb-{request.param}"))
    migrate(db.url)
    with session_scope(db.engine) as s:
        seed(s)
    yield db
    db.drop()


@pytest.fixture
def session(seeded_db: Database) -> Iterator:
    """A session on the shared seeded database that is always rolled back."""
    from sqlalchemy.orm import Session

    s = Session(bind=seeded_db.engine)
    try:
        yield s
    finally:
        s.rollback()
        s.close()
