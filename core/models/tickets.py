"""Tickets and what hangs off them: involved orgs, tags, people, links, attachments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, JSONDocument, utcnow
from core.models.directory import Organization, User
from core.rules.stages import INITIAL_STAGE, Stage

DISPLAY_ID_PREFIX = "TKT-"
TITLE_MAX = 200
DESCRIPTION_MAX = 8000


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    BLOCKER = "blocker"


class SourceChannel(StrEnum):
    SLACK = "slack"
    API = "api"
    CLI = "cli"


class Subtype(StrEnum):
    QUESTION = "question"
    BUG = "bug"
    FEATURE_REQUEST = "feature_request"
    INCIDENT = "incident"


class LinkKind(StrEnum):
    """How the other ticket relates to this one: `parent` means the other is this one's parent."""

    RELATED = "related"
    PARENT = "parent"
    CHILD = "child"

    @property
    def inverse(self) -> LinkKind:
        return {
            LinkKind.RELATED: LinkKind.RELATED,
            LinkKind.PARENT: LinkKind.CHILD,
            LinkKind.CHILD: LinkKind.PARENT,
        }[self]


class Ticket(Base):
    """The display id `TKT-<n>` is the primary key, which every database hands out safely."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_assigned_org_id_stage", "assigned_org_id", "stage"),
        Index("ix_tickets_owner_id_stage", "owner_id", "stage"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16), default=Severity.MEDIUM)
    stage: Mapped[str] = mapped_column(String(32), default=INITIAL_STAGE)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_name: Mapped[str | None] = mapped_column(String(100))
    part: Mapped[str | None] = mapped_column(String(100))
    requester_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    assigned_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    escalated_from_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    modified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    needs_response: Mapped[bool] = mapped_column(default=False)
    target_close_date: Mapped[date | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    source_channel: Mapped[str] = mapped_column(String(8))
    subtype: Mapped[str | None] = mapped_column(String(32))
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
    requester_org: Mapped[Organization] = relationship(
        foreign_keys=[requester_org_id], lazy="raise"
    )
    assigned_org: Mapped[Organization] = relationship(foreign_keys=[assigned_org_id], lazy="raise")
    escalated_from_org: Mapped[Organization | None] = relationship(
        foreign_keys=[escalated_from_org_id], lazy="raise"
    )
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    modified_by: Mapped[User | None] = relationship(foreign_keys=[modified_by_id], lazy="raise")
    involved: Mapped[list[TicketInvolvedOrg]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="TicketInvolvedOrg.added_at"
    )
    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="TicketTag.tag"
    )

    @property
    def display_id(self) -> str:
        return f"{DISPLAY_ID_PREFIX}{self.id}"

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def involved_org_ids(self) -> set[int]:
        return {row.org_id for row in self.involved}

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    def __repr__(self) -> str:
        return f"<Ticket {self.display_id} {self.stage}>"


class TicketInvolvedOrg(Base):
    """Requester org plus every org the ticket was ever assigned to: the visibility boundary."""

    __tablename__ = "ticket_involved_orgs"
    __table_args__ = (Index("ix_ticket_involved_orgs_org_id_ticket_id", "org_id", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Organization] = relationship(lazy="raise")


class TicketTag(Base):
    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class TicketSubscriber(Base):
    __tablename__ = "ticket_subscribers"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TicketReporter(Base):
    __tablename__ = "ticket_reporters"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TicketLink(Base):
    """One row per pair; `kind` reads from `ticket_id`'s side (see `LinkKind`)."""

    __tablename__ = "ticket_links"
    __table_args__ = (
        UniqueConstraint("ticket_id", "other_ticket_id"),
        CheckConstraint("ticket_id <> other_ticket_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    other_ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """Metadata of a file shared into a ticket; the bytes stay in Slack."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    slack_file_id: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    mimetype: Mapped[str | None] = mapped_column(String(127))
    size: Mapped[int | None] = mapped_column()
    url: Mapped[str | None] = mapped_column(String(3000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
