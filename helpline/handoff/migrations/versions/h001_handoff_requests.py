"""Hand-off queue: one row per conversation handed to a human.

A table made before the queue had migrations (with `create_all`) has this shape already: it is
kept as it is and only recorded as migrated.

Revision ID: h001
Revises: (none)
Create Date: 2026-12-02 18:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("handoff_requests"):
        return
    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_handoff_requests_sender_id", "handoff_requests", ["sender_id"])


def downgrade() -> None:
    op.drop_table("handoff_requests")
