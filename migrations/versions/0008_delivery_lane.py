"""One name for a delivery's pacing lane: outbox.bucket and delivery_pacing.key become `lane`;
organizations.assignment_version goes (routing locks the landing org in a statement of its
own, then reads the loads, which a later statement sees as committed)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("bucket", new_column_name="lane")
    with op.batch_alter_table("delivery_pacing", schema=None) as batch_op:
        batch_op.alter_column("key", new_column_name="lane")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("assignment_version")


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assignment_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("delivery_pacing", schema=None) as batch_op:
        batch_op.alter_column("lane", new_column_name="key")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("lane", new_column_name="bucket")
