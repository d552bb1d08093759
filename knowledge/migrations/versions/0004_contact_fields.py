"""Contact fields: phones (number + label), WhatsApp, e-mail, address, hours and appointment
for services and consulates; WhatsApp and notes for hotlines. A consulate's single `phone`
becomes the first entry of `phones` and the column is dropped.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _contact_columns(with_address: bool, with_hours: bool) -> list[sa.Column[Any]]:
    cols: list[sa.Column[Any]] = [sa.Column("phones", sa.JSON(), nullable=True),
            sa.Column("whatsapp", sa.String(length=40), nullable=True),
            sa.Column("email", sa.String(length=254), nullable=True),
            sa.Column("appointment", sa.Boolean(), nullable=True)]
    if with_address:
        cols.append(sa.Column("address", sa.Text(), nullable=True))
    if with_hours:
        cols.append(sa.Column("hours", sa.Text(), nullable=True))
    return cols


def upgrade() -> None:
    with op.batch_alter_table("services") as batch_op:
        for col in _contact_columns(with_address=True, with_hours=False):
            batch_op.add_column(col)
    with op.batch_alter_table("consulates") as batch_op:
        for col in _contact_columns(with_address=False, with_hours=True):
            batch_op.add_column(col)
    with op.batch_alter_table("hotlines") as batch_op:
        batch_op.add_column(sa.Column("whatsapp", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.alter_column("hours", type_=sa.String(length=200),
                              existing_type=sa.String(length=60), existing_nullable=True)

    conn = op.get_bind()
    consulates = sa.table("consulates", sa.column("id", sa.String), sa.column("phone", sa.String),
                          sa.column("phones", sa.JSON))
    services = sa.table("services", sa.column("phones", sa.JSON))
    for row in conn.execute(sa.select(consulates.c.id, consulates.c.phone)).all():
        phones = [{"number": row.phone.strip(), "label": None}] if row.phone else []
        conn.execute(consulates.update().where(consulates.c.id == row.id)
                     .values(phones=phones))
    conn.execute(services.update().values(phones=[]))
    with op.batch_alter_table("consulates") as batch_op:
        batch_op.drop_column("phone")
        batch_op.alter_column("phones", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("services") as batch_op:
        batch_op.alter_column("phones", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("consulates") as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=60), nullable=True))
    conn = op.get_bind()
    consulates = sa.table("consulates", sa.column("id", sa.String), sa.column("phone", sa.String),
                          sa.column("phones", sa.JSON))
    for row in conn.execute(sa.select(consulates.c.id, consulates.c.phones)).all():
        if row.phones:
            conn.execute(consulates.update().where(consulates.c.id == row.id)
                         .values(phone=str(row.phones[0]["number"])[:60]))
    with op.batch_alter_table("hotlines") as batch_op:
        batch_op.alter_column("hours", type_=sa.String(length=60),
                              existing_type=sa.String(length=200), existing_nullable=True)
        batch_op.drop_column("notes")
        batch_op.drop_column("whatsapp")
    with op.batch_alter_table("consulates") as batch_op:
        for name in ("hours", "appointment", "email", "whatsapp", "phones"):
            batch_op.drop_column(name)
    with op.batch_alter_table("services") as batch_op:
        for name in ("address", "appointment", "email", "whatsapp", "phones"):
            batch_op.drop_column(name)
