"""What listeners need besides Bolt's own arguments, built once at start-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.slack.ack_gate import AckGate
from bot.slack.identity import IdentityResolver
from core.config import Settings

WORK_SLOTS = 6


@dataclass
class BotDeps:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    identities: IdentityResolver
    # Work done after ack() shares the event loop with the acks of later requests; capping
    # how much of it runs at once keeps a burst of commands from delaying their acks.
    work_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(WORK_SLOTS))
    # ...and none of it starts while a burst is still being acked.
    acks: AckGate = field(default_factory=AckGate)
