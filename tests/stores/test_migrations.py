"""Every table the project owns outside the knowledge base has Alembic migrations: the gateway
store and the hand-off queue. A fresh database migrates to head and matches the models; tables
made by `create_all` before migrations existed are adopted; nothing calls `create_all` at run
time."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from channels import store as gateway_store
from channels.pseudonym import SecretBox
from helpline import handoff
from helpline.schema import alembic_config

STORES = {
    "gateway": (gateway_store.metadata, gateway_store.VERSION_TABLE, gateway_store.MIGRATIONS_DIR,
                gateway_store.migrate_store),
    "handoff": (handoff.metadata, handoff.VERSION_TABLE, handoff.MIGRATIONS_DIR, handoff.migrate),
}


def _head(migrations: Path) -> str:
    head = ScriptDirectory.from_config(alembic_config(migrations, "sqlite://")).get_current_head()
    assert head is not None
    return head


def _state(engine: sa.Engine, metadata: sa.MetaData, version_table: str) -> tuple[str, list]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "version_table": version_table, "compare_type": True,
            "include_object": lambda _o, name, type_, reflected, _x: not (
                type_ == "table" and reflected and name not in metadata.tables)})
        return str(context.get_current_revision()), compare_metadata(context, metadata)


@pytest.mark.parametrize("name", sorted(STORES))
def test_a_fresh_database_migrates_to_head_and_matches_the_models(name: str,
                                                                  tmp_path: Path) -> None:
    metadata, version_table, migrations, migrate = STORES[name]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    revision, differences = _state(engine, metadata, version_table)
    assert revision == _head(migrations)
    assert differences == []
    migrate(engine)  # a second upgrade is a no-op
    engine.dispose()


def test_both_stores_share_one_database_without_touching_each_other(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    for _metadata, _table, _dir, migrate in STORES.values():
        migrate(engine)
    for metadata, version_table, migrations, _migrate in STORES.values():
        assert _state(engine, metadata, version_table) == (_head(migrations), [])
    engine.dispose()


@pytest.mark.parametrize("name", sorted(STORES))
def test_tables_made_by_create_all_before_migrations_are_adopted(name: str,
                                                                tmp_path: Path) -> None:
    metadata, version_table, migrations, migrate = STORES[name]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    metadata.create_all(engine)
    migrate(engine)
    assert _state(engine, metadata, version_table) == (_head(migrations), [])
    engine.dispose()


def test_no_create_all_at_run_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("create_all called at run time")

    monkeypatch.setattr(sa.MetaData, "create_all", refuse)
    engine = gateway_store.make_store_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    store = gateway_store.GatewayStore(engine, SecretBox("k" * 40), retention_seconds=3600)
    assert store.receive("p1", "webchat", "hola", {}, "d1") is not None
    assert store.pending_count("p1") == 1
    engine.dispose()

    kb = sa.create_engine(f"sqlite:///{tmp_path / 'knowledge.db'}")
    handoff.request_handoff(kb, "p1", "es", "MX", "ask_health")
    assert [r["sender_id"] for r in handoff.open_requests(kb)] == ["p1"]
    assert handoff.purge_expired(kb, 30) == 0
    assert handoff.erase_sender(kb, "p1") == 1
    with kb.connect() as conn:
        requested = conn.execute(sa.select(sa.func.count()).select_from(handoff.handoffs))
        assert requested.scalar_one() == 0
    kb.dispose()
