"""The App Home view of one user (SPEC §4): notification center, my queue, my org's open
tickets, read through the core services.

Published by the listeners when the user opens the tab or marks notifications read, and
by the delivery worker when a change refreshes it; so it lives beside them, not in either.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.blocks import home_view
from core.models import User
from core.rules.filters import TicketFilter
from core.rules.stages import State
from core.services import notification_center, queries

OPEN = (State.OPEN, State.IN_PROGRESS)
SECTION_SIZE = 15


async def render_home(session: AsyncSession, user: User) -> dict[str, Any]:
    queue = await queries.list_tickets(
        session,
        viewer=user,
        filters=TicketFilter(states=OPEN, owner_id=user.id),
        limit=SECTION_SIZE,
    )
    org_open = await queries.list_tickets(
        session, viewer=user, filters=TicketFilter(states=OPEN), limit=SECTION_SIZE
    )
    return home_view(
        notifications=await notification_center.latest(session, user=user, limit=SECTION_SIZE),
        unread=await notification_center.unread_count(session, user=user),
        queue=queue.tickets,
        org_open=org_open.tickets,
        org_name=user.org.name,
    )
