"""A user's notification center (Support category): list, count and mark read."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Notification, User, utcnow


async def latest(session: AsyncSession, *, user: User, limit: int = 20) -> list[Notification]:
    """Unread first, then read; newest first within each."""
    return list(
        await session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.id.desc())
            .limit(limit)
        )
    )


async def unread_count(session: AsyncSession, *, user: User) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(session: AsyncSession, *, user: User, notification_id: int) -> None:
    """Mark one of the user's own notifications read (someone else's is not found)."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("That notification was not found.")
    if notification.read_at is None:
        notification.read_at = utcnow()


async def mark_all_read(session: AsyncSession, *, user: User) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
