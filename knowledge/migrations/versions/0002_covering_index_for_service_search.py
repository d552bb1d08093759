"""Covering index for service search (bounding box, category and language in one index scan).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:48:57.568266
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_country_lat"))
        batch_op.create_index(
            "ix_services_search",
            ["country", "status", "is_sample", "lat", "lon", "categories", "languages", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index("ix_services_search")
        batch_op.create_index(
            batch_op.f("ix_services_country_lat"),
            ["country", "status", "is_sample", "lat", "lon"],
            unique=False,
        )
