"""Organizations and users: who exists, who belongs where, and how to reach them in Slack."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, utcnow


class OrgKind(StrEnum):
    PLATFORM = "platform"
    PARTNER = "partner"
    SUB_ORG = "sub_org"
    SELF_SERVE = "self_serve"


class NotifyMode(StrEnum):
    """How an org receives org-level notifications (SPEC §3)."""

    CHANNEL = "channel"
    DM = "dm"
    BOTH = "both"


class Role(StrEnum):
    MEMBER = "member"
    SUPPORT_REP = "support_rep"
    ADMIN = "admin"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    slack_team: Mapped[str | None] = mapped_column(String(32))
    ticket_channel: Mapped[str | None] = mapped_column(String(32))
    escalations_channel: Mapped[str | None] = mapped_column(String(32))
    notify: Mapped[str] = mapped_column(String(8), default=NotifyMode.CHANNEL)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], lazy="raise")
    email_domains: Mapped[list[OrgEmailDomain]] = relationship(
        back_populates="org", cascade="all, delete-orphan", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Organization {self.slug} ({self.kind})>"


class OrgEmailDomain(Base):
    """E-mail domains whose unknown Slack users may join the org automatically."""

    __tablename__ = "org_email_domains"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(253), primary_key=True, index=True)

    org: Mapped[Organization] = relationship(back_populates="email_domains", lazy="raise")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("slack_team", "slack_user"),
        Index("ix_users_org_id_is_support_rep", "org_id", "is_support_rep"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    is_support_rep: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    slack_team: Mapped[str | None] = mapped_column(String(32))
    slack_user: Mapped[str | None] = mapped_column(String(32))
    # Tie-breaker for auto-assignment: among equally loaded reps, the one who waited longest.
    last_assigned_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Unnested: under an outer join (a ticket's owner, a message's author) this renders as a
    # second LEFT JOIN, not "LEFT JOIN (users JOIN organizations)", which SQLite answers by
    # materializing every user for each query. (Documented, though typed as bool only.)
    org: Mapped[Organization] = relationship(lazy="joined", innerjoin="unnested")  # type: ignore[arg-type]

    @property
    def roles(self) -> list[Role]:
        roles = [Role.MEMBER]
        if self.is_support_rep:
            roles.append(Role.SUPPORT_REP)
        if self.is_admin:
            roles.append(Role.ADMIN)
        return roles

    @property
    def can_triage(self) -> bool:
        """Reps and admins change stage, owner, severity and escalate (SPEC §1)."""
        return self.is_support_rep or self.is_admin

    @property
    def has_slack_identity(self) -> bool:
        return self.slack_team is not None and self.slack_user is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"
