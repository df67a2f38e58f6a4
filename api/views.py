"""Loaded ORM objects → response models (pure functions, no database access)."""

from __future__ import annotations

from api.schemas import (
    AttachmentOut,
    LinkOut,
    MessageOut,
    OrgRef,
    TicketDetail,
    TicketOut,
    UserRef,
)
from core.models import Message, Organization, SourceChannel, Ticket, User
from core.rules.stages import Stage, allowed_next
from core.services.queries import MessageView, TicketDetails


def org_ref(org: Organization) -> OrgRef:
    return OrgRef(slug=org.slug, name=org.name)


def user_ref(user: User) -> UserRef:
    return UserRef(email=user.email, name=user.name)


def _ticket_fields(ticket: Ticket) -> dict[str, object]:
    stage = Stage(ticket.stage)
    return {
        "id": ticket.display_id,
        "number": ticket.id,
        "title": ticket.title,
        "description": ticket.description,
        "stage": stage,
        "state": stage.state,
        "allowed_stages": list(allowed_next(stage)),
        "severity": ticket.severity,
        "subtype": ticket.subtype,
        "requester_org": org_ref(ticket.requester_org),
        "assigned_org": org_ref(ticket.assigned_org),
        "escalated_from_org": (
            org_ref(ticket.escalated_from_org) if ticket.escalated_from_org else None
        ),
        "owner": user_ref(ticket.owner) if ticket.owner else None,
        "tags": ticket.tags,
        "part": ticket.part,
        "group": ticket.group_name,
        "needs_response": ticket.needs_response,
        "source_channel": ticket.source_channel,
        "custom_attributes": ticket.custom_attributes,
        "target_close_date": ticket.target_close_date,
        "closed_at": ticket.closed_at,
        "created_at": ticket.created_at,
        "modified_at": ticket.modified_at,
    }


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut.model_validate(_ticket_fields(ticket))


def ticket_detail(details: TicketDetails) -> TicketDetail:
    return TicketDetail.model_validate(
        {
            **_ticket_fields(details.ticket),
            "links": [
                LinkOut(
                    kind=link.kind,
                    ticket=link.ticket.display_id,
                    title=link.ticket.title,
                    stage=Stage(link.ticket.stage),
                )
                for link in details.links
            ],
            "attachments": [AttachmentOut.model_validate(a) for a in details.attachments],
            "subscriber_count": len(details.subscriber_ids),
        }
    )


def message_out(
    message: Message, ticket: str, author: User, reactions: dict[str, int]
) -> MessageOut:
    return MessageOut(
        id=message.id,
        ticket=ticket,
        author=user_ref(author),
        author_org=org_ref(author.org),
        body=message.body,
        internal=message.is_internal,
        reply_to=message.reply_to_id,
        source_channel=SourceChannel(message.source_channel),
        reactions=reactions,
        created_at=message.created_at,
        edited_at=message.edited_at,
        acknowledged_at=message.acknowledged_at,
    )


def message_view_out(view: MessageView, ticket: str) -> MessageOut:
    return message_out(view.message, ticket, view.author, view.reactions)
