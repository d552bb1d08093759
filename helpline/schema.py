"""Alembic for the stores the project owns beside the knowledge base: the gateway store
(`channels/migrations`) and the hand-off queue (`helpline/handoff/migrations`).

Each store has its own script folder and its own version table, so two stores can share one
database (the hand-off queue sits in the knowledge base's) without touching each other's
history. `upgrade` is how a process brings its store to head when it opens it; `run_env` is the
body every store's `env.py` shares. Nothing calls `create_all` at run time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, create_engine


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic configuration for one store's scripts and database URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, script_location: Path, revision: str = "head") -> None:
    """Upgrade one store's tables on `engine` to `revision`, in one transaction."""
    cfg = alembic_config(script_location, engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def run_env(metadata: MetaData, version_table: str) -> None:
    """Run the migrations of the store whose tables `metadata` holds (an `env.py` body).

    Online with the connection `upgrade` passes (or the configured URL); offline as SQL.
    Autogenerate compares only this store's tables: others in the same database are not its.
    """
    from alembic import context

    config = context.config

    def own(obj: Any, name: str | None, type_: str, reflected: bool, _other: Any) -> bool:
        return not (type_ == "table" and reflected and name not in metadata.tables)

    options: dict[str, Any] = {"target_metadata": metadata, "version_table": version_table,
                               "include_object": own, "compare_type": True}
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
                          render_as_batch=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        context.configure(connection=connection,
                          render_as_batch=connection.dialect.name == "sqlite", **options)
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    engine = create_engine(str(config.get_main_option("sqlalchemy.url")))
    try:
        with engine.connect() as conn:
            run(conn)
    finally:
        engine.dispose()
