"""Alembic environment of the hand-off queue (version table `handoff_alembic_version`)."""

from __future__ import annotations

from helpline.handoff import VERSION_TABLE, metadata
from helpline.schema import run_env

run_env(metadata, VERSION_TABLE)
