"""Where each ticket lives in Slack: one thread per involved org, and every copy of each
message, so edits, deletes and reactions can follow a message to all its copies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class ThreadKind(StrEnum):
    TICKET = "ticket"  # the org's ticket thread, rooted at the ticket card
    ESCALATION_FEED = "feed"  # the card in the platform's escalations channel


class TicketThread(Base):
    """`thread_ts` stays NULL until the delivery worker has posted the root."""

    __tablename__ = "ticket_threads"
    __table_args__ = (
        UniqueConstraint("ticket_id", "org_id", "kind"),
        Index("ix_ticket_threads_slack_channel_thread_ts", "slack_channel", "thread_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[str] = mapped_column(String(8), default=ThreadKind.TICKET)
    slack_team: Mapped[str] = mapped_column(String(32))
    slack_channel: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageCopy(Base):
    """One Slack message that shows a ticket message: where it was typed (`is_origin`) or
    a relayed copy. `ts` stays NULL until the relay is posted."""

    __tablename__ = "message_copies"
    __table_args__ = (
        UniqueConstraint("message_id", "thread_id"),
        Index("ix_message_copies_slack_channel_ts", "slack_channel", "ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_threads.id", ondelete="CASCADE"), index=True
    )
    slack_channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    is_origin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
