"""Gateway store: senders, queue, delivery ids, mailbox and button payloads.

Tables a gateway made before the store had migrations (with `create_all`) have this shape
already: they are kept as they are and only recorded as migrated.

Revision ID: g001
Revises: (none)
Create Date: 2026-12-02 18:44:53
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "g001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Each table with the columns its index covers (`ix_<table>_<column>`).
INDEXED = {
    "gateway_delivery_ids": ("pseudonym", "seen_at"),
    "gateway_mailbox": ("pseudonym",),
    "gateway_payloads": (),
    "gateway_queue": ("next_attempt_at", "pseudonym"),
    "gateway_senders_v2": ("expires_at",),
}


def _columns(table: str) -> list[sa.Column[object]]:
    if table == "gateway_delivery_ids":
        return [sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("pseudonym", sa.String(64), nullable=True),
                sa.Column("seen_at", sa.Float(), nullable=False)]
    if table == "gateway_mailbox":
        return [sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("pseudonym", sa.String(64), nullable=False),
                sa.Column("replies_enc", sa.Text(), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False)]
    if table == "gateway_payloads":
        return [sa.Column("key", sa.String(32), primary_key=True),
                sa.Column("payload", sa.Text(), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False)]
    if table == "gateway_queue":
        return [sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("pseudonym", sa.String(64), nullable=False),
                sa.Column("channel", sa.String(20), nullable=False),
                sa.Column("text_enc", sa.Text(), nullable=False),
                sa.Column("metadata_enc", sa.Text(), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
                sa.Column("attempts", sa.Integer(), nullable=False),
                sa.Column("state", sa.String(12), nullable=False),
                sa.Column("last_error", sa.String(20), nullable=True),
                sa.Column("next_attempt_at", sa.Float(), nullable=False),
                sa.Column("claimed_until", sa.Float(), nullable=False),
                sa.Column("notified_at", sa.Float(), nullable=True),
                sa.Column("replies_enc", sa.Text(), nullable=True),
                sa.Column("expires_at", sa.Float(), nullable=False)]
    return [sa.Column("pseudonym", sa.String(64), primary_key=True),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("raw_id_enc", sa.Text(), nullable=False),
            sa.Column("language", sa.String(8), nullable=True),
            sa.Column("language_chosen", sa.String(8), nullable=True),
            sa.Column("country_enc", sa.Text(), nullable=True),
            sa.Column("options_json", sa.Text(), nullable=True),
            sa.Column("expires_at", sa.Float(), nullable=False)]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table, indexed in INDEXED.items():
        if table in existing:
            continue
        op.create_table(table, *_columns(table))
        for column in indexed:
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in reversed(INDEXED):
        op.drop_table(table)
