"""Alembic environment of the console's own tables (version table `console_alembic_version`)."""

from __future__ import annotations

from console.db import VERSION_TABLE
from console.models import ConsoleBase
from helpline.schema import run_env

run_env(ConsoleBase.metadata, VERSION_TABLE)
