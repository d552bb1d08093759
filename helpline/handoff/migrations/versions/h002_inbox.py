"""Hand-off inbox: danger kind, channel, claim, waiting notice and close on each request; the
caseworkers' audit.

Columns or tables that a database made with `create_all` already has are kept as they are.

Revision ID: h002
Revises: h001
Create Date: 2026-12-02 19:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h002"
down_revision: str | None = "h001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("danger", sa.String(32)),
    ("channel", sa.String(32)),
    ("claimed_by", sa.String(254)),
    ("claimed_at", sa.DateTime(timezone=True)),
    ("closed_at", sa.DateTime(timezone=True)),
    ("outcome", sa.String(16)),
    ("reminded_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {c["name"] for c in inspector.get_columns("handoff_requests")}
    missing = [(name, kind) for name, kind in COLUMNS if name not in present]
    if missing:
        with op.batch_alter_table("handoff_requests") as batch:
            for name, kind in missing:
                batch.add_column(sa.Column(name, kind, nullable=True))
    indexes = {i["name"] for i in inspector.get_indexes("handoff_requests")}
    if "ix_handoff_requests_status" not in indexes:
        op.create_index("ix_handoff_requests_status", "handoff_requests",
                        ["status", "requested_at"])
    if inspector.has_table("handoff_audit"):
        return
    op.create_table(
        "handoff_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_handoff_audit_request_id", "handoff_audit", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_audit_request_id", "handoff_audit")
    op.drop_table("handoff_audit")
    op.drop_index("ix_handoff_requests_status", "handoff_requests")
    with op.batch_alter_table("handoff_requests") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
