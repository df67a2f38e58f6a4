"""ticket threads and message copies

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:13:49.579738
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("slack_team", sa.String(length=32), nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_ticket_threads_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_threads_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_threads")),
        sa.UniqueConstraint(
            "ticket_id", "org_id", "kind", name=op.f("uq_ticket_threads_ticket_id_org_id_kind")
        ),
    )
    with op.batch_alter_table("ticket_threads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_threads_slack_channel_thread_ts",
            ["slack_channel", "thread_ts"],
            unique=False,
        )

    op.create_table(
        "message_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("is_origin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_copies_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["ticket_threads.id"],
            name=op.f("fk_message_copies_thread_id_ticket_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_copies")),
        sa.UniqueConstraint(
            "message_id", "thread_id", name=op.f("uq_message_copies_message_id_thread_id")
        ),
    )
    with op.batch_alter_table("message_copies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_copies_slack_channel_ts", ["slack_channel", "ts"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_message_copies_thread_id"), ["thread_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_copies_thread_id"))
        batch_op.drop_index("ix_message_copies_slack_channel_ts")

    op.drop_table("message_copies")
    with op.batch_alter_table("ticket_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_threads_slack_channel_thread_ts")

    op.drop_table("ticket_threads")
