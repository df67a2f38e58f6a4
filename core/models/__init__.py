"""The persistent model. Importing this package registers every table on `Base.metadata`."""

from core.models.api_tokens import ApiToken
from core.models.audit import AuditEntry
from core.models.base import Base, utcnow
from core.models.directory import NotifyMode, Organization, OrgEmailDomain, OrgKind, Role, User
from core.models.messages import Message, Reaction
from core.models.mirror import MessageCopy, ThreadKind, TicketThread
from core.models.outbox import (
    DeliveryPacing,
    Notification,
    OutboxMessage,
    OutboxStatus,
    ProcessedEvent,
    SlackDMChannel,
)
from core.models.tickets import (
    Attachment,
    LinkKind,
    Severity,
    SourceChannel,
    Subtype,
    Ticket,
    TicketInvolvedOrg,
    TicketLink,
    TicketReporter,
    TicketSubscriber,
    TicketTag,
)

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Base",
    "DeliveryPacing",
    "LinkKind",
    "Message",
    "MessageCopy",
    "Notification",
    "NotifyMode",
    "OrgEmailDomain",
    "OrgKind",
    "Organization",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedEvent",
    "Reaction",
    "Role",
    "Severity",
    "SlackDMChannel",
    "SourceChannel",
    "Subtype",
    "ThreadKind",
    "Ticket",
    "TicketInvolvedOrg",
    "TicketLink",
    "TicketReporter",
    "TicketSubscriber",
    "TicketTag",
    "TicketThread",
    "User",
    "utcnow",
]
