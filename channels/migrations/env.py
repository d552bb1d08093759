"""Alembic environment of the gateway store (version table `gateway_alembic_version`)."""

from __future__ import annotations

from channels.store import VERSION_TABLE, metadata
from helpline.schema import run_env

run_env(metadata, VERSION_TABLE)
