"""Gateway store: when each person last wrote (`gateway_senders_v2.last_inbound_at`, for
WhatsApp's 24-hour window) and the references to media they sent (`gateway_media`).

A column or table that is already there (made by `create_all`) is kept as it is.

Revision ID: g002
Revises: g001
Create Date: 2026-12-03 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g002"
down_revision: str | None = "g001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENDERS = "gateway_senders_v2"
MEDIA = "gateway_media"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if "last_inbound_at" not in {c["name"] for c in inspector.get_columns(SENDERS)}:
        op.add_column(SENDERS, sa.Column("last_inbound_at", sa.Float(), nullable=True))
    if MEDIA in inspector.get_table_names():
        return
    op.create_table(
        MEDIA,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("ref_enc", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("source_key", sa.String(64), nullable=True),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index(f"ix_{MEDIA}_pseudonym", MEDIA, ["pseudonym"])
    op.create_index(f"ix_{MEDIA}_source_key", MEDIA, ["source_key"], unique=True)
    op.create_index(f"ix_{MEDIA}_expires_at", MEDIA, ["expires_at"])


def downgrade() -> None:
    op.drop_table(MEDIA)
    with op.batch_alter_table(SENDERS) as batch:
        batch.drop_column("last_inbound_at")
