"""Service search index table: one row per (active listing with coordinates, category).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "service_search",
        sa.Column("service_id", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "category"),
    )
    op.create_index("ix_service_search_geo", "service_search",
                    ["category", "country", "is_sample", "lat", "lon", "languages",
                     "service_id"], unique=False)
    conn = op.get_bind()
    services = sa.table("services", sa.column("id"), sa.column("categories"),
                        sa.column("country"), sa.column("is_sample"), sa.column("lat"),
                        sa.column("lon"), sa.column("languages"), sa.column("status"))
    rows = []
    for r in conn.execute(sa.select(services).where(services.c.status == "active",
                                                    services.c.lat.is_not(None),
                                                    services.c.lon.is_not(None))):
        for cat in [c for c in (r.categories or "").split("|") if c]:
            rows.append({"service_id": r.id, "category": cat, "country": r.country,
                         "is_sample": bool(r.is_sample), "lat": r.lat, "lon": r.lon,
                         "languages": r.languages or ""})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_service_search_geo", table_name="service_search")
    op.drop_table("service_search")
