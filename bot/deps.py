"""What listeners need besides Bolt's own arguments, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.identity import IdentityResolver
from core.config import Settings


@dataclass
class BotDeps:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    identities: IdentityResolver
