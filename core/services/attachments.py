"""Files shared into a ticket's conversation: their metadata is kept with the message they
came with, while the bytes stay where they were shared (Slack)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Attachment, Message, User

NAME_MAX = 255


@dataclass(frozen=True)
class SharedFile:
    """One file as the surface it was shared on describes it."""

    name: str
    slack_file_id: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url: str | None = None


def attach(
    session: AsyncSession, message: Message, files: Sequence[SharedFile], *, uploader: User
) -> list[Attachment]:
    """Record `files` as attachments of `message` (already flushed, so it has an id)."""
    rows = [
        Attachment(
            ticket_id=message.ticket_id,
            message_id=message.id,
            uploaded_by_id=uploader.id,
            slack_file_id=file.slack_file_id,
            name=file.name[:NAME_MAX],
            mimetype=file.mimetype,
            size=file.size,
            url=file.url,
        )
        for file in files
    ]
    session.add_all(rows)
    return rows
