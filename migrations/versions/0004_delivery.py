"""delivery pacing and dm cache

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:39:23.921330
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_pacing",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_delivery_pacing")),
    )
    op.create_table(
        "slack_dm_channels",
        sa.Column("slack_team", sa.String(length=32), nullable=False),
        sa.Column("slack_user", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("slack_team", "slack_user", name=op.f("pk_slack_dm_channels")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("lease_owner")

    op.drop_table("slack_dm_channels")
    op.drop_table("delivery_pacing")
