"""Rules live in their files: drop the database copy of rules, their legal sources and
citations (`rules`, `legal_sources`, `rule_citations`). The audit log keeps its past rows for
them; listings are audited as before.

Downgrade recreates the three tables empty (the seed of revision 0004's code fills them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("rule_citations")
    with op.batch_alter_table("rules") as batch_op:
        batch_op.drop_index("ix_rules_jurisdiction")
        batch_op.drop_index("ix_rules_domain")
    op.drop_table("rules")
    with op.batch_alter_table("legal_sources") as batch_op:
        batch_op.drop_index("ix_legal_sources_jurisdiction")
    op.drop_table("legal_sources")


def downgrade() -> None:
    op.create_table(
        "legal_sources",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("jurisdiction", sa.String(length=3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("article", sa.String(length=80), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("confidence", sa.String(length=12), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("legal_sources") as batch_op:
        batch_op.create_index("ix_legal_sources_jurisdiction", ["jurisdiction"], unique=False)
    op.create_table(
        "rules",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("jurisdiction", sa.String(length=3), nullable=False),
        sa.Column("domain", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("exception_to", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.String(length=12), nullable=False),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("file", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rules") as batch_op:
        batch_op.create_index("ix_rules_domain", ["domain"], unique=False)
        batch_op.create_index("ix_rules_jurisdiction", ["jurisdiction"], unique=False)
    op.create_table(
        "rule_citations",
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["rules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["legal_sources.id"]),
        sa.PrimaryKeyConstraint("rule_id", "source_id"),
    )
