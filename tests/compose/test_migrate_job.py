"""The compose file's `migrate` job on a real PostgreSQL: every store at head, twice in a row,
and nothing migrated when a URL is missing or its password is a placeholder.

`python docker/migrate.py` runs as its own process, in production mode, with nothing but the
variables compose gives it, on a database of its own created for this module and dropped after.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from helpline.paths import ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.process]

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCRIPT = ROOT / "docker" / "migrate.py"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh database's URL, with a random password (the server trusts loopback)."""
    name = f"compose_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres:{secrets.token_hex(16)}@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_job(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "HELPLINE_ENV": "production",
           **variables}
    return subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=120)


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def expected_tables() -> set[str]:
    import channels.store
    import console.db
    import console.models
    import helpline.handoff
    import knowledge.models

    return {*knowledge.models.Base.metadata.tables, "alembic_version",
            *channels.store.metadata.tables, channels.store.VERSION_TABLE,
            *helpline.handoff.metadata.tables, helpline.handoff.VERSION_TABLE,
            *console.models.ConsoleBase.metadata.tables, console.db.VERSION_TABLE}


def test_the_job_brings_every_store_to_head_and_can_run_again(database: str,
                                                              tmp_path: Path) -> None:
    urls = {"DATABASE_URL": database, "GATEWAY_DATABASE_URL": database,
            "CONSOLE_DATABASE_URL": database}
    first = run_job(tmp_path, **urls)
    assert first.returncode == 0, first.stderr
    assert expected_tables() <= tables(database)
    for line in ("schema at head", "hand-off queue at head", "gateway store at head",
                 "console tables at head"):
        assert line in first.stdout
    again = run_job(tmp_path, **urls)
    assert again.returncode == 0, again.stderr
    assert "created: nothing" in again.stdout, "the seed is idempotent"
    assert database.split("@")[0].split(":")[-1] not in first.stdout + first.stderr


def test_the_job_refuses_a_missing_url_or_a_placeholder_password(database: str,
                                                                 tmp_path: Path) -> None:
    missing = run_job(tmp_path, DATABASE_URL=database)
    assert missing.returncode == 2
    assert "GATEWAY_DATABASE_URL" in missing.stderr and "CONSOLE_DATABASE_URL" in missing.stderr
    placeholder = database.replace(database.split("@")[0].split(":")[-1], "changeme")
    weak = run_job(tmp_path, DATABASE_URL=database, GATEWAY_DATABASE_URL=placeholder,
                   CONSOLE_DATABASE_URL=database)
    assert weak.returncode == 2
    assert "GATEWAY_DATABASE_URL has a placeholder" in weak.stderr
    assert "changeme" not in weak.stderr
