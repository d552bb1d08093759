"""Alembic environment of the console's own tables (version table `console_alembic_version`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from console.db import VERSION_TABLE, console_engine
from console.models import ConsoleBase

config = context.config
target_metadata = ConsoleBase.metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool, _other: object) -> bool:
    """Only the console's tables: the knowledge base's, in the same database, are not ours."""
    return not (type_ == "table" and name is not None and not name.startswith("console_"))


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      version_table=VERSION_TABLE, include_object=_include,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = console_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, version_table=VERSION_TABLE,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
